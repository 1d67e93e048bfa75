/** Resampling layers: Upsample, pixel (un)shuffle, channel shuffle, Unfold/Fold. */
import type { Tensor } from "@trek/tensor";
import { Module } from "../module.js";
import {
  channelShuffle,
  fold,
  interpolate,
  pixelShuffle,
  pixelUnshuffle,
  unfold,
  type InterpolateMode,
  type UnfoldOptions,
} from "../functional/resampling.js";
import { checkPositiveInt, pyFloat, pyTuple, type Size2 } from "../util.js";

/** Options of {@link Upsample}: exactly one of `size` and `scaleFactor`. */
export interface UpsampleOptions {
  size?: number | readonly number[] | null;
  scaleFactor?: number | readonly number[] | null;
  /** Default "nearest". */
  mode?: InterpolateMode;
  alignCorners?: boolean | null;
  recomputeScaleFactor?: boolean | null;
}

function sizeRepr(v: number | readonly number[]): string {
  return typeof v === "number" ? String(v) : pyTuple(v);
}

function factorRepr(v: number | readonly number[]): string {
  return typeof v === "number" ? pyFloat(v) : `(${v.map(pyFloat).join(", ")}${v.length === 1 ? "," : ""})`;
}

/**
 * Upsamples (or downsamples) 1-d, 2-d or 3-d data, like `torch.nn.Upsample`: a layer around
 * {@link interpolate} (see there for the modes).
 */
export class Upsample extends Module {
  readonly size: number | readonly number[] | null;
  readonly scaleFactor: number | readonly number[] | null;
  readonly mode: InterpolateMode;
  readonly alignCorners: boolean | null;
  readonly recomputeScaleFactor: boolean | null;

  constructor(options: UpsampleOptions = {}) {
    super();
    this.size = options.size ?? null;
    this.scaleFactor = options.scaleFactor ?? null;
    this.mode = options.mode ?? "nearest";
    this.alignCorners = options.alignCorners ?? null;
    this.recomputeScaleFactor = options.recomputeScaleFactor ?? null;
  }

  forward(x: Tensor): Tensor {
    try {
      return interpolate(x, {
        size: this.size,
        scaleFactor: this.scaleFactor,
        mode: this.mode,
        alignCorners: this.alignCorners,
        recomputeScaleFactor: this.recomputeScaleFactor,
      });
    } catch (e) {
      if (e instanceof Error) e.message = `${this.reprTree()}: ${e.message}`;
      throw e;
    }
  }

  override extraRepr(): string {
    const parts: string[] = [];
    if (this.scaleFactor != null) parts.push(`scale_factor=${factorRepr(this.scaleFactor)}`);
    else parts.push(`size=${this.size == null ? "None" : sizeRepr(this.size)}`);
    parts.push(`mode='${this.mode}'`);
    return parts.join(", ");
  }
}

/** 2-d nearest upsampling, like `torch.nn.UpsamplingNearest2d` (`Upsample` with mode "nearest"). */
export class UpsamplingNearest2d extends Upsample {
  constructor(options: { size?: Size2 | null; scaleFactor?: Size2 | null } = {}) {
    super({ size: options.size, scaleFactor: options.scaleFactor, mode: "nearest" });
  }
}

/**
 * 2-d bilinear upsampling with aligned corners, like `torch.nn.UpsamplingBilinear2d` (`Upsample`
 * with mode "bilinear" and `alignCorners: true`).
 */
export class UpsamplingBilinear2d extends Upsample {
  constructor(options: { size?: Size2 | null; scaleFactor?: Size2 | null } = {}) {
    super({ size: options.size, scaleFactor: options.scaleFactor, mode: "bilinear", alignCorners: true });
  }
}

/** Rearranges [*, C·r², H, W] into [*, C, H·r, W·r], like `torch.nn.PixelShuffle`. */
export class PixelShuffle extends Module {
  constructor(readonly upscaleFactor: number) {
    super();
    checkPositiveInt("PixelShuffle", "upscaleFactor", upscaleFactor);
  }

  forward(x: Tensor): Tensor {
    return pixelShuffle(x, this.upscaleFactor);
  }

  override extraRepr(): string {
    return `upscale_factor=${this.upscaleFactor}`;
  }
}

/** Rearranges [*, C, H·r, W·r] into [*, C·r², H, W], like `torch.nn.PixelUnshuffle`. */
export class PixelUnshuffle extends Module {
  constructor(readonly downscaleFactor: number) {
    super();
    checkPositiveInt("PixelUnshuffle", "downscaleFactor", downscaleFactor);
  }

  forward(x: Tensor): Tensor {
    return pixelUnshuffle(x, this.downscaleFactor);
  }

  override extraRepr(): string {
    return `downscale_factor=${this.downscaleFactor}`;
  }
}

/** Shuffles the channels of [N, C, *] in groups, like `torch.nn.ChannelShuffle`. */
export class ChannelShuffle extends Module {
  constructor(readonly groups: number) {
    super();
    checkPositiveInt("ChannelShuffle", "groups", groups);
  }

  forward(x: Tensor): Tensor {
    return channelShuffle(x, this.groups);
  }

  override extraRepr(): string {
    return `groups=${this.groups}`;
  }
}

function unfoldRepr(kernelSize: Size2, o: UnfoldOptions): string {
  const r = (v: Size2) => (typeof v === "number" ? String(v) : pyTuple(v));
  return `kernel_size=${r(kernelSize)}, dilation=${r(o.dilation ?? 1)}, padding=${r(o.padding ?? 0)}, stride=${r(o.stride ?? 1)}`;
}

/** Extracts sliding blocks (im2col), like `torch.nn.Unfold`; see {@link unfold}. */
export class Unfold extends Module {
  constructor(
    readonly kernelSize: Size2,
    readonly options: UnfoldOptions = {},
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    return unfold(x, this.kernelSize, this.options);
  }

  override extraRepr(): string {
    return unfoldRepr(this.kernelSize, this.options);
  }
}

/** Combines sliding blocks by summing (col2im), like `torch.nn.Fold`; see {@link fold}. */
export class Fold extends Module {
  constructor(
    readonly outputSize: Size2,
    readonly kernelSize: Size2,
    readonly options: UnfoldOptions = {},
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    return fold(x, this.outputSize, this.kernelSize, this.options);
  }

  override extraRepr(): string {
    const r = (v: Size2) => (typeof v === "number" ? String(v) : pyTuple(v));
    return `output_size=${r(this.outputSize)}, ${unfoldRepr(this.kernelSize, this.options)}`;
  }
}
