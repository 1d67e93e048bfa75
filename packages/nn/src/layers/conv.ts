/** Convolution layers: Conv1d, Conv2d, ConvTranspose2d. */
import { ShapeError, formatShape, type Tensor } from "@trek/tensor";
import { Module } from "../module.js";
import type { Parameter } from "../parameter.js";
import { conv1d, conv2d, convTranspose2d, type PaddingMode } from "../functional/conv.js";
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from "../init.js";
import { checkPositiveInt, newParameter, pair, pyTuple, single, type FactoryOptions, type Size2 } from "../util.js";

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

/**
 * 2-d convolution over [N, C, H, W] (or [C, H, W]) inputs, like `torch.nn.Conv2d`. `weight` is
 * [out, in/groups, kH, kW].
 */
export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number] | "same" | "valid";
  readonly dilation: [number, number];
  readonly groups: number;
  readonly paddingMode: PaddingMode;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inChannels: number, outChannels: number, kernelSize: Size2, options: Conv2dLayerOptions = {}) {
    super();
    const groups = options.groups ?? 1;
    checkGroups("Conv2d", inChannels, outChannels, groups);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = pair(kernelSize, "Conv2d", "kernelSize");
    this.stride = pair(options.stride ?? 1, "Conv2d", "stride");
    const padding = options.padding ?? 0;
    this.padding = typeof padding === "string" ? padding : pair(padding, "Conv2d", "padding");
    this.dilation = pair(options.dilation ?? 1, "Conv2d", "dilation");
    this.groups = groups;
    this.paddingMode = options.paddingMode ?? "zeros";
    if (this.padding === "same" && (this.stride[0] !== 1 || this.stride[1] !== 1)) {
      throw new RangeError(`Conv2d: padding "same" is not supported for strided convolutions (stride ${pyTuple(this.stride)})`);
    }
    for (const k of this.kernelSize) checkPositiveInt("Conv2d", "kernelSize", k);
    this.weight = newParameter([outChannels, inChannels / groups, ...this.kernelSize], options);
    this.bias = options.bias === false ? null : newParameter([outChannels], options);
    this.resetParameters();
  }

  resetParameters(): void {
    resetConv(this.weight, this.bias);
  }

  forward(x: Tensor): Tensor {
    const channels = x.ndim === 4 ? x.shape[1] : x.ndim === 3 ? x.shape[0] : -1;
    if (channels !== this.inChannels) {
      throw new ShapeError(
        `${this.reprTree()}: expected input [N, ${this.inChannels}, H, W] or [${this.inChannels}, H, W], got ${formatShape(x.shape)}`,
      );
    }
    return conv2d(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
      paddingMode: this.paddingMode,
    });
  }

  override extraRepr(): string {
    return (
      `${this.inChannels}, ${this.outChannels}, kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}` +
      convReprTail(this.padding, this.dilation, null, this.groups, this.bias !== null, this.paddingMode)
    );
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

  forward(x: Tensor): Tensor {
    const channels = x.ndim === 4 ? x.shape[1] : x.ndim === 3 ? x.shape[0] : -1;
    if (channels !== this.inChannels) {
      throw new ShapeError(
        `${this.reprTree()}: expected input [N, ${this.inChannels}, H, W] or [${this.inChannels}, H, W], got ${formatShape(x.shape)}`,
      );
    }
    return convTranspose2d(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      outputPadding: this.outputPadding,
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
