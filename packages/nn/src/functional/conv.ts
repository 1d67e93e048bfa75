/**
 * Convolutions: conv1d, conv2d and conv3d on @trek/tensor's conv2d op, convTranspose1d and
 * convTranspose2d as its input gradient.
 */
import {
  ShapeError,
  conv2d as conv2dOp,
  conv2dBackwardInput,
  conv2dParams,
  formatShape,
  pad,
  type Conv2dParams,
  type PadMode,
  type Tensor,
} from "@trek/tensor";
import { pair, single, triple, type Size2, type Size3 } from "../util.js";

/** Padding of a convolution: symmetric sizes, or "same" (output size = input size, stride 1) / "valid" (none). */
export type ConvPadding = number | readonly number[] | "same" | "valid";

/** How a convolution pads its input: zeros (inside the kernel) or a mode applied beforehand. */
export type PaddingMode = "zeros" | "reflect" | "replicate" | "circular";

/** Options of `conv2d`. */
export interface Conv2dOptions {
  stride?: Size2;
  padding?: ConvPadding;
  dilation?: Size2;
  groups?: number;
  /** Non-zero padding modes pad the input explicitly first, as PyTorch does. */
  paddingMode?: PaddingMode;
}

/** Options of `conv1d`. */
export interface Conv1dOptions {
  stride?: number | readonly [number];
  padding?: number | readonly [number] | "same" | "valid";
  dilation?: number | readonly [number];
  groups?: number;
  paddingMode?: PaddingMode;
}

/** Options of `conv3d`. */
export interface Conv3dOptions {
  stride?: Size3;
  /** Symmetric zero padding per axis (D, H, W), or "same" (stride 1) / "valid" (none). */
  padding?: Size3 | "same" | "valid";
  dilation?: Size3;
  groups?: number;
  /** Non-zero padding modes pad the input explicitly first, as PyTorch does. */
  paddingMode?: PaddingMode;
}

/** Options of `convTranspose1d`. */
export interface ConvTranspose1dOptions {
  stride?: number | readonly [number];
  padding?: number | readonly [number];
  outputPadding?: number | readonly [number];
  dilation?: number | readonly [number];
  groups?: number;
}

/** Options of `convTranspose2d`. */
export interface ConvTranspose2dOptions {
  stride?: Size2;
  padding?: Size2;
  outputPadding?: Size2;
  dilation?: Size2;
  groups?: number;
}

/**
 * Resolves padding into either symmetric per-axis sizes or explicit [left, right, top, bottom]
 * pads to apply first (asymmetric "same" padding, or a non-zero padding mode).
 */
function resolvePadding(
  op: string,
  padding: ConvPadding | undefined,
  paddingMode: PaddingMode,
  kernel: readonly [number, number],
  stride: readonly [number, number],
  dilation: readonly [number, number],
): { symmetric: [number, number]; explicit: number[] | null } {
  let before: [number, number];
  let after: [number, number];
  if (padding === "same") {
    if (stride[0] !== 1 || stride[1] !== 1) throw new ShapeError(`${op}: padding "same" needs stride 1, got stride (${stride.join(", ")})`);
    const total = [dilation[0] * (kernel[0] - 1), dilation[1] * (kernel[1] - 1)] as const;
    before = [Math.floor(total[0] / 2), Math.floor(total[1] / 2)];
    after = [total[0] - before[0], total[1] - before[1]];
  } else if (padding === "valid" || padding === undefined) {
    before = [0, 0];
    after = [0, 0];
  } else {
    before = pair(padding, op, "padding");
    after = before;
  }
  if (before.some((p) => !Number.isInteger(p) || p < 0)) throw new ShapeError(`${op}: padding must be non-negative integers, got ${JSON.stringify(padding)}`);
  const symmetricOk = before[0] === after[0] && before[1] === after[1];
  if (paddingMode === "zeros" && symmetricOk) return { symmetric: before, explicit: null };
  return { symmetric: [0, 0], explicit: [before[1], after[1], before[0], after[0]] };
}

function padModeOf(mode: PaddingMode): PadMode {
  return mode === "zeros" ? "constant" : mode;
}

/** Runs conv2d on a 4-d input with resolved options (shared by conv1d and conv2d). */
function convCore(op: string, x: Tensor, weight: Tensor, bias: Tensor | null, options: Conv2dOptions): Tensor {
  const kernel: [number, number] = [weight.shape[2]!, weight.shape[3]!];
  const stride = pair(options.stride ?? 1, op, "stride");
  const dilation = pair(options.dilation ?? 1, op, "dilation");
  const paddingMode = options.paddingMode ?? "zeros";
  const { symmetric, explicit } = resolvePadding(op, options.padding, paddingMode, kernel, stride, dilation);
  const input = explicit ? pad(x, explicit, padModeOf(paddingMode)) : x;
  try {
    const params = conv2dParams(input, weight, { stride, padding: symmetric, dilation, groups: options.groups ?? 1 }, op);
    return conv2dOp(input, weight, bias, params);
  } finally {
    if (input !== x) input.dispose();
  }
}

/**
 * 2-d convolution (cross-correlation) of `x` [N, C, H, W] (or unbatched [C, H, W]) with `weight`
 * [out, C/groups, kH, kW] and an optional `bias` [out].
 */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, options: Conv2dOptions = {}): Tensor {
  if (x.ndim !== 3 && x.ndim !== 4) throw new ShapeError(`conv2d: expected input [N, C, H, W] or [C, H, W], got ${formatShape(x.shape)}`);
  if (weight.ndim !== 4) throw new ShapeError(`conv2d: expected weight [out, in/groups, kH, kW], got ${formatShape(weight.shape)}`);
  if (x.ndim === 4) return convCore("conv2d", x, weight, bias, options);
  const batched = x.unsqueeze(0);
  const out = convCore("conv2d", batched, weight, bias, options);
  const result = out.squeeze(0);
  batched.dispose();
  out.dispose();
  return result;
}

/**
 * 1-d convolution of `x` [N, C, L] (or unbatched [C, L]) with `weight` [out, C/groups, k]; runs
 * as a 2-d convolution over a height-1 view (no copies).
 */
export function conv1d(x: Tensor, weight: Tensor, bias: Tensor | null = null, options: Conv1dOptions = {}): Tensor {
  if (x.ndim !== 2 && x.ndim !== 3) throw new ShapeError(`conv1d: expected input [N, C, L] or [C, L], got ${formatShape(x.shape)}`);
  if (weight.ndim !== 3) throw new ShapeError(`conv1d: expected weight [out, in/groups, k], got ${formatShape(weight.shape)}`);
  const padding = options.padding ?? 0;
  const options2d: Conv2dOptions = {
    stride: [1, single(options.stride ?? 1, "conv1d", "stride")],
    padding: typeof padding === "string" ? padding : [0, single(padding, "conv1d", "padding")],
    dilation: [1, single(options.dilation ?? 1, "conv1d", "dilation")],
    groups: options.groups ?? 1,
    paddingMode: options.paddingMode ?? "zeros",
  };
  const batched = x.ndim === 2 ? x.unsqueeze(0) : x;
  const x4 = batched.unsqueeze(2);
  const w4 = weight.unsqueeze(2);
  const out4 = convCore("conv1d", x4, w4, bias, options2d);
  const out3 = out4.squeeze(2);
  const result = x.ndim === 2 ? out3.squeeze(0) : out3;
  for (const t of [x4, w4, out4, out3]) if (t !== result) t.dispose();
  if (batched !== x) batched.dispose();
  return result;
}

/**
 * 2-d transposed convolution ("deconvolution") of `x` [N, Cin, H, W] (or [Cin, H, W]) with
 * `weight` [Cin, Cout/groups, kH, kW]. Output size per axis:
 * (H − 1)·stride − 2·padding + dilation·(k − 1) + outputPadding + 1.
 */
export function convTranspose2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, options: ConvTranspose2dOptions = {}): Tensor {
  const op = "convTranspose2d";
  if (x.ndim !== 3 && x.ndim !== 4) throw new ShapeError(`${op}: expected input [N, C, H, W] or [C, H, W], got ${formatShape(x.shape)}`);
  if (weight.ndim !== 4) throw new ShapeError(`${op}: expected weight [in, out/groups, kH, kW], got ${formatShape(weight.shape)}`);
  const input = x.ndim === 3 ? x.unsqueeze(0) : x;
  const stride = pair(options.stride ?? 1, op, "stride");
  const padding = pair(options.padding ?? 0, op, "padding");
  const outputPadding = pair(options.outputPadding ?? 0, op, "outputPadding");
  const dilation = pair(options.dilation ?? 1, op, "dilation");
  const groups = options.groups ?? 1;
  const [n, channels, h, w] = input.shape as [number, number, number, number];
  const [inChannels, outPerGroup, kh, kw] = weight.shape as [number, number, number, number];
  if (channels !== inChannels) {
    throw new ShapeError(`${op}: input ${formatShape(x.shape)} has ${channels} channels, but weight ${formatShape(weight.shape)} expects ${inChannels}`);
  }
  if (!Number.isInteger(groups) || groups < 1 || inChannels % groups !== 0) {
    throw new ShapeError(`${op}: groups=${groups} must be a positive integer dividing the ${inChannels} input channels`);
  }
  for (const axis of [0, 1] as const) {
    if (outputPadding[axis] >= Math.max(stride[axis], dilation[axis]) || outputPadding[axis] < 0) {
      throw new ShapeError(`${op}: outputPadding (${outputPadding.join(", ")}) must be smaller than stride or dilation`);
    }
  }
  const outH = (h - 1) * stride[0] - 2 * padding[0] + dilation[0] * (kh - 1) + outputPadding[0] + 1;
  const outW = (w - 1) * stride[1] - 2 * padding[1] + dilation[1] * (kw - 1) + outputPadding[1] + 1;
  if (outH <= 0 || outW <= 0) throw new ShapeError(`${op}: output size ${outH}×${outW} for input ${formatShape(x.shape)} is not positive`);
  const outChannels = outPerGroup * groups;
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== outChannels)) {
    throw new ShapeError(`${op}: bias must have shape [${outChannels}], got ${formatShape(bias.shape)}`);
  }
  const params: Conv2dParams = { stride, padding, dilation, groups };
  // The gradient of a convolution with respect to its input; autograd differentiates it (twice too).
  let out = conv2dBackwardInput(input, weight, [n, outChannels, outH, outW], params);
  if (bias) {
    const shaped = bias.reshape(1, outChannels, 1, 1);
    const biased = out.add(shaped);
    shaped.dispose();
    out.dispose();
    out = biased;
  }
  if (input === x) return out;
  input.dispose();
  const result = out.squeeze(0);
  out.dispose();
  return result;
}

/**
 * 1-d transposed convolution of `x` [N, Cin, L] (or [Cin, L]) with `weight` [Cin, Cout/groups, k];
 * runs as a 2-d transposed convolution over a height-1 view. Output length:
 * (L − 1)·stride − 2·padding + dilation·(k − 1) + outputPadding + 1.
 */
export function convTranspose1d(x: Tensor, weight: Tensor, bias: Tensor | null = null, options: ConvTranspose1dOptions = {}): Tensor {
  const op = "convTranspose1d";
  if (x.ndim !== 2 && x.ndim !== 3) throw new ShapeError(`${op}: expected input [N, C, L] or [C, L], got ${formatShape(x.shape)}`);
  if (weight.ndim !== 3) throw new ShapeError(`${op}: expected weight [in, out/groups, k], got ${formatShape(weight.shape)}`);
  const x4 = x.unsqueeze(x.ndim - 1);
  const w4 = weight.unsqueeze(2);
  try {
    const out4 = convTranspose2d(x4, w4, bias, {
      stride: [1, single(options.stride ?? 1, op, "stride")],
      padding: [0, single(options.padding ?? 0, op, "padding")],
      outputPadding: [0, single(options.outputPadding ?? 0, op, "outputPadding")],
      dilation: [1, single(options.dilation ?? 1, op, "dilation")],
      groups: options.groups ?? 1,
    });
    const result = out4.squeeze(out4.ndim - 2);
    out4.dispose();
    return result;
  } finally {
    x4.dispose();
    w4.dispose();
  }
}

/** Padding of each of the three axes of a 3-d convolution as [before, after] pairs. */
function resolvePadding3d(
  op: string,
  padding: Size3 | "same" | "valid" | undefined,
  kernel: readonly number[],
  stride: readonly number[],
  dilation: readonly number[],
): [number, number][] {
  if (padding === "same") {
    if (stride.some((s) => s !== 1)) throw new ShapeError(`${op}: padding "same" needs stride 1, got stride (${stride.join(", ")})`);
    return kernel.map((k, i) => {
      const total = dilation[i]! * (k - 1);
      const before = Math.floor(total / 2);
      return [before, total - before] as [number, number];
    });
  }
  if (padding === "valid" || padding === undefined) return [[0, 0], [0, 0], [0, 0]];
  const sizes = triple(padding, op, "padding");
  if (sizes.some((p) => !Number.isInteger(p) || p < 0)) throw new ShapeError(`${op}: padding must be non-negative integers, got ${JSON.stringify(padding)}`);
  return sizes.map((p) => [p, p] as [number, number]);
}

/**
 * 3-d convolution (cross-correlation) of `x` [N, C, D, H, W] (or unbatched [C, D, H, W]) with
 * `weight` [out, C/groups, kD, kH, kW] and an optional `bias` [out]. Runs as kD 2-d convolutions:
 * for kernel depth i, the input depth slices i·dilation + stride·d of every output depth d are
 * folded into the batch axis and convolved with `weight[:, :, i]`; the kD results are summed.
 */
export function conv3d(x: Tensor, weight: Tensor, bias: Tensor | null = null, options: Conv3dOptions = {}): Tensor {
  const op = "conv3d";
  if (x.ndim !== 4 && x.ndim !== 5) throw new ShapeError(`${op}: expected input [N, C, D, H, W] or [C, D, H, W], got ${formatShape(x.shape)}`);
  if (weight.ndim !== 5) throw new ShapeError(`${op}: expected weight [out, in/groups, kD, kH, kW], got ${formatShape(weight.shape)}`);
  const groups = options.groups ?? 1;
  const [outChannels, inPerGroup, kd, kh, kw] = weight.shape as [number, number, number, number, number];
  const channels = x.shape[x.ndim - 4]!;
  if (!Number.isInteger(groups) || groups < 1 || outChannels % groups !== 0) {
    throw new ShapeError(`${op}: groups=${groups} must be a positive integer dividing the ${outChannels} output channels of weight ${formatShape(weight.shape)}`);
  }
  if (channels !== inPerGroup * groups) {
    throw new ShapeError(
      `${op}: input ${formatShape(x.shape)} has ${channels} channels, but weight ${formatShape(weight.shape)} with groups=${groups} expects ${inPerGroup * groups}`,
    );
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== outChannels)) {
    throw new ShapeError(`${op}: bias must have shape [${outChannels}], got ${formatShape(bias.shape)}`);
  }
  const stride = triple(options.stride ?? 1, op, "stride");
  const dilation = triple(options.dilation ?? 1, op, "dilation");
  for (const v of [...stride, ...dilation]) {
    if (!Number.isInteger(v) || v < 1) throw new ShapeError(`${op}: stride and dilation must be positive integers, got (${stride.join(", ")}) and (${dilation.join(", ")})`);
  }
  const paddingMode = options.paddingMode ?? "zeros";
  const pads = resolvePadding3d(op, options.padding, [kd, kh, kw], stride, dilation);
  const planeSymmetric = pads[1]![0] === pads[1]![1] && pads[2]![0] === pads[2]![1];
  // Zeros: pad the depth axis here and let conv2d pad the plane (unless "same" needs asymmetric
  // plane padding). Other modes pad every axis beforehand, as PyTorch does.
  const explicitPlane = paddingMode !== "zeros" || !planeSymmetric;
  const explicit = explicitPlane
    ? [pads[2]![0], pads[2]![1], pads[1]![0], pads[1]![1], pads[0]![0], pads[0]![1]]
    : [0, 0, 0, 0, pads[0]![0], pads[0]![1]];
  const planePadding: [number, number] = explicitPlane ? [0, 0] : [pads[1]![0], pads[2]![0]];
  const owned: Tensor[] = [];
  const batched = x.ndim === 4 ? x.unsqueeze(0) : x;
  if (batched !== x) owned.push(batched);
  try {
    const input = explicit.some((p) => p !== 0) ? pad(batched, explicit, padModeOf(paddingMode)) : batched;
    if (input !== batched) owned.push(input);
    const [n, c, depth, h, w] = input.shape as [number, number, number, number, number];
    const outD = Math.floor((depth - dilation[0] * (kd - 1) - 1) / stride[0]) + 1;
    if (outD <= 0) {
      throw new ShapeError(`${op}: input ${formatShape(x.shape)} is too small for kernel (${kd}, ${kh}, ${kw}) with dilation (${dilation.join(", ")}) (output depth ${outD})`);
    }
    const params2d = { stride: [stride[1], stride[2]] as [number, number], padding: planePadding, dilation: [dilation[1], dilation[2]] as [number, number], groups };
    let sum: Tensor | null = null;
    for (let i = 0; i < kd; i++) {
      const start = i * dilation[0];
      const slices = input.slice(2, start, start + stride[0] * (outD - 1) + 1, stride[0]); // [N, C, outD, H, W]
      const moved = slices.movedim(2, 1); // [N, outD, C, H, W]
      const folded = moved.reshape(n * outD, c, h, w);
      const w2 = weight.select(2, i); // [out, C/groups, kH, kW]
      const params = conv2dParams(folded, w2, params2d, op);
      const term = conv2dOp(folded, w2, i === 0 ? bias : null, params); // [N·outD, out, oh, ow]
      for (const t of [slices, moved, folded, w2]) t.dispose();
      if (sum === null) sum = term;
      else {
        const next: Tensor = sum.add(term);
        sum.dispose();
        term.dispose();
        sum = next;
      }
    }
    const [, , oh, ow] = sum!.shape as [number, number, number, number];
    const unfolded = sum!.reshape(n, outD, outChannels, oh, ow);
    sum!.dispose();
    const moved = unfolded.movedim(1, 2); // [N, out, outD, oh, ow]
    unfolded.dispose();
    const out = moved.contiguous();
    if (out !== moved) moved.dispose();
    if (batched === x) return out;
    const result = out.squeeze(0);
    out.dispose();
    return result;
  } finally {
    for (const t of owned) t.dispose();
  }
}
