/** Pooling layers: max/avg pooling in 1-d, 2-d and 3-d, adaptive pooling. */
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
