import { describe, expect, it } from "vitest";
import { registerBackend, randn, tensor, type DType, type Tensor } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { AdaptiveMaxPool1d, AdaptiveMaxPool3d, LPPool1d, LPPool2d, MaxPool2d, MaxUnpool1d, MaxUnpool2d, MaxUnpool3d, Module, functional as F } from "@trek/nn";
import { gradcheck } from "@trek/autograd";
import { checkAgainstFixture, loadFixtures } from "./helpers.js";

registerBackend("cpu", () => new CpuBackend());

const cases = loadFixtures("pooling_extra");
const DTYPES: DType[] = ["float32", "float64"];

interface Config {
  kind: string;
  kernel: number | number[];
  stride?: number | number[];
  padding?: number | number[];
  outputSize?: number[];
  normType?: number;
  ceilMode?: boolean;
  size?: number | (number | null)[];
}

/* eslint-disable @typescript-eslint/no-explicit-any */
function build(m: Config): { layer: Module; run: (x: Record<string, Tensor>) => unknown } {
  const k = m.kernel as any;
  const s = m.stride as any;
  switch (m.kind) {
    case "MaxUnpool1d":
    case "MaxUnpool2d":
    case "MaxUnpool3d": {
      const Layer = { MaxUnpool1d, MaxUnpool2d, MaxUnpool3d }[m.kind];
      const layer = new Layer(k, { stride: s, padding: m.padding as any });
      return { layer, run: (a) => layer.call(a.x!, a.indices!, m.outputSize) };
    }
    case "LPPool1d": {
      const layer = new LPPool1d(m.normType!, k, { stride: s, ceilMode: m.ceilMode });
      return { layer, run: (a) => layer.call(a.x!) };
    }
    case "LPPool2d": {
      const layer = new LPPool2d(m.normType!, k, { stride: s, ceilMode: m.ceilMode });
      return { layer, run: (a) => layer.call(a.x!) };
    }
    case "AdaptiveMaxPool1d": {
      const layer = new AdaptiveMaxPool1d(m.size as number);
      return { layer, run: (a) => layer.forwardWithIndices(a.x!) };
    }
    case "AdaptiveMaxPool3d": {
      const layer = new AdaptiveMaxPool3d(m.size as any);
      return { layer, run: (a) => layer.forwardWithIndices(a.x!) };
    }
  }
  throw new Error(`unknown pooling ${m.kind}`);
}

describe("unpooling, LP pooling and adaptive max pooling match PyTorch", () => {
  for (const dtype of DTYPES) {
    for (const [name, c] of Object.entries(cases)) {
      it(`${name} (${dtype})`, () => {
        const { layer, run } = build(c.module as unknown as Config);
        checkAgainstFixture(name, c, dtype, layer, run);
      });
    }
  }
});

describe("MaxUnpool", () => {
  it("inverts max pooling at the maxima", () => {
    const x = randn([2, 3, 4, 6]).abs().add(0.1); // positive, so re-pooling the zeros keeps the maxima
    const [values, indices] = new MaxPool2d(2).forwardWithIndices(x);
    const restored = new MaxUnpool2d(2).call(values, indices);
    expect(restored.shape).toEqual([2, 3, 4, 6]);
    const again = F.maxPool2d(restored, 2);
    expect(Array.from(again.dataSync() as Float32Array)).toEqual(Array.from(values.dataSync() as Float32Array));
    const [v1, i1] = F.maxPool1dWithIndices(randn([3, 8]), 2);
    expect(F.maxUnpool1d(v1, i1, 2, { outputSize: [9] }).shape).toEqual([3, 9]);
    const [v3, i3] = F.maxPool3dWithIndices(randn([1, 1, 4, 4, 4]), 2);
    expect(F.maxUnpool3d(v3, i3, 2).shape).toEqual([1, 1, 4, 4, 4]);
  });

  it("prints like PyTorch", () => {
    expect(new MaxUnpool1d(2).reprTree()).toBe("MaxUnpool1d(kernel_size=(2,), stride=(2,), padding=(0,))");
    expect(new MaxUnpool2d(2).reprTree()).toBe("MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))");
    expect(new MaxUnpool3d([2, 2, 3], { stride: 2, padding: [1, 0, 1] }).reprTree()).toBe(
      "MaxUnpool3d(kernel_size=(2, 2, 3), stride=(2, 2, 2), padding=(1, 0, 1))",
    );
  });

  it("explains bad input", () => {
    const [values, indices] = F.maxPool2dWithIndices(randn([1, 1, 4, 4]), 2);
    expect(() => new MaxUnpool2d(2).call(randn([4, 4]), indices)).toThrow(
      "MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0)): expected input [N, C, H, W] or [C, H, W], got [4, 4]",
    );
    expect(() => new MaxUnpool2d(2).call(values, indices.reshape(1, 1, 4))).toThrow(
      "MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0)): expected indices of the input's shape [1, 1, 2, 2], got [1, 1, 4]",
    );
    expect(() => F.maxUnpool2d(values, indices, 2, { outputSize: [6, 4] })).toThrow(
      "maxUnpool2d: invalid outputSize [6,4] (expected sizes between [2,2] and [6,6], exclusive)",
    );
    expect(() => F.maxUnpool2d(values, indices, 2, { outputSize: [4] })).toThrow("maxUnpool2d: outputSize must have 2 or 4 elements, got 1 ([4])");
    const bad = tensor(BigInt64Array.from([0n, 1n, 2n, 16n]), { shape: [1, 1, 2, 2] });
    expect(() => F.maxUnpool2d(values, bad, 2)).toThrow("maxUnpool2d: index 16 out of range for output size [4,4] (expected 0 ≤ index < 16)");
    expect(() => F.maxUnpool2d(values, indices, 2, { stride: 0 })).toThrow("maxUnpool2d: stride must be an integer or 2 integers ≥ 1, got 0");
  });

  it("gradients match finite differences", () => {
    const [, indices] = F.maxPool3dWithIndices(randn([1, 2, 4, 4, 5]), 2, { padding: 1 });
    const v = randn(indices.shape, { dtype: "float64", requiresGrad: true });
    expect(gradcheck((a: Tensor) => F.maxUnpool3d(a, indices, 2, { padding: 1, outputSize: [4, 4, 5] }), [v])).toBe(true);
  });
});

describe("LPPool and adaptive max pooling", () => {
  it("print like PyTorch and explain bad input", () => {
    expect(new LPPool2d(2, 3).reprTree()).toBe("LPPool2d(norm_type=2, kernel_size=3, stride=None, ceil_mode=False)");
    expect(new LPPool1d(1.5, 2, { stride: 1, ceilMode: true }).reprTree()).toBe("LPPool1d(norm_type=1.5, kernel_size=2, stride=1, ceil_mode=True)");
    expect(new AdaptiveMaxPool3d([1, null, 2]).reprTree()).toBe("AdaptiveMaxPool3d(output_size=(1, None, 2))");
    expect(new AdaptiveMaxPool1d(3).reprTree()).toBe("AdaptiveMaxPool1d(output_size=3)");
    expect(() => new LPPool2d(2, 2).call(randn([4, 4]))).toThrow(
      "LPPool2d(norm_type=2, kernel_size=2, stride=None, ceil_mode=False): expected input [N, C, H, W] or [C, H, W], got [4, 4]",
    );
    expect(() => new LPPool1d(0, 2).call(randn([1, 4]))).toThrow("lpPool1d: normType must be a finite non-zero number, got 0");
    expect(() => new AdaptiveMaxPool3d(2).call(randn([2, 4, 4]))).toThrow(
      "AdaptiveMaxPool3d(output_size=2): expected input [N, C, D, H, W] or [C, D, H, W], got [2, 4, 4]",
    );
    expect(() => new AdaptiveMaxPool3d([0, 1, 1]).call(randn([1, 1, 2, 2, 2]))).toThrow("output size must be positive integers");
    expect(() => new AdaptiveMaxPool1d(0).call(randn([1, 4]))).toThrow("adaptiveMaxPool1d: output size must be an integer ≥ 1, got 0");
  });

  it("gradients match finite differences", () => {
    const x = randn([1, 2, 5, 6], { dtype: "float64", requiresGrad: true });
    expect(gradcheck((a: Tensor) => F.lpPool2d(a, 2, [2, 3], { stride: [2, 1], ceilMode: true }), [x])).toBe(true);
    const y = randn([1, 2, 5, 7, 4], { dtype: "float64", requiresGrad: true });
    expect(gradcheck((a: Tensor) => F.adaptiveMaxPool3d(a, [3, 2, 3]), [y])).toBe(true);
  });
});
