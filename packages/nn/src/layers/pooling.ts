/** Pooling layers: max/avg/LP pooling in 1-d, 2-d and 3-d, adaptive pooling, max unpooling. */
import { ShapeError, formatShape, type Tensor } from "@trek/tensor";
import { Module } from "../module.js";
import {
  adaptiveAvgPool2d,
  adaptiveAvgPool3d,
  adaptiveMaxPool2d,
  adaptiveMaxPool2dWithIndices,
  avgPool1d,
  avgPool2d,
  avgPool3d,
  maxPool1d,
  maxPool1dWithIndices,
  maxPool2d,
  maxPool2dWithIndices,
  maxPool3d,
  maxPool3dWithIndices,
  type AdaptiveSize2,
  type AdaptiveSize3,
  type AvgPool1dOptions,
  type AvgPool2dOptions,
  type AvgPool3dOptions,
  type MaxPool1dOptions,
  type MaxPool2dOptions,
  type MaxPool3dOptions,
} from "../functional/pooling.js";
import {
  adaptiveMaxPool1d,
  adaptiveMaxPool1dWithIndices,
  adaptiveMaxPool3d,
  adaptiveMaxPool3dWithIndices,
  lpPool1d,
  lpPool2d,
  maxUnpool1d,
  maxUnpool2d,
  maxUnpool3d,
  type LPPoolOptions,
  type MaxUnpoolOptions,
} from "../functional/pooling-extra.js";
import { pyBool, pyTuple, type Size2, type Size3 } from "../util.js";

const EXPECTED_RANK = {
  1: "[N, C, L] or [C, L]",
  2: "[N, C, H, W] or [C, H, W]",
  3: "[N, C, D, H, W] or [C, D, H, W]",
} as const;

/** Throws a ShapeError naming the layer unless the input is batched or unbatched 1-d/2-d/3-d data. */
function checkRank(layer: Module, x: Tensor, spatialDims: 1 | 2 | 3): void {
  if (x.ndim === spatialDims + 1 || x.ndim === spatialDims + 2) return;
  throw new ShapeError(`${layer.reprTree()}: expected input ${EXPECTED_RANK[spatialDims]}, got ${formatShape(x.shape)}`);
}

function sizeRepr(v: Size2 | Size3 | number | null | undefined): string {
  if (v == null) return "None";
  return typeof v === "number" ? String(v) : pyTuple(v);
}

/**
 * 2-d max pooling, like `torch.nn.MaxPool2d` (stride defaults to the kernel size). `forward`
 * returns the values; `forwardWithIndices` also returns the int64 flat indices (PyTorch's
 * `return_indices=True`).
 */
export class MaxPool2d extends Module {
  constructor(
    readonly kernelSize: Size2,
    readonly options: MaxPool2dOptions = {},
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    checkRank(this, x, 2);
    return maxPool2d(x, this.kernelSize, this.options);
  }

  forwardWithIndices(x: Tensor): [Tensor, Tensor] {
    checkRank(this, x, 2);
    return maxPool2dWithIndices(x, this.kernelSize, this.options);
  }

  override extraRepr(): string {
    const o = this.options;
    return `kernel_size=${sizeRepr(this.kernelSize)}, stride=${sizeRepr(o.stride ?? this.kernelSize)}, padding=${sizeRepr(o.padding ?? 0)}, dilation=${sizeRepr(o.dilation ?? 1)}, ceil_mode=${pyBool(o.ceilMode ?? false)}`;
  }
}

/** 1-d max pooling, like `torch.nn.MaxPool1d`. */
export class MaxPool1d extends Module {
  constructor(
    readonly kernelSize: number,
    readonly options: MaxPool1dOptions = {},
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    checkRank(this, x, 1);
    return maxPool1d(x, this.kernelSize, this.options);
  }

  forwardWithIndices(x: Tensor): [Tensor, Tensor] {
    checkRank(this, x, 1);
    return maxPool1dWithIndices(x, this.kernelSize, this.options);
  }

  override extraRepr(): string {
    const o = this.options;
    return `kernel_size=${this.kernelSize}, stride=${o.stride ?? this.kernelSize}, padding=${o.padding ?? 0}, dilation=${o.dilation ?? 1}, ceil_mode=${pyBool(o.ceilMode ?? false)}`;
  }
}

/** 2-d average pooling, like `torch.nn.AvgPool2d`. */
export class AvgPool2d extends Module {
  constructor(
    readonly kernelSize: Size2,
    readonly options: AvgPool2dOptions = {},
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    checkRank(this, x, 2);
    return avgPool2d(x, this.kernelSize, this.options);
  }

  override extraRepr(): string {
    const o = this.options;
    return `kernel_size=${sizeRepr(this.kernelSize)}, stride=${sizeRepr(o.stride ?? this.kernelSize)}, padding=${sizeRepr(o.padding ?? 0)}`;
  }
}

/** 1-d average pooling, like `torch.nn.AvgPool1d`. */
export class AvgPool1d extends Module {
  constructor(
    readonly kernelSize: number,
    readonly options: AvgPool1dOptions = {},
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    checkRank(this, x, 1);
    return avgPool1d(x, this.kernelSize, this.options);
  }

  override extraRepr(): string {
    const o = this.options;
    return `kernel_size=${pyTuple([this.kernelSize])}, stride=${pyTuple([o.stride ?? this.kernelSize])}, padding=${pyTuple([o.padding ?? 0])}`;
  }
}

function adaptiveRepr(size: AdaptiveSize2 | AdaptiveSize3): string {
  return typeof size === "number" ? String(size) : `(${size.map((s) => (s === null ? "None" : String(s))).join(", ")})`;
}

/** Adaptive average pooling to a fixed output size, like `torch.nn.AdaptiveAvgPool2d`. */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: AdaptiveSize2) {
    super();
  }

  forward(x: Tensor): Tensor {
    checkRank(this, x, 2);
    return adaptiveAvgPool2d(x, this.outputSize);
  }

  override extraRepr(): string {
    return `output_size=${adaptiveRepr(this.outputSize)}`;
  }
}

/** Adaptive max pooling to a fixed output size, like `torch.nn.AdaptiveMaxPool2d`. */
export class AdaptiveMaxPool2d extends Module {
  constructor(readonly outputSize: AdaptiveSize2) {
    super();
  }

  forward(x: Tensor): Tensor {
    checkRank(this, x, 2);
    return adaptiveMaxPool2d(x, this.outputSize);
  }

  forwardWithIndices(x: Tensor): [Tensor, Tensor] {
    checkRank(this, x, 2);
    return adaptiveMaxPool2dWithIndices(x, this.outputSize);
  }

  override extraRepr(): string {
    return `output_size=${adaptiveRepr(this.outputSize)}`;
  }
}

/**
 * 3-d max pooling over [N, C, D, H, W] (or [C, D, H, W]) inputs, like `torch.nn.MaxPool3d`
 * (stride defaults to the kernel size). `forwardWithIndices` also returns the int64 flat indices
 * (d·H·W + h·W + w; PyTorch's `return_indices=True`).
 */
export class MaxPool3d extends Module {
  constructor(
    readonly kernelSize: Size3,
    readonly options: MaxPool3dOptions = {},
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    checkRank(this, x, 3);
    return maxPool3d(x, this.kernelSize, this.options);
  }

  forwardWithIndices(x: Tensor): [Tensor, Tensor] {
    checkRank(this, x, 3);
    return maxPool3dWithIndices(x, this.kernelSize, this.options);
  }

  override extraRepr(): string {
    const o = this.options;
    return `kernel_size=${sizeRepr(this.kernelSize)}, stride=${sizeRepr(o.stride ?? this.kernelSize)}, padding=${sizeRepr(o.padding ?? 0)}, dilation=${sizeRepr(o.dilation ?? 1)}, ceil_mode=${pyBool(o.ceilMode ?? false)}`;
  }
}

/** 3-d average pooling over [N, C, D, H, W] (or [C, D, H, W]) inputs, like `torch.nn.AvgPool3d`. */
export class AvgPool3d extends Module {
  constructor(
    readonly kernelSize: Size3,
    readonly options: AvgPool3dOptions = {},
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    checkRank(this, x, 3);
    return avgPool3d(x, this.kernelSize, this.options);
  }

  override extraRepr(): string {
    const o = this.options;
    return `kernel_size=${sizeRepr(this.kernelSize)}, stride=${sizeRepr(o.stride ?? this.kernelSize)}, padding=${sizeRepr(o.padding ?? 0)}`;
  }
}

/** Adaptive average pooling to a fixed output size (D, H, W), like `torch.nn.AdaptiveAvgPool3d`. */
export class AdaptiveAvgPool3d extends Module {
  constructor(readonly outputSize: AdaptiveSize3) {
    super();
  }

  forward(x: Tensor): Tensor {
    checkRank(this, x, 3);
    return adaptiveAvgPool3d(x, this.outputSize);
  }

  override extraRepr(): string {
    return `output_size=${adaptiveRepr(this.outputSize)}`;
  }
}

function tupleRepr(v: number | readonly number[], n: number): string {
  return pyTuple(typeof v === "number" ? Array.from({ length: n }, () => v) : v);
}

function unpoolRepr(kernelSize: number | readonly number[], options: MaxUnpoolOptions<number | readonly number[]>, n: number): string {
  return `kernel_size=${tupleRepr(kernelSize, n)}, stride=${tupleRepr(options.stride ?? kernelSize, n)}, padding=${tupleRepr(options.padding ?? 0, n)}`;
}

/** Throws a ShapeError naming the layer unless the indices have the input's shape. */
function checkIndices(layer: Module, x: Tensor, indices: Tensor): void {
  if (indices.shape.length === x.shape.length && indices.shape.every((s, i) => s === x.shape[i])) return;
  throw new ShapeError(`${layer.reprTree()}: expected indices of the input's shape ${formatShape(x.shape)}, got ${formatShape(indices.shape)}`);
}

/**
 * 1-d max unpooling, like `torch.nn.MaxUnpool1d`: `forward(x, indices)` puts every value at its
 * position from `MaxPool1d.forwardWithIndices` in a zero output (stride defaults to the kernel
 * size; `outputSize` picks among the sizes the pooling could have come from).
 */
export class MaxUnpool1d extends Module {
  constructor(
    readonly kernelSize: number | readonly [number],
    readonly options: Omit<MaxUnpoolOptions<number | readonly [number]>, "outputSize"> = {},
  ) {
    super();
  }

  forward(x: Tensor, indices: Tensor, outputSize?: readonly number[] | null): Tensor {
    checkRank(this, x, 1);
    checkIndices(this, x, indices);
    return maxUnpool1d(x, indices, this.kernelSize, { ...this.options, outputSize });
  }

  override extraRepr(): string {
    return unpoolRepr(this.kernelSize, this.options, 1);
  }
}

/** 2-d max unpooling, like `torch.nn.MaxUnpool2d`; the inverse of `MaxPool2d.forwardWithIndices`. */
export class MaxUnpool2d extends Module {
  constructor(
    readonly kernelSize: number | readonly [number, number],
    readonly options: Omit<MaxUnpoolOptions<number | readonly [number, number]>, "outputSize"> = {},
  ) {
    super();
  }

  forward(x: Tensor, indices: Tensor, outputSize?: readonly number[] | null): Tensor {
    checkRank(this, x, 2);
    checkIndices(this, x, indices);
    return maxUnpool2d(x, indices, this.kernelSize, { ...this.options, outputSize });
  }

  override extraRepr(): string {
    return unpoolRepr(this.kernelSize, this.options, 2);
  }
}

/** 3-d max unpooling, like `torch.nn.MaxUnpool3d`; the inverse of `MaxPool3d.forwardWithIndices`. */
export class MaxUnpool3d extends Module {
  constructor(
    readonly kernelSize: number | readonly [number, number, number],
    readonly options: Omit<MaxUnpoolOptions<number | readonly [number, number, number]>, "outputSize"> = {},
  ) {
    super();
  }

  forward(x: Tensor, indices: Tensor, outputSize?: readonly number[] | null): Tensor {
    checkRank(this, x, 3);
    checkIndices(this, x, indices);
    return maxUnpool3d(x, indices, this.kernelSize, { ...this.options, outputSize });
  }

  override extraRepr(): string {
    return unpoolRepr(this.kernelSize, this.options, 3);
  }
}

function lpRepr(normType: number, kernelSize: number | readonly number[], options: LPPoolOptions<number | readonly number[]>): string {
  const size = (v: number | readonly number[] | null | undefined): string => (v == null ? "None" : typeof v === "number" ? String(v) : pyTuple(v));
  return `norm_type=${normType}, kernel_size=${size(kernelSize)}, stride=${size(options.stride)}, ceil_mode=${pyBool(options.ceilMode ?? false)}`;
}

/**
 * 1-d power-average pooling, like `torch.nn.LPPool1d`: (Σ over each window of x^p)^(1/p)
 * (p = 1 is sum pooling, p = ∞ would be max pooling; stride defaults to the kernel size).
 */
export class LPPool1d extends Module {
  constructor(
    readonly normType: number,
    readonly kernelSize: number,
    readonly options: LPPoolOptions<number> = {},
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    checkRank(this, x, 1);
    return lpPool1d(x, this.normType, this.kernelSize, this.options);
  }

  override extraRepr(): string {
    return lpRepr(this.normType, this.kernelSize, this.options);
  }
}

/** 2-d power-average pooling, like `torch.nn.LPPool2d`: (Σ over each window of x^p)^(1/p). */
export class LPPool2d extends Module {
  constructor(
    readonly normType: number,
    readonly kernelSize: number | readonly [number, number],
    readonly options: LPPoolOptions<number | readonly [number, number]> = {},
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    checkRank(this, x, 2);
    return lpPool2d(x, this.normType, this.kernelSize, this.options);
  }

  override extraRepr(): string {
    return lpRepr(this.normType, this.kernelSize, this.options);
  }
}

/** Adaptive max pooling to a fixed output length, like `torch.nn.AdaptiveMaxPool1d`. */
export class AdaptiveMaxPool1d extends Module {
  constructor(readonly outputSize: number | readonly [number]) {
    super();
  }

  forward(x: Tensor): Tensor {
    checkRank(this, x, 1);
    return adaptiveMaxPool1d(x, this.outputSize);
  }

  forwardWithIndices(x: Tensor): [Tensor, Tensor] {
    checkRank(this, x, 1);
    return adaptiveMaxPool1dWithIndices(x, this.outputSize);
  }

  override extraRepr(): string {
    return `output_size=${typeof this.outputSize === "number" ? this.outputSize : pyTuple(this.outputSize)}`;
  }
}

/**
 * Adaptive max pooling to a fixed output size (D, H, W), like `torch.nn.AdaptiveMaxPool3d`;
 * `forwardWithIndices` also returns the int64 flat indices (d·H·W + h·W + w).
 */
export class AdaptiveMaxPool3d extends Module {
  constructor(readonly outputSize: AdaptiveSize3) {
    super();
  }

  forward(x: Tensor): Tensor {
    checkRank(this, x, 3);
    return adaptiveMaxPool3d(x, this.outputSize);
  }

  forwardWithIndices(x: Tensor): [Tensor, Tensor] {
    checkRank(this, x, 3);
    return adaptiveMaxPool3dWithIndices(x, this.outputSize);
  }

  override extraRepr(): string {
    return `output_size=${adaptiveRepr(this.outputSize)}`;
  }
}
