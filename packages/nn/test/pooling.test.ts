import { describe, expect, it } from "vitest";
import { registerBackend, randn, type DType, type Tensor } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import {
  AdaptiveAvgPool2d,
  AdaptiveAvgPool3d,
  AdaptiveMaxPool2d,
  AvgPool1d,
  AvgPool2d,
  AvgPool3d,
  MaxPool1d,
  MaxPool2d,
  MaxPool3d,
  Module,
  functional as F,
} from "@trek/nn";
import { gradcheck } from "@trek/autograd";
import { checkAgainstFixture, loadFixtures } from "./helpers.js";

registerBackend("cpu", () => new CpuBackend());

const cases = loadFixtures("pooling");
const DTYPES: DType[] = ["float32", "float64"];

type Triple = number | [number, number, number];

interface PoolConfig {
  kind: string;
  kernel: number;
  stride?: number;
  padding?: number;
  dilation?: number;
  ceilMode?: boolean;
  countIncludePad?: boolean;
  divisorOverride?: number;
  size?: number | [number | null, number | null];
}

function build(m: PoolConfig): { layer: Module; run: (x: Tensor) => unknown } {
  switch (m.kind) {
    case "MaxPool2d": {
      const layer = new MaxPool2d(m.kernel, { stride: m.stride, padding: m.padding, dilation: m.dilation, ceilMode: m.ceilMode });
      return { layer, run: (x) => layer.forwardWithIndices(x) };
    }
    case "MaxPool1d": {
      const layer = new MaxPool1d(m.kernel, { stride: m.stride, padding: m.padding, dilation: m.dilation, ceilMode: m.ceilMode });
      return { layer, run: (x) => layer.forwardWithIndices(x) };
    }
    case "AvgPool2d": {
      const layer = new AvgPool2d(m.kernel, {
        stride: m.stride,
        padding: m.padding,
        ceilMode: m.ceilMode,
        countIncludePad: m.countIncludePad,
        divisorOverride: m.divisorOverride,
      });
      return { layer, run: (x) => layer.call(x) };
    }
    case "MaxPool3d": {
      const t = (v: unknown) => v as Triple | undefined;
      const layer = new MaxPool3d(m.kernel as Triple, { stride: t(m.stride), padding: t(m.padding), dilation: t(m.dilation), ceilMode: m.ceilMode });
      return { layer, run: (x) => layer.forwardWithIndices(x) };
    }
    case "AvgPool3d": {
      const t = (v: unknown) => v as Triple | undefined;
      const layer = new AvgPool3d(m.kernel as Triple, {
        stride: t(m.stride),
        padding: t(m.padding),
        ceilMode: m.ceilMode,
        countIncludePad: m.countIncludePad,
        divisorOverride: m.divisorOverride,
      });
      return { layer, run: (x) => layer.call(x) };
    }
    case "AdaptiveAvgPool3d": {
      const layer = new AdaptiveAvgPool3d(m.size as unknown as [number | null, number | null, number | null]);
      return { layer, run: (x) => layer.call(x) };
    }
    case "AvgPool1d": {
      const layer = new AvgPool1d(m.kernel, { stride: m.stride, padding: m.padding, ceilMode: m.ceilMode, countIncludePad: m.countIncludePad });
      return { layer, run: (x) => layer.call(x) };
    }
    case "AdaptiveAvgPool2d": {
      const layer = new AdaptiveAvgPool2d(m.size!);
      return { layer, run: (x) => layer.call(x) };
    }
    case "AdaptiveMaxPool2d": {
      const layer = new AdaptiveMaxPool2d(m.size!);
      return { layer, run: (x) => layer.forwardWithIndices(x) };
    }
  }
  throw new Error(`unknown pooling ${m.kind}`);
}

describe("pooling matches PyTorch (values, indices and gradients)", () => {
  for (const dtype of DTYPES) {
    for (const [name, c] of Object.entries(cases)) {
      it(`${name} (${dtype})`, () => {
        const { layer, run } = build(c.module as unknown as PoolConfig);
        checkAgainstFixture(name, c, dtype, layer, (x) => run(x.x!));
      });
    }
  }
});

describe("pooling layers", () => {
  it("accept unbatched input", () => {
    const x = randn([3, 6, 6]);
    expect(new MaxPool2d(2).call(x).shape).toEqual([3, 3, 3]);
    expect(new AdaptiveAvgPool2d(1).call(x).shape).toEqual([3, 1, 1]);
    expect(new MaxPool1d(2).call(randn([3, 8])).shape).toEqual([3, 4]);
  });

  it("explain bad input", () => {
    expect(() => new MaxPool2d(2).call(randn([6, 6]))).toThrow(
      "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False): expected input [N, C, H, W] or [C, H, W], got [6, 6]",
    );
    expect(() => new AdaptiveAvgPool2d([0, 2]).call(randn([1, 1, 4, 4]))).toThrow("output size must be positive integers");
  });

  it("print like PyTorch", () => {
    expect(new MaxPool2d(2).reprTree()).toBe("MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)");
    expect(new AdaptiveAvgPool2d([1, 1]).reprTree()).toBe("AdaptiveAvgPool2d(output_size=(1, 1))");
  });

  it("3-d pooling: unbatched input, bad input and repr", () => {
    const x = randn([3, 4, 6, 6]);
    expect(new MaxPool3d(2).call(x).shape).toEqual([3, 2, 3, 3]);
    expect(new AvgPool3d([2, 3, 3], { stride: 1 }).call(x).shape).toEqual([3, 3, 4, 4]);
    expect(new AdaptiveAvgPool3d(1).call(x).shape).toEqual([3, 1, 1, 1]);
    expect(new MaxPool3d(2).reprTree()).toBe("MaxPool3d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)");
    expect(new MaxPool3d([2, 3, 1], { stride: [1, 2, 1], padding: 1, ceilMode: true }).reprTree()).toBe(
      "MaxPool3d(kernel_size=(2, 3, 1), stride=(1, 2, 1), padding=1, dilation=1, ceil_mode=True)",
    );
    expect(new AvgPool3d([2, 2, 3], { stride: 1, divisorOverride: 3 }).reprTree()).toBe("AvgPool3d(kernel_size=(2, 2, 3), stride=1, padding=0)");
    expect(new AdaptiveAvgPool3d([1, null, 2]).reprTree()).toBe("AdaptiveAvgPool3d(output_size=(1, None, 2))");
    expect(() => new MaxPool3d(2).call(randn([4, 6, 6]))).toThrow(
      "MaxPool3d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False): expected input [N, C, D, H, W] or [C, D, H, W], got [4, 6, 6]",
    );
    expect(() => new AvgPool3d(2).call(randn([1, 1, 1, 4, 4]))).toThrow("avgPool3d: input [1, 1, 1, 4, 4] is too small for kernel [2,2,2] (output depth 0)");
    expect(() => new MaxPool3d(2, { padding: [2, 0, 0] }).call(randn([1, 1, 4, 4, 4]))).toThrow(
      "maxPool3d: padding [2,0,0] must be at most half the kernel size [2,2,2]",
    );
    expect(() => new AvgPool3d(2, { divisorOverride: 0 }).call(randn([1, 1, 4, 4, 4]))).toThrow("avgPool3d: divisorOverride must be a non-zero integer, got 0");
    expect(() => new AvgPool2d(2, { divisorOverride: 1.5 }).call(randn([1, 1, 4, 4]))).toThrow("avgPool2d: divisorOverride must be a non-zero integer, got 1.5");
    expect(() => new AdaptiveAvgPool3d([0, 1, 1]).call(randn([1, 1, 2, 2, 2]))).toThrow("output size must be positive integers");
  });

  it("3-d pooling gradients match finite differences", () => {
    const x = randn([1, 2, 5, 4, 5], { dtype: "float64", requiresGrad: true });
    const opts = { stride: [2, 1, 2] as [number, number, number], padding: 1, ceilMode: true };
    expect(gradcheck((a: Tensor) => F.maxPool3d(a, 3, { ...opts, dilation: [1, 2, 1] }), [x])).toBe(true);
    expect(gradcheck((a: Tensor) => F.avgPool3d(a, 3, { ...opts, countIncludePad: false }), [x])).toBe(true);
    expect(gradcheck((a: Tensor) => F.avgPool3d(a, [2, 3, 2], { ...opts, divisorOverride: 7 }), [x])).toBe(true);
    expect(gradcheck((a: Tensor) => F.adaptiveAvgPool3d(a, [3, 3, 2]), [x])).toBe(true);
  });
});
