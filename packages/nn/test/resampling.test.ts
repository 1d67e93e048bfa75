import { describe, expect, it } from "vitest";
import { registerBackend, randn, type DType, type Tensor } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import {
  ChannelShuffle,
  Fold,
  Module,
  PixelShuffle,
  PixelUnshuffle,
  Unfold,
  Upsample,
  UpsamplingBilinear2d,
  UpsamplingNearest2d,
  functional as F,
  type UpsampleOptions,
} from "@trek/nn";
import { gradcheck } from "@trek/autograd";
import { checkAgainstFixture, loadFixtures } from "./helpers.js";

registerBackend("cpu", () => new CpuBackend());

const cases = loadFixtures("resampling");
const DTYPES: DType[] = ["float32", "float64"];

type Size = number | [number, number];

interface ResamplingConfig extends UpsampleOptions {
  kind: string;
  factor?: number;
  groups?: number;
  kernel?: Size;
  dilation?: Size;
  padding?: Size;
  stride?: Size;
}

/** A stateless module around a function. */
class Lambda extends Module {
  constructor(private readonly fn: (x: Tensor) => Tensor) {
    super();
  }

  forward(x: Tensor): Tensor {
    return this.fn(x);
  }
}

function build(m: ResamplingConfig): Module {
  const unfoldOptions = { dilation: m.dilation, padding: m.padding, stride: m.stride };
  switch (m.kind) {
    case "interpolate":
      return new Lambda((x) =>
        F.interpolate(x, { size: m.size, scaleFactor: m.scaleFactor, mode: m.mode, alignCorners: m.alignCorners, recomputeScaleFactor: m.recomputeScaleFactor }),
      );
    case "Upsample":
      return new Upsample({ size: m.size, scaleFactor: m.scaleFactor, mode: m.mode });
    case "UpsamplingNearest2d":
      return new UpsamplingNearest2d({ size: m.size as Size | undefined, scaleFactor: m.scaleFactor as Size | undefined });
    case "UpsamplingBilinear2d":
      return new UpsamplingBilinear2d({ size: m.size as Size | undefined, scaleFactor: m.scaleFactor as Size | undefined });
    case "PixelShuffle":
      return new PixelShuffle(m.factor!);
    case "PixelUnshuffle":
      return new PixelUnshuffle(m.factor!);
    case "ChannelShuffle":
      return new ChannelShuffle(m.groups!);
    case "Unfold":
      return new Unfold(m.kernel!, unfoldOptions);
    case "Fold":
      return new Fold(m.size as Size, m.kernel!, unfoldOptions);
  }
  throw new Error(`unknown resampling ${m.kind}`);
}

describe("resampling matches PyTorch (values and gradients)", () => {
  for (const dtype of DTYPES) {
    for (const [name, c] of Object.entries(cases)) {
      it(`${name} (${dtype})`, () => {
        const layer = build(c.module as unknown as ResamplingConfig);
        checkAgainstFixture(name, c, dtype, layer, (x) => layer.call(x.x!));
      });
    }
  }
});

describe("resampling layers", () => {
  it("print like PyTorch", () => {
    expect(new Upsample({ scaleFactor: 2, mode: "bilinear" }).reprTree()).toBe("Upsample(scale_factor=2.0, mode='bilinear')");
    expect(new Upsample({ size: [4, 5] }).reprTree()).toBe("Upsample(size=(4, 5), mode='nearest')");
    expect(new Upsample({ scaleFactor: [1.5, 2] }).reprTree()).toBe("Upsample(scale_factor=(1.5, 2.0), mode='nearest')");
    expect(new UpsamplingNearest2d({ scaleFactor: 2 }).reprTree()).toBe("UpsamplingNearest2d(scale_factor=2.0, mode='nearest')");
    expect(new UpsamplingBilinear2d({ size: 8 }).reprTree()).toBe("UpsamplingBilinear2d(size=8, mode='bilinear')");
    expect(new PixelShuffle(3).reprTree()).toBe("PixelShuffle(upscale_factor=3)");
    expect(new PixelUnshuffle(2).reprTree()).toBe("PixelUnshuffle(downscale_factor=2)");
    expect(new ChannelShuffle(4).reprTree()).toBe("ChannelShuffle(groups=4)");
    expect(new Unfold(2).reprTree()).toBe("Unfold(kernel_size=2, dilation=1, padding=0, stride=1)");
    expect(new Fold([4, 5], [2, 3], { stride: 2 }).reprTree()).toBe("Fold(output_size=(4, 5), kernel_size=(2, 3), dilation=1, padding=0, stride=2)");
  });

  it("explain bad arguments", () => {
    const x = randn([1, 2, 4, 4]);
    expect(() => F.interpolate(x, { scaleFactor: 2, mode: "linear" })).toThrow("interpolate: mode 'linear' needs a 3-d input, got [1, 2, 4, 4]");
    expect(() => F.interpolate(randn([2, 4]), { size: 3 })).toThrow("interpolate: expected input [N, C, L], [N, C, H, W] or [N, C, D, H, W], got [2, 4]");
    expect(() => F.interpolate(x, { scaleFactor: 2, mode: "cubic" as never })).toThrow("interpolate: unknown mode 'cubic'");
    expect(() => F.interpolate(x, { scaleFactor: 2, alignCorners: true })).toThrow("alignCorners can only be set with the interpolating modes");
    expect(() => F.interpolate(x, { size: 3, scaleFactor: 2 })).toThrow("interpolate: give exactly one of size and scaleFactor");
    expect(() => F.interpolate(x, {})).toThrow("interpolate: give exactly one of size and scaleFactor");
    expect(() => F.interpolate(x, { size: [3, 4, 5] })).toThrow("interpolate: size must be a number or 2 numbers for a 4-d input, got [3,4,5]");
    expect(() => F.interpolate(x, { size: [0, 4] })).toThrow("interpolate: size must be positive integers, got [0,4]");
    expect(() => F.interpolate(x, { scaleFactor: -1 })).toThrow("interpolate: scaleFactor must be positive, got -1");
    expect(() => F.interpolate(x, { scaleFactor: 0.1 })).toThrow("interpolate: scaleFactor 0.1 gives an empty output for input [1, 2, 4, 4]");
    expect(() => new Upsample({ scaleFactor: 2, mode: "trilinear" }).call(x)).toThrow(
      "Upsample(scale_factor=2.0, mode='trilinear'): interpolate: mode 'trilinear' needs a 5-d input, got [1, 2, 4, 4]",
    );
    expect(() => new PixelShuffle(2).call(randn([1, 6, 2, 2]))).toThrow("pixelShuffle: channels 6 of input [1, 6, 2, 2] are not divisible by upscaleFactor² = 4");
    expect(() => new PixelShuffle(0)).toThrow("PixelShuffle: upscaleFactor must be a positive integer, got 0");
    expect(() => new PixelUnshuffle(2).call(randn([1, 1, 3, 4]))).toThrow("pixelUnshuffle: height and width of input [1, 1, 3, 4] are not divisible by downscaleFactor 2");
    expect(() => F.pixelShuffle(randn([4, 2]), 2)).toThrow("pixelShuffle: expected input [*, C, H, W] with at least 3 dims, got [4, 2]");
    expect(() => new ChannelShuffle(4).call(randn([1, 6, 2]))).toThrow("channelShuffle: channels 6 of input [1, 6, 2] are not divisible by groups 4");
    expect(() => new Unfold(2).call(randn([4, 4]))).toThrow("unfold: expected input [N, C, H, W] or [C, H, W], got [4, 4]");
    expect(() => new Unfold(5).call(randn([1, 1, 4, 4]))).toThrow("unfold: spatial size [4, 4] with padding [0, 0] is too small for kernel [5, 5]");
    expect(() => new Unfold(2, { stride: 0 }).call(x)).toThrow("unfold: stride must be positive integers, got [0,0]");
    expect(() => new Fold(4, 2).call(randn([1, 6, 9]))).toThrow("fold: size 6 of dim 1 of input [1, 6, 9] is not divisible by the kernel size 2·2");
    expect(() => new Fold(4, 2).call(randn([1, 8, 8]))).toThrow("fold: input [1, 8, 8] has 8 blocks, but outputSize [4, 4] with this kernel, padding, dilation and stride gives 9");
  });

  it("pixel unshuffle inverts pixel shuffle, fold(unfold(x)) counts overlaps", () => {
    const x = randn([2, 8, 3, 5]);
    const back = F.pixelUnshuffle(F.pixelShuffle(x, 2), 2);
    expect(back.equal(x)).toBe(true);
    const ones = randn([1, 1, 4, 4]).mul(0).add(1);
    const counts = F.fold(F.unfold(ones, 3, { padding: 1 }), 4, 3, { padding: 1 });
    expect(Array.from(counts.dataSync() as Float32Array)).toEqual([4, 6, 6, 4, 6, 9, 9, 6, 6, 9, 9, 6, 4, 6, 6, 4]);
  });

  it("nearest keeps integer dtypes and the same size is a copy", () => {
    const x = randn([1, 1, 2, 3]);
    const same = F.interpolate(x, { size: [2, 3] });
    expect(same.equal(x)).toBe(true);
    expect(same).not.toBe(x);
    const ints = x.mul(10).long();
    expect(F.interpolate(ints, { scaleFactor: 2 }).dtype).toBe("int64");
    expect(() => F.interpolate(ints, { scaleFactor: 2, mode: "bilinear" })).toThrow("interpolate: mode 'bilinear' needs a floating-point input, got int64");
  });

  it("gradients match finite differences", () => {
    const x = randn([1, 2, 4, 5], { dtype: "float64", requiresGrad: true });
    expect(gradcheck((a: Tensor) => F.interpolate(a, { scaleFactor: 1.6, mode: "bicubic" }), [x])).toBe(true);
    expect(gradcheck((a: Tensor) => F.interpolate(a, { size: [3, 7], mode: "bilinear", alignCorners: true }), [x])).toBe(true);
    expect(gradcheck((a: Tensor) => F.fold(F.unfold(a, 2, { padding: 1, stride: [1, 2] }), [4, 5], 2, { padding: 1, stride: [1, 2] }), [x])).toBe(true);
  });
});
