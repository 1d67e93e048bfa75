import { describe, expect, it } from "vitest";
import { registerBackend, randn, type DType, type Tensor } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d, Module } from "@trek/nn";
import { checkAgainstFixture, loadFixtures } from "./helpers.js";

registerBackend("cpu", () => new CpuBackend());

const cases = loadFixtures("pooling");
const DTYPES: DType[] = ["float32", "float64"];

interface PoolConfig {
  kind: string;
  kernel: number;
  stride?: number;
  padding?: number;
  dilation?: number;
  ceilMode?: boolean;
  countIncludePad?: boolean;
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
      const layer = new AvgPool2d(m.kernel, { stride: m.stride, padding: m.padding, ceilMode: m.ceilMode, countIncludePad: m.countIncludePad });
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
});
