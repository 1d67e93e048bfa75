/** Convolution layers: Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d. */
import { ShapeError, formatShape, type Tensor } from "@trek/tensor";
import { Module } from "../module.js";
import type { Parameter } from "../parameter.js";
import { conv1d, conv2d, conv3d, convTranspose1d, convTranspose2d, type PaddingMode } from "../functional/conv.js";
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from "../init.js";
import { checkPositiveInt, newParameter, pair, pyTuple, single, triple, type FactoryOptions, type Size2, type Size3 } from "../util.js";

/** Options of Conv2d. */
export interface Conv2dLayerOptions extends FactoryOptions {
  stride?: Size2;
  /** Symmetric zero padding, or "same" (output size = input size; stride 1) / "valid" (none). */
  padding?: Size2 | "same" | "valid";
  dilation?: Size2;
  groups?: number;
  bias?: boolean;
  paddingMode?: PaddingMode;
}

/** Options of Conv1d. */
export interface Conv1dLayerOptions extends FactoryOptions {
  stride?: number;
  padding?: number | "same" | "valid";
  dilation?: number;
  groups?: number;
  bias?: boolean;
  paddingMode?: PaddingMode;
}

/** Options of Conv3d. */
export interface Conv3dLayerOptions extends FactoryOptions {
  stride?: Size3;
  /** Symmetric zero padding per axis (D, H, W), or "same" (stride 1) / "valid" (none). */
  padding?: Size3 | "same" | "valid";
  dilation?: Size3;
  groups?: number;
  bias?: boolean;
  paddingMode?: PaddingMode;
}

/** Options of ConvTranspose1d. */
export interface ConvTranspose1dLayerOptions extends FactoryOptions {
  stride?: number;
  padding?: number;
  outputPadding?: number;
  dilation?: number;
  groups?: number;
  bias?: boolean;
}

/** Options of ConvTranspose2d. */
export interface ConvTranspose2dLayerOptions extends FactoryOptions {
  stride?: Size2;
  padding?: Size2;
  outputPadding?: Size2;
  dilation?: Size2;
  groups?: number;
  bias?: boolean;
}

function checkGroups(layer: string, inChannels: number, outChannels: number, groups: number): void {
  checkPositiveInt(layer, "inChannels", inChannels);
  checkPositiveInt(layer, "outChannels", outChannels);
  checkPositiveInt(layer, "groups", groups);
  if (inChannels % groups !== 0) throw new RangeError(`${layer}: inChannels (${inChannels}) must be divisible by groups (${groups})`);
  if (outChannels % groups !== 0) throw new RangeError(`${layer}: outChannels (${outChannels}) must be divisible by groups (${groups})`);
}

/** PyTorch's default convolution init: kaiming-uniform weights (a = √5), bias U(±1/√fanIn). */
function resetConv(weight: Parameter, bias: Parameter | null): void {
  kaimingUniform_(weight, { a: Math.sqrt(5) });
  if (bias) {
    const { fanIn } = calculateFanInAndFanOut(weight);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    uniform_(bias, -bound, bound);
  }
}

/** The optional tail of PyTorch's convolution repr. */
function convReprTail(
  padding: readonly number[] | string,
  dilation: readonly number[],
  outputPadding: readonly number[] | null,
  groups: number,
  hasBias: boolean,
  paddingMode: string,
): string {
  let s = "";
  if (typeof padding === "string") s += `, padding=${padding}`;
  else if (padding.some((p) => p !== 0)) s += `, padding=${pyTuple(padding)}`;
  if (dilation.some((d) => d !== 1)) s += `, dilation=${pyTuple(dilation)}`;
  if (outputPadding && outputPadding.some((p) => p !== 0)) s += `, output_padding=${pyTuple(outputPadding)}`;
  if (groups !== 1) s += `, groups=${groups}`;
  if (!hasBias) s += ", bias=False";
  if (paddingMode !== "zeros") s += `, padding_mode=${paddingMode}`;
  return s;
}

/** The options Conv2d and Conv3d share, per spatial axis of type `S`. */
interface ConvNdOptions<S> extends FactoryOptions {
  stride?: S;
  padding?: S | "same" | "valid";
  dilation?: S;
  groups?: number;
  bias?: boolean;
  paddingMode?: PaddingMode;
}

/**
 * What Conv2d and Conv3d share: options resolved to one value per spatial axis, the parameters
 * and their initialization, the input check and the repr. Subclasses run the convolution.
 */
abstract class ConvNd<T extends number[]> extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: T;
  readonly stride: T;
  readonly padding: T | "same" | "valid";
  readonly dilation: T;
  readonly groups: number;
  readonly paddingMode: PaddingMode;
  weight: Parameter;
  bias: Parameter | null;

  protected constructor(
    layer: string,
    perAxis: (value: unknown, layer: string, what: string) => T,
    inChannels: number,
    outChannels: number,
    kernelSize: unknown,
    options: ConvNdOptions<unknown>,
  ) {
    super();
    const groups = options.groups ?? 1;
    checkGroups(layer, inChannels, outChannels, groups);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = perAxis(kernelSize, layer, "kernelSize");
    this.stride = perAxis(options.stride ?? 1, layer, "stride");
    const padding = options.padding ?? 0;
    this.padding = typeof padding === "string" ? (padding as "same" | "valid") : perAxis(padding, layer, "padding");
    this.dilation = perAxis(options.dilation ?? 1, layer, "dilation");
    this.groups = groups;
    this.paddingMode = options.paddingMode ?? "zeros";
    if (this.padding === "same" && this.stride.some((s) => s !== 1)) {
      throw new RangeError(`${layer}: padding "same" is not supported for strided convolutions (stride ${pyTuple(this.stride)})`);
    }
    for (const k of this.kernelSize) checkPositiveInt(layer, "kernelSize", k);
    for (const v of this.stride) checkPositiveInt(layer, "stride", v);
    for (const v of this.dilation) checkPositiveInt(layer, "dilation", v);
    this.weight = newParameter([outChannels, inChannels / groups, ...this.kernelSize], options);
    this.bias = options.bias === false ? null : newParameter([outChannels], options);
    this.resetParameters();
  }

  resetParameters(): void {
    resetConv(this.weight, this.bias);
  }

  /** Throws unless `x` is [N, inChannels, …axes] or unbatched [inChannels, …axes]. */
  protected checkInput(x: Tensor, axes: string): void {
    const spatial = this.kernelSize.length;
    const channels = x.ndim === spatial + 2 ? x.shape[1] : x.ndim === spatial + 1 ? x.shape[0] : -1;
    if (channels !== this.inChannels) {
      throw new ShapeError(
        `${this.reprTree()}: expected input [N, ${this.inChannels}, ${axes}] or [${this.inChannels}, ${axes}], got ${formatShape(x.shape)}`,
      );
    }
  }

  /** The options the functional convolution takes. */
  protected convOptions(): { stride: T; padding: T | "same" | "valid"; dilation: T; groups: number; paddingMode: PaddingMode } {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups, paddingMode: this.paddingMode };
  }

  override extraRepr(): string {
    return (
      `${this.inChannels}, ${this.outChannels}, kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}` +
      convReprTail(this.padding, this.dilation, null, this.groups, this.bias !== null, this.paddingMode)
    );
  }
}

/**
 * 2-d convolution over [N, C, H, W] (or [C, H, W]) inputs, like `torch.nn.Conv2d`. `weight` is
 * [out, in/groups, kH, kW].
 */
export class Conv2d extends ConvNd<[number, number]> {
  constructor(inChannels: number, outChannels: number, kernelSize: Size2, options: Conv2dLayerOptions = {}) {
    super("Conv2d", (v, layer, what) => pair(v as Size2, layer, what), inChannels, outChannels, kernelSize, options);
  }

  forward(x: Tensor): Tensor {
    this.checkInput(x, "H, W");
    return conv2d(x, this.weight, this.bias, this.convOptions());
  }
}

/** 1-d convolution over [N, C, L] (or [C, L]) inputs, like `torch.nn.Conv1d`; `weight` is [out, in/groups, k]. */
export class Conv1d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number | "same" | "valid";
  readonly dilation: number;
  readonly groups: number;
  readonly paddingMode: PaddingMode;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inChannels: number, outChannels: number, kernelSize: number, options: Conv1dLayerOptions = {}) {
    super();
    const groups = options.groups ?? 1;
    checkGroups("Conv1d", inChannels, outChannels, groups);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = single(kernelSize, "Conv1d", "kernelSize");
    checkPositiveInt("Conv1d", "kernelSize", this.kernelSize);
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 0;
    this.dilation = options.dilation ?? 1;
    this.groups = groups;
    this.paddingMode = options.paddingMode ?? "zeros";
    if (this.padding === "same" && this.stride !== 1) {
      throw new RangeError(`Conv1d: padding "same" is not supported for strided convolutions (stride ${this.stride})`);
    }
    this.weight = newParameter([outChannels, inChannels / groups, this.kernelSize], options);
    this.bias = options.bias === false ? null : newParameter([outChannels], options);
    this.resetParameters();
  }

  resetParameters(): void {
    resetConv(this.weight, this.bias);
  }

  forward(x: Tensor): Tensor {
    const channels = x.ndim === 3 ? x.shape[1] : x.ndim === 2 ? x.shape[0] : -1;
    if (channels !== this.inChannels) {
      throw new ShapeError(`${this.reprTree()}: expected input [N, ${this.inChannels}, L] or [${this.inChannels}, L], got ${formatShape(x.shape)}`);
    }
    return conv1d(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
      paddingMode: this.paddingMode,
    });
  }

  override extraRepr(): string {
    const padding = typeof this.padding === "string" ? this.padding : [this.padding];
    return (
      `${this.inChannels}, ${this.outChannels}, kernel_size=${pyTuple([this.kernelSize])}, stride=${pyTuple([this.stride])}` +
      convReprTail(padding, [this.dilation], null, this.groups, this.bias !== null, this.paddingMode)
    );
  }
}

/**
 * The output padding that makes a transposed convolution produce `outputSize` (the trailing
 * spatial sizes, optionally preceded by the batch and channel sizes), as PyTorch chooses it;
 * throws a ShapeError naming the layer when the size is out of reach.
 */
function transposedOutputPadding(
  layer: Module,
  x: Tensor,
  outputSize: readonly number[],
  stride: readonly number[],
  padding: readonly number[],
  kernelSize: readonly number[],
  dilation: readonly number[],
): number[] {
  const k = stride.length;
  const spatial = outputSize.length === k + 2 || outputSize.length === k + 1 ? outputSize.slice(outputSize.length - k) : outputSize;
  if (spatial.length !== k) {
    throw new ShapeError(`${layer.reprTree()}: outputSize must have ${k} or ${k + 2} elements (got ${outputSize.length})`);
  }
  const inSizes = x.shape.slice(x.ndim - k);
  const minSizes = inSizes.map((n, d) => (n - 1) * stride[d]! - 2 * padding[d]! + dilation[d]! * (kernelSize[d]! - 1) + 1);
  const maxSizes = minSizes.map((m, d) => m + stride[d]! - 1);
  spatial.forEach((size, d) => {
    if (!Number.isInteger(size) || size < minSizes[d]! || size > maxSizes[d]!) {
      throw new ShapeError(
        `${layer.reprTree()}: requested an output size of ${formatShape(spatial)}, but valid sizes range from ${formatShape(minSizes)} to ${formatShape(maxSizes)} (for an input of ${formatShape(inSizes)})`,
      );
    }
  });
  return spatial.map((size, d) => size - minSizes[d]!);
}

/**
 * 2-d transposed convolution, like `torch.nn.ConvTranspose2d`: maps [N, in, H, W] to
 * [N, out, H', W'] with H' = (H − 1)·stride − 2·padding + dilation·(k − 1) + outputPadding + 1.
 * `weight` is [in, out/groups, kH, kW].
 */
export class ConvTranspose2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly outputPadding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inChannels: number, outChannels: number, kernelSize: Size2, options: ConvTranspose2dLayerOptions = {}) {
    super();
    const groups = options.groups ?? 1;
    checkGroups("ConvTranspose2d", inChannels, outChannels, groups);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = pair(kernelSize, "ConvTranspose2d", "kernelSize");
    this.stride = pair(options.stride ?? 1, "ConvTranspose2d", "stride");
    this.padding = pair(options.padding ?? 0, "ConvTranspose2d", "padding");
    this.outputPadding = pair(options.outputPadding ?? 0, "ConvTranspose2d", "outputPadding");
    this.dilation = pair(options.dilation ?? 1, "ConvTranspose2d", "dilation");
    this.groups = groups;
    this.weight = newParameter([inChannels, outChannels / groups, ...this.kernelSize], options);
    this.bias = options.bias === false ? null : newParameter([outChannels], options);
    this.resetParameters();
  }

  resetParameters(): void {
    resetConv(this.weight, this.bias);
  }

  /**
   * `outputSize` ([H, W], or the full [N, C, H, W] / [C, H, W] shape) picks the output padding
   * that yields that size, like PyTorch's `output_size` argument (instead of `outputPadding`).
   */
  forward(x: Tensor, outputSize?: readonly number[]): Tensor {
    const channels = x.ndim === 4 ? x.shape[1] : x.ndim === 3 ? x.shape[0] : -1;
    if (channels !== this.inChannels) {
      throw new ShapeError(
        `${this.reprTree()}: expected input [N, ${this.inChannels}, H, W] or [${this.inChannels}, H, W], got ${formatShape(x.shape)}`,
      );
    }
    const outputPadding =
      outputSize === undefined
        ? this.outputPadding
        : (transposedOutputPadding(this, x, outputSize, this.stride, this.padding, this.kernelSize, this.dilation) as [number, number]);
    return convTranspose2d(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      outputPadding,
      dilation: this.dilation,
      groups: this.groups,
    });
  }

  override extraRepr(): string {
    return (
      `${this.inChannels}, ${this.outChannels}, kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}` +
      convReprTail(this.padding, this.dilation, this.outputPadding, this.groups, this.bias !== null, "zeros")
    );
  }
}

/**
 * 3-d convolution over [N, C, D, H, W] (or [C, D, H, W]) inputs, like `torch.nn.Conv3d`.
 * `weight` is [out, in/groups, kD, kH, kW].
 */
export class Conv3d extends ConvNd<[number, number, number]> {
  constructor(inChannels: number, outChannels: number, kernelSize: Size3, options: Conv3dLayerOptions = {}) {
    super("Conv3d", (v, layer, what) => triple(v as Size3, layer, what), inChannels, outChannels, kernelSize, options);
  }

  forward(x: Tensor): Tensor {
    this.checkInput(x, "D, H, W");
    return conv3d(x, this.weight, this.bias, this.convOptions());
  }
}

/**
 * 1-d transposed convolution, like `torch.nn.ConvTranspose1d`: maps [N, in, L] (or [in, L]) to
 * [N, out, L'] with L' = (L − 1)·stride − 2·padding + dilation·(k − 1) + outputPadding + 1.
 * `weight` is [in, out/groups, k].
 */
export class ConvTranspose1d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;
  readonly outputPadding: number;
  readonly dilation: number;
  readonly groups: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inChannels: number, outChannels: number, kernelSize: number, options: ConvTranspose1dLayerOptions = {}) {
    super();
    const groups = options.groups ?? 1;
    checkGroups("ConvTranspose1d", inChannels, outChannels, groups);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = single(kernelSize, "ConvTranspose1d", "kernelSize");
    checkPositiveInt("ConvTranspose1d", "kernelSize", this.kernelSize);
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 0;
    this.outputPadding = options.outputPadding ?? 0;
    this.dilation = options.dilation ?? 1;
    this.groups = groups;
    this.weight = newParameter([inChannels, outChannels / groups, this.kernelSize], options);
    this.bias = options.bias === false ? null : newParameter([outChannels], options);
    this.resetParameters();
  }

  resetParameters(): void {
    resetConv(this.weight, this.bias);
  }

  /** `outputSize` ([L], or the full [N, C, L] / [C, L] shape) picks the output padding, like PyTorch's `output_size`. */
  forward(x: Tensor, outputSize?: readonly number[]): Tensor {
    const channels = x.ndim === 3 ? x.shape[1] : x.ndim === 2 ? x.shape[0] : -1;
    if (channels !== this.inChannels) {
      throw new ShapeError(`${this.reprTree()}: expected input [N, ${this.inChannels}, L] or [${this.inChannels}, L], got ${formatShape(x.shape)}`);
    }
    const outputPadding =
      outputSize === undefined
        ? this.outputPadding
        : transposedOutputPadding(this, x, outputSize, [this.stride], [this.padding], [this.kernelSize], [this.dilation])[0]!;
    return convTranspose1d(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      outputPadding,
      dilation: this.dilation,
      groups: this.groups,
    });
  }

  override extraRepr(): string {
    return (
      `${this.inChannels}, ${this.outChannels}, kernel_size=${pyTuple([this.kernelSize])}, stride=${pyTuple([this.stride])}` +
      convReprTail([this.padding], [this.dilation], [this.outputPadding], this.groups, this.bias !== null, "zeros")
    );
  }
}
