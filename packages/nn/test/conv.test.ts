import { describe, expect, it } from "vitest";
import { registerBackend, randn, zeros, type DType } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { gradcheck, gradgradcheck } from "@trek/autograd";
import { Conv1d, Conv2d, ConvTranspose2d, functional as F } from "@trek/nn";
import { checkAgainstFixture, loadFixtures } from "./helpers.js";

registerBackend("cpu", () => new CpuBackend());

const cases = loadFixtures("conv");
const DTYPES: DType[] = ["float32", "float64"];

interface ConvConfig {
  in: number;
  out: number;
  kernel: number | [number, number];
  stride?: number | [number, number];
  padding?: number | [number, number] | "same";
  dilation?: number | [number, number];
  groups?: number;
  bias?: boolean;
  paddingMode?: "reflect";
  outputPadding?: number;
}

function build(name: string, m: ConvConfig): Conv1d | Conv2d | ConvTranspose2d {
  if (name.startsWith("conv1d")) {
    return new Conv1d(m.in, m.out, m.kernel as number, {
      stride: m.stride as number,
      padding: m.padding as number | "same",
      dilation: m.dilation as number,
      groups: m.groups,
      bias: m.bias,
    });
  }
  if (name.startsWith("conv_transpose")) {
    return new ConvTranspose2d(m.in, m.out, m.kernel, {
      stride: m.stride as number,
      padding: m.padding as number,
      outputPadding: m.outputPadding,
      dilation: m.dilation,
      groups: m.groups,
      bias: m.bias,
    });
  }
  return new Conv2d(m.in, m.out, m.kernel, {
    stride: m.stride,
    padding: m.padding,
    dilation: m.dilation,
    groups: m.groups,
    bias: m.bias,
    paddingMode: m.paddingMode,
  });
}

describe("convolutions match PyTorch (forward and backward)", () => {
  for (const dtype of DTYPES) {
    for (const [name, c] of Object.entries(cases)) {
      it(`${name} (${dtype})`, () => {
        const layer = build(name, c.module as unknown as ConvConfig);
        checkAgainstFixture(name, c, dtype, layer, (x) => layer.call(x.x!));
      });
    }
  }
});

describe("convolution layers", () => {
  it("name the layer and the expected channels on bad input", () => {
    const conv = new Conv2d(3, 16, 3);
    expect(() => conv.call(zeros([8, 1, 28, 28]))).toThrow(
      "Conv2d(3, 16, kernel_size=(3, 3), stride=(1, 1)): expected input [N, 3, H, W] or [3, H, W], got [8, 1, 28, 28]",
    );
    expect(() => new Conv1d(2, 4, 3).call(zeros([2, 3, 5]))).toThrow("Conv1d(2, 4, kernel_size=(3,), stride=(1,)): expected input [N, 2, L] or [2, L], got [2, 3, 5]");
    expect(() => new Conv2d(3, 4, 3, { groups: 2 })).toThrow("inChannels (3) must be divisible by groups (2)");
    expect(() => new Conv2d(3, 4, 3, { stride: 2, padding: "same" })).toThrow('padding "same" is not supported for strided convolutions');
  });

  it("print like PyTorch", () => {
    expect(new Conv2d(4, 6, 3, { padding: 1, groups: 2, bias: false }).reprTree()).toBe(
      "Conv2d(4, 6, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), groups=2, bias=False)",
    );
    expect(new ConvTranspose2d(3, 2, 3, { stride: 2, outputPadding: 1 }).reprTree()).toBe(
      "ConvTranspose2d(3, 2, kernel_size=(3, 3), stride=(2, 2), output_padding=(1, 1))",
    );
  });

  it("convTranspose2d's gradients and gradients of gradients match finite differences", () => {
    const x = randn([1, 2, 3, 3], { dtype: "float64", requiresGrad: true });
    const w = randn([2, 3, 2, 2], { dtype: "float64", requiresGrad: true });
    const transposed = (a: typeof x, b: typeof w) => F.convTranspose2d(a, b, null, { stride: 2, padding: 1, outputPadding: 1 });
    expect(gradcheck(transposed, [x, w])).toBe(true);
    expect(gradgradcheck((a: typeof x, b: typeof w) => transposed(a, b).tanh(), [x, w])).toBe(true);
    // Output padding past the stride (allowed by dilation): the adjoint convolution yields an
    // extra row and column that the gradient must drop.
    const dilated = (a: typeof x, b: typeof w) => F.convTranspose2d(a, b, null, { stride: 1, dilation: 3, outputPadding: 2 }).tanh();
    expect(gradgradcheck(dilated, [x, w])).toBe(true);
  });

  it("'same' padding keeps the size for any kernel", () => {
    const conv = new Conv2d(1, 1, [4, 5], { padding: "same", dilation: 2 });
    expect(conv.call(randn([2, 1, 9, 7])).shape).toEqual([2, 1, 9, 7]);
  });
});
