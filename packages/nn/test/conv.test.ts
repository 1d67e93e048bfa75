import { describe, expect, it } from "vitest";
import { registerBackend, randn, zeros, type DType, type Tensor } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { gradcheck, gradgradcheck } from "@trek/autograd";
import { Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, functional as F, type Module } from "@trek/nn";
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
  paddingMode?: "reflect" | "replicate";
  outputPadding?: number;
  outputSize?: number[];
}

type Size3 = number | [number, number, number];

function build(name: string, m: ConvConfig): Module {
  if (name.startsWith("conv3d")) {
    return new Conv3d(m.in, m.out, m.kernel as unknown as Size3, {
      stride: m.stride as unknown as Size3,
      padding: m.padding as unknown as Size3 | "same" | "valid",
      dilation: m.dilation as unknown as Size3,
      groups: m.groups,
      bias: m.bias,
      paddingMode: m.paddingMode,
    });
  }
  if (name.startsWith("conv_transpose1d")) {
    return new ConvTranspose1d(m.in, m.out, m.kernel as number, {
      stride: m.stride as number,
      padding: m.padding as number,
      outputPadding: m.outputPadding,
      dilation: m.dilation as number,
      groups: m.groups,
      bias: m.bias,
    });
  }
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
        const outputSize = (c.module as unknown as ConvConfig).outputSize;
        const run = outputSize ? (x: Tensor) => (layer as ConvTranspose2d).call(x, outputSize) : (x: Tensor) => layer.call(x) as Tensor;
        checkAgainstFixture(name, c, dtype, layer, (x) => run(x.x!));
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

  it("3-d convolution: bad input, repr, parameters and PyTorch's default init", () => {
    const conv = new Conv3d(2, 4, 3);
    expect(conv.reprTree()).toBe("Conv3d(2, 4, kernel_size=(3, 3, 3), stride=(1, 1, 1))");
    expect(new Conv3d(4, 6, [1, 3, 3], { stride: [1, 2, 2], padding: [0, 1, 1], dilation: 2, groups: 2, bias: false }).reprTree()).toBe(
      "Conv3d(4, 6, kernel_size=(1, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1), dilation=(2, 2, 2), groups=2, bias=False)",
    );
    expect(new Conv3d(2, 2, 3, { padding: "same", paddingMode: "circular" }).reprTree()).toBe(
      "Conv3d(2, 2, kernel_size=(3, 3, 3), stride=(1, 1, 1), padding=same, padding_mode=circular)",
    );
    expect(Object.keys(conv.stateDict())).toEqual(["weight", "bias"]);
    expect(conv.weight.shape).toEqual([4, 2, 3, 3, 3]);
    // kaiming-uniform(a = √5) and bias U(±1/√fanIn) with fanIn = 2·27: both bounded by 1/√54.
    const bound = 1 / Math.sqrt(54);
    for (const p of [conv.weight, conv.bias!]) {
      const values = Array.from(p.dataSync() as Float32Array);
      expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(bound + 1e-7);
    }
    expect(() => conv.call(zeros([1, 3, 4, 4, 4]))).toThrow(
      "Conv3d(2, 4, kernel_size=(3, 3, 3), stride=(1, 1, 1)): expected input [N, 2, D, H, W] or [2, D, H, W], got [1, 3, 4, 4, 4]",
    );
    expect(() => conv.call(zeros([2, 4, 4]))).toThrow("expected input [N, 2, D, H, W] or [2, D, H, W], got [2, 4, 4]");
    expect(() => conv.call(zeros([1, 2, 2, 4, 4]))).toThrow("conv3d: input [1, 2, 2, 4, 4] is too small for kernel (3, 3, 3)");
    expect(() => new Conv3d(3, 4, 3, { groups: 2 })).toThrow("inChannels (3) must be divisible by groups (2)");
    expect(() => new Conv3d(2, 4, 3, { stride: [1, 2, 1], padding: "same" })).toThrow('padding "same" is not supported for strided convolutions (stride (1, 2, 1))');
    expect(() => new Conv3d(2, 4, [3, 3] as unknown as number)).toThrow("Conv3d: kernelSize must be a number or a triple of numbers, got [3,3]");
    expect(() => F.conv3d(zeros([1, 3, 4, 4, 4]), zeros([4, 2, 3, 3, 3]))).toThrow(
      "conv3d: input [1, 3, 4, 4, 4] has 3 channels, but weight [4, 2, 3, 3, 3] with groups=1 expects 2",
    );
    expect(() => F.conv3d(zeros([1, 2, 4, 4, 4]), zeros([4, 2, 3, 3]))).toThrow("conv3d: expected weight [out, in/groups, kD, kH, kW], got [4, 2, 3, 3]");
  });

  it("conv3d's gradients and gradients of gradients match finite differences", () => {
    const x = randn([1, 2, 4, 3, 3], { dtype: "float64", requiresGrad: true });
    const w = randn([2, 1, 2, 2, 2], { dtype: "float64", requiresGrad: true });
    const b = randn([2], { dtype: "float64", requiresGrad: true });
    const f = (a: Tensor, c: Tensor, d: Tensor) => F.conv3d(a, c, d, { stride: [2, 1, 1], padding: 1, dilation: [1, 2, 1], groups: 2 });
    expect(gradcheck(f, [x, w, b])).toBe(true);
    expect(gradgradcheck((a: Tensor, c: Tensor, d: Tensor) => f(a, c, d).tanh(), [x, w, b])).toBe(true);
  });

  it("transposed convolutions take an output size and explain one out of range", () => {
    const up = new ConvTranspose2d(3, 2, 3, { stride: 2 });
    const x = randn([1, 3, 4, 4]);
    expect(up.call(x).shape).toEqual([1, 2, 9, 9]);
    expect(up.call(x, [10, 9]).shape).toEqual([1, 2, 10, 9]);
    expect(up.call(randn([3, 4, 4]), [2, 10, 10]).shape).toEqual([2, 10, 10]);
    expect(() => up.call(x, [20, 20])).toThrow(
      "ConvTranspose2d(3, 2, kernel_size=(3, 3), stride=(2, 2)): requested an output size of [20, 20], but valid sizes range from [9, 9] to [10, 10] (for an input of [4, 4])",
    );
    expect(() => up.call(x, [10])).toThrow("outputSize must have 2 or 4 elements (got 1)");
    const up1 = new ConvTranspose1d(2, 3, 3, { stride: 2, outputPadding: 1 });
    expect(up1.reprTree()).toBe("ConvTranspose1d(2, 3, kernel_size=(3,), stride=(2,), output_padding=(1,))");
    expect(up1.weight.shape).toEqual([2, 3, 3]);
    expect(up1.call(randn([2, 5])).shape).toEqual([3, 12]);
    expect(up1.call(randn([1, 2, 5]), [11]).shape).toEqual([1, 3, 11]);
    expect(() => up1.call(randn([1, 3, 5]))).toThrow(
      "ConvTranspose1d(2, 3, kernel_size=(3,), stride=(2,), output_padding=(1,)): expected input [N, 2, L] or [2, L], got [1, 3, 5]",
    );
  });

  it("3-d 'same' padding keeps the size", () => {
    const conv = new Conv3d(1, 2, [2, 4, 3], { padding: "same", dilation: [1, 2, 1] });
    expect(conv.call(randn([1, 1, 5, 9, 7])).shape).toEqual([1, 2, 5, 9, 7]);
  });
});
