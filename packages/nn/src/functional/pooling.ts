/**
 * Pooling: max/avg pooling in 1-d, 2-d and 3-d, and adaptive pooling to a fixed output size. 3-d
 * pooling pools each depth plane with the 2-d ops, then reduces sliding windows over depth.
 */
import {
  ShapeError,
  avgPool2d as avgPool2dOp,
  formatShape,
  maxPool2d as maxPool2dOp,
  pad,
  pool2dParams,
  tensor,
  type Tensor,
} from "@trek/tensor";
import { pair, single, triple, type Size2, type Size3 } from "../util.js";

/** Options of 2-d max pooling (stride defaults to the kernel size). */
export interface MaxPool2dOptions {
  stride?: Size2 | null;
  padding?: Size2;
  dilation?: Size2;
  ceilMode?: boolean;
}

/** Options of 2-d average pooling (stride defaults to the kernel size). */
export interface AvgPool2dOptions {
  stride?: Size2 | null;
  padding?: Size2;
  ceilMode?: boolean;
  /** Count the zero padding in the divisor (default true). */
  countIncludePad?: boolean;
  /** Divide every window's sum by this instead of its size. */
  divisorOverride?: number | null;
}

/** Options of 3-d max pooling (stride defaults to the kernel size). */
export interface MaxPool3dOptions {
  stride?: Size3 | null;
  padding?: Size3;
  dilation?: Size3;
  ceilMode?: boolean;
}

/** Options of 3-d average pooling (stride defaults to the kernel size). */
export interface AvgPool3dOptions {
  stride?: Size3 | null;
  padding?: Size3;
  ceilMode?: boolean;
  /** Count the zero padding in the divisor (default true). */
  countIncludePad?: boolean;
  /** Divide every window's sum by this instead of its size. */
  divisorOverride?: number | null;
}

/** Options of 1-d max pooling. */
export interface MaxPool1dOptions {
  stride?: number | null;
  padding?: number;
  dilation?: number;
  ceilMode?: boolean;
}

/** Options of 1-d average pooling. */
export interface AvgPool1dOptions {
  stride?: number | null;
  padding?: number;
  ceilMode?: boolean;
  countIncludePad?: boolean;
}

/** Output size of adaptive pooling; null keeps the input's size on that axis. */
export type AdaptiveSize2 = number | readonly [number | null, number | null];

/** Output size of 3-d adaptive pooling (D, H, W); null keeps the input's size on that axis. */
export type AdaptiveSize3 = number | readonly [number | null, number | null, number | null];

const EXPECTED_RANK: Record<number, string> = {
  1: "[N, C, L] or [C, L]",
  2: "[N, C, H, W] or [C, H, W]",
  3: "[N, C, D, H, W] or [C, D, H, W]",
};

/** Adds a batch dim to an unbatched input; `finish` removes it from the results again. */
function batchedInput(op: string, x: Tensor, spatialDims: number): { input: Tensor; unbatched: boolean } {
  if (x.ndim === spatialDims + 2) return { input: x, unbatched: false };
  if (x.ndim === spatialDims + 1) return { input: x.unsqueeze(0), unbatched: true };
  throw new ShapeError(`${op}: expected input ${EXPECTED_RANK[spatialDims]}, got ${formatShape(x.shape)}`);
}

function unbatch(t: Tensor, unbatched: boolean): Tensor {
  if (!unbatched) return t;
  const out = t.squeeze(0);
  t.dispose();
  return out;
}

/** 2-d max pooling with the flat plane index (h·W + w) of each maximum, as int64 like PyTorch. */
export function maxPool2dWithIndices(x: Tensor, kernelSize: Size2, options: MaxPool2dOptions = {}): [Tensor, Tensor] {
  const op = "maxPool2d";
  const { input, unbatched } = batchedInput(op, x, 2);
  const { params, oh, ow } = pool2dParams(
    input,
    {
      kernelSize: pair(kernelSize, op, "kernelSize"),
      stride: options.stride == null ? null : pair(options.stride, op, "stride"),
      padding: pair(options.padding ?? 0, op, "padding"),
      dilation: pair(options.dilation ?? 1, op, "dilation"),
      ceilMode: options.ceilMode ?? false,
    },
    op,
  );
  const { values, indices } = maxPool2dOp(input, params, oh, ow);
  const indices64 = indices.long();
  indices.dispose();
  if (input !== x) input.dispose();
  return [unbatch(values, unbatched), unbatch(indices64, unbatched)];
}

/** 2-d max pooling of `x` [N, C, H, W] (or [C, H, W]). */
export function maxPool2d(x: Tensor, kernelSize: Size2, options: MaxPool2dOptions = {}): Tensor {
  const op = "maxPool2d";
  const { input, unbatched } = batchedInput(op, x, 2);
  const { params, oh, ow } = pool2dParams(
    input,
    {
      kernelSize: pair(kernelSize, op, "kernelSize"),
      stride: options.stride == null ? null : pair(options.stride, op, "stride"),
      padding: pair(options.padding ?? 0, op, "padding"),
      dilation: pair(options.dilation ?? 1, op, "dilation"),
      ceilMode: options.ceilMode ?? false,
    },
    op,
  );
  // Indices only when autograd records the op (they stay alive in its graph node; this handle
  // is ours); inference skips them.
  const { values, indices } = maxPool2dOp(input, params, oh, ow, false);
  indices?.dispose();
  if (input !== x) input.dispose();
  return unbatch(values, unbatched);
}

/** 2-d average pooling of `x` [N, C, H, W] (or [C, H, W]). */
export function avgPool2d(x: Tensor, kernelSize: Size2, options: AvgPool2dOptions = {}): Tensor {
  const op = "avgPool2d";
  const { input, unbatched } = batchedInput(op, x, 2);
  const divisor = checkDivisor(op, options.divisorOverride);
  const { params, oh, ow } = pool2dParams(
    input,
    {
      kernelSize: pair(kernelSize, op, "kernelSize"),
      stride: options.stride == null ? null : pair(options.stride, op, "stride"),
      padding: pair(options.padding ?? 0, op, "padding"),
      ceilMode: options.ceilMode ?? false,
      countIncludePad: divisor === null ? (options.countIncludePad ?? true) : true,
    },
    op,
  );
  let out = avgPool2dOp(input, params, oh, ow);
  if (divisor !== null) {
    // The op divides by the padded window size; rescale its means to sums over the override.
    const [h, w] = [input.shape[2]!, input.shape[3]!];
    const rows = windowCounts(h, params.kernelSize[0], params.stride[0], params.padding[0], oh).withPad;
    const cols = windowCounts(w, params.kernelSize[1], params.stride[1], params.padding[1], ow).withPad;
    const scale = outerScale([[1], rows, cols], [[1], [1], [1]], () => divisor, out);
    const scaled = out.mul(scale);
    scale.dispose();
    out.dispose();
    out = scaled;
  }
  if (input !== x) input.dispose();
  return unbatch(out, unbatched);
}

/** Checks a divisor override: null (none) or a non-zero integer. */
function checkDivisor(op: string, divisor: number | null | undefined): number | null {
  if (divisor == null) return null;
  if (!Number.isInteger(divisor) || divisor === 0) throw new RangeError(`${op}: divisorOverride must be a non-zero integer, got ${divisor}`);
  return divisor;
}

/**
 * Window sizes along one axis of average pooling: with the padding (clipped at the end of the
 * padded input) and without it, as PyTorch counts them.
 */
function windowCounts(n: number, k: number, s: number, p: number, m: number): { withPad: number[]; withoutPad: number[] } {
  const withPad: number[] = [];
  const withoutPad: number[] = [];
  for (let o = 0; o < m; o++) {
    const start = o * s - p;
    const end = Math.min(start + k, n + p);
    withPad.push(end - start);
    withoutPad.push(Math.min(end, n) - Math.max(start, 0));
  }
  return { withPad, withoutPad };
}

/**
 * A constant [D, H, W] tensor: numerator(d, h, w) / divisor(d, h, w), where the numerator is the
 * product of per-axis factors `num` and the divisor the product of `den` (or `override()`).
 */
function outerScale(num: number[][], den: number[][], override: (() => number) | null, like: Tensor): Tensor {
  const [a, b, c] = num as [number[], number[], number[]];
  const [da, db, dc] = den as [number[], number[], number[]];
  const values = new Float64Array(a.length * b.length * c.length);
  let i = 0;
  for (let x = 0; x < a.length; x++) {
    for (let y = 0; y < b.length; y++) {
      for (let z = 0; z < c.length; z++) {
        const divisor = override ? override() : da[x]! * db[y]! * dc[z]!;
        values[i++] = (a[x]! * b[y]! * c[z]!) / divisor;
      }
    }
  }
  return tensor(values, { shape: [a.length, b.length, c.length], dtype: like.dtype, device: like.device });
}

/** Output length of pooling along one axis, as PyTorch computes it. */
function poolOutSize(size: number, k: number, s: number, p: number, dilation: number, ceilMode: boolean): number {
  const span = size + 2 * p - dilation * (k - 1) - 1;
  let out = (ceilMode ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  // The last window must start inside the input or the left padding.
  if (ceilMode && (out - 1) * s >= size + p) out--;
  return out;
}

interface Pool3dSetup {
  input: Tensor;
  unbatched: boolean;
  kernel: [number, number, number];
  stride: [number, number, number];
  padding: [number, number, number];
  dilation: [number, number, number];
  outD: number;
}

/** Normalizes 3-d pooling arguments and checks the depth axis (2-d pooling checks the plane). */
function pool3dSetup(
  op: string,
  x: Tensor,
  kernelSize: Size3,
  options: { stride?: Size3 | null; padding?: Size3; dilation?: Size3; ceilMode?: boolean },
): Pool3dSetup {
  const kernel = triple(kernelSize, op, "kernelSize");
  const stride = options.stride == null ? kernel : triple(options.stride, op, "stride");
  const padding = triple(options.padding ?? 0, op, "padding");
  const dilation = triple(options.dilation ?? 1, op, "dilation");
  for (let axis = 0; axis < 3; axis++) {
    if (!(kernel[axis]! >= 1 && stride[axis]! >= 1 && dilation[axis]! >= 1)) {
      throw new ShapeError(`${op}: kernelSize, stride and dilation must be ≥ 1, got [${kernel}], [${stride}], [${dilation}]`);
    }
    if (!(padding[axis]! >= 0 && padding[axis]! <= Math.floor(kernel[axis]! / 2))) {
      throw new ShapeError(`${op}: padding [${padding}] must be at most half the kernel size [${kernel}]`);
    }
  }
  const { input, unbatched } = batchedInput(op, x, 3);
  const depth = input.shape[2]!;
  const outD = poolOutSize(depth, kernel[0], stride[0], padding[0], dilation[0], options.ceilMode ?? false);
  if (outD <= 0) {
    if (input !== x) input.dispose();
    throw new ShapeError(`${op}: input ${formatShape(x.shape)} is too small for kernel [${kernel}] (output depth ${outD})`);
  }
  return { input, unbatched, kernel, stride, padding, dilation, outD };
}

/**
 * Windows over depth of a [N, C, D, oh, ow] tensor: pads depth by `fill` so that every output
 * window fits, and returns [N, C, outD, oh, ow, k] (the k dilated taps of each window).
 */
function depthWindows(t: Tensor, setup: Pool3dSetup, fill: number): Tensor {
  const { kernel, stride, padding, dilation, outD } = setup;
  const span = dilation[0] * (kernel[0] - 1) + 1;
  const needed = (outD - 1) * stride[0] + span;
  const right = needed - t.shape[2]! - padding[0];
  const padded = padding[0] === 0 && right === 0 ? t : pad(t, [0, 0, 0, 0, padding[0], right], "constant", fill);
  const windows = padded.unfold(2, span, stride[0]);
  if (padded !== t) padded.dispose();
  if (dilation[0] === 1) return windows;
  const taps = windows.slice(5, 0, span, dilation[0]);
  windows.dispose();
  return taps;
}

function maxPool3dImpl(x: Tensor, kernelSize: Size3, options: MaxPool3dOptions, withIndices: boolean): [Tensor, Tensor | null] {
  const op = "maxPool3d";
  const setup = pool3dSetup(op, x, kernelSize, options);
  const { input, unbatched, kernel, stride, padding, dilation, outD } = setup;
  const [n, c, d, h, w] = input.shape as [number, number, number, number, number];
  const planes = input.reshape(n, c * d, h, w);
  try {
    const { params, oh, ow } = pool2dParams(
      planes,
      {
        kernelSize: [kernel[1], kernel[2]],
        stride: [stride[1], stride[2]],
        padding: [padding[1], padding[2]],
        dilation: [dilation[1], dilation[2]],
        ceilMode: options.ceilMode ?? false,
      },
      op,
    );
    const pooled = maxPool2dOp(planes, params, oh, ow, withIndices);
    const plane = pooled.values.reshape(n, c, d, oh, ow);
    pooled.values.dispose();
    const windows = depthWindows(plane, setup, Number.NEGATIVE_INFINITY);
    plane.dispose();
    const values = windows.amax(5);
    let indices: Tensor | null = null;
    if (withIndices) {
      // Depth of each maximum, then the plane index (h·W + w) at that depth: d·H·W + h·W + w.
      const tap = windows.argmax(5);
      const starts = BigInt64Array.from({ length: outD }, (_, o) => BigInt(o * stride[0] - padding[0]));
      const base = tensor(starts, { shape: [outD, 1, 1], device: input.device });
      const scaledTap = tap.mul(dilation[0]);
      const depthOfMax = scaledTap.add(base);
      const planeIndices = pooled.indices!.long();
      const planeIndices5 = planeIndices.reshape(n, c, d, oh, ow);
      const planeOfMax = planeIndices5.gather(2, depthOfMax);
      const depthOffset = depthOfMax.mul(h * w);
      indices = depthOffset.add(planeOfMax);
      for (const t of [tap, base, scaledTap, depthOfMax, planeIndices, planeIndices5, planeOfMax, depthOffset]) t.dispose();
    }
    pooled.indices?.dispose();
    windows.dispose();
    return [unbatch(values, unbatched), indices && unbatch(indices, unbatched)];
  } finally {
    planes.dispose();
    if (input !== x) input.dispose();
  }
}

/** 3-d max pooling of `x` [N, C, D, H, W] (or [C, D, H, W]). */
export function maxPool3d(x: Tensor, kernelSize: Size3, options: MaxPool3dOptions = {}): Tensor {
  return maxPool3dImpl(x, kernelSize, options, false)[0];
}

/** 3-d max pooling with the int64 flat index (d·H·W + h·W + w) of each maximum, like PyTorch. */
export function maxPool3dWithIndices(x: Tensor, kernelSize: Size3, options: MaxPool3dOptions = {}): [Tensor, Tensor] {
  return maxPool3dImpl(x, kernelSize, options, true) as [Tensor, Tensor];
}

/**
 * 3-d average pooling of `x` [N, C, D, H, W] (or [C, D, H, W]): 2-d average pooling of each depth
 * plane, sums over depth windows, then one rescale to PyTorch's divisor (the window size with or
 * without the padding, or `divisorOverride`).
 */
export function avgPool3d(x: Tensor, kernelSize: Size3, options: AvgPool3dOptions = {}): Tensor {
  const op = "avgPool3d";
  const divisor = checkDivisor(op, options.divisorOverride);
  const setup = pool3dSetup(op, x, kernelSize, options);
  const { input, unbatched, kernel, stride, padding, outD } = setup;
  const [n, c, d, h, w] = input.shape as [number, number, number, number, number];
  const planes = input.reshape(n, c * d, h, w);
  try {
    const { params, oh, ow } = pool2dParams(
      planes,
      {
        kernelSize: [kernel[1], kernel[2]],
        stride: [stride[1], stride[2]],
        padding: [padding[1], padding[2]],
        ceilMode: options.ceilMode ?? false,
        countIncludePad: true,
      },
      op,
    );
    const means = avgPool2dOp(planes, params, oh, ow);
    const plane = means.reshape(n, c, d, oh, ow);
    means.dispose();
    const windows = depthWindows(plane, setup, 0);
    plane.dispose();
    const sums = windows.sum(5); // Σ over depth of the plane means (plane sums / padded plane size)
    windows.dispose();
    const depthCounts = windowCounts(d, kernel[0], stride[0], padding[0], outD);
    const rowCounts = windowCounts(h, kernel[1], stride[1], padding[1], oh);
    const colCounts = windowCounts(w, kernel[2], stride[2], padding[2], ow);
    const counts = options.countIncludePad ?? true ? "withPad" : "withoutPad";
    const scale = outerScale(
      [depthCounts.withPad.map(() => 1), rowCounts.withPad, colCounts.withPad],
      [depthCounts[counts], rowCounts[counts], colCounts[counts]],
      divisor === null ? null : () => divisor,
      input,
    );
    const out = sums.mul(scale);
    sums.dispose();
    scale.dispose();
    return unbatch(out, unbatched);
  } finally {
    planes.dispose();
    if (input !== x) input.dispose();
  }
}


/** Runs a 2-d pooling function over a height-1 view of a 1-d input. */
function as1d<T extends Tensor | [Tensor, Tensor]>(op: string, x: Tensor, run: (x4: Tensor) => T): T {
  const { input, unbatched } = batchedInput(op, x, 1);
  const x4 = input.unsqueeze(2);
  const result = run(x4);
  x4.dispose();
  if (input !== x) input.dispose();
  const squeeze = (t: Tensor): Tensor => {
    const three = t.squeeze(2);
    t.dispose();
    return unbatch(three, unbatched);
  };
  return (Array.isArray(result) ? result.map(squeeze) : squeeze(result as Tensor)) as T;
}

function options1dTo2d(op: string, options: MaxPool1dOptions & AvgPool1dOptions): MaxPool2dOptions & AvgPool2dOptions {
  return {
    stride: options.stride == null ? null : [1, single(options.stride, op, "stride")],
    padding: [0, single(options.padding ?? 0, op, "padding")],
    dilation: [1, single(options.dilation ?? 1, op, "dilation")],
    ceilMode: options.ceilMode ?? false,
    countIncludePad: options.countIncludePad ?? true,
  };
}

/** 1-d max pooling of `x` [N, C, L] (or [C, L]). */
export function maxPool1d(x: Tensor, kernelSize: number, options: MaxPool1dOptions = {}): Tensor {
  const k = single(kernelSize, "maxPool1d", "kernelSize");
  return as1d("maxPool1d", x, (x4) => maxPool2d(x4, [1, k], options1dTo2d("maxPool1d", options)));
}

/** 1-d max pooling with the int64 position of each maximum. */
export function maxPool1dWithIndices(x: Tensor, kernelSize: number, options: MaxPool1dOptions = {}): [Tensor, Tensor] {
  const k = single(kernelSize, "maxPool1d", "kernelSize");
  return as1d("maxPool1d", x, (x4) => maxPool2dWithIndices(x4, [1, k], options1dTo2d("maxPool1d", options)));
}

/** 1-d average pooling of `x` [N, C, L] (or [C, L]). */
export function avgPool1d(x: Tensor, kernelSize: number, options: AvgPool1dOptions = {}): Tensor {
  const k = single(kernelSize, "avgPool1d", "kernelSize");
  const { dilation: _unused, ...rest } = options1dTo2d("avgPool1d", options);
  return as1d("avgPool1d", x, (x4) => avgPool2d(x4, [1, k], rest));
}

function adaptiveTarget(op: string, size: AdaptiveSize2, h: number, w: number): [number, number] {
  const [a, b] = typeof size === "number" ? [size, size] : [size[0], size[1]];
  const out: [number, number] = [a ?? h, b ?? w];
  for (const v of out) {
    if (!Number.isInteger(v) || v <= 0) throw new ShapeError(`${op}: output size must be positive integers, got ${JSON.stringify(size)}`);
  }
  return out;
}

/** Window bounds of adaptive pooling: [floor(i·n/m), ceil((i+1)·n/m)). */
function adaptiveWindows(n: number, m: number): { start: number[]; end: number[] } {
  const start: number[] = [];
  const end: number[] = [];
  for (let i = 0; i < m; i++) {
    start.push(Math.floor((i * n) / m));
    end.push(Math.ceil(((i + 1) * n) / m));
  }
  return { start, end };
}

/** The [m, n] averaging matrix of one axis of adaptive average pooling. */
function averagingMatrix(n: number, m: number, like: Tensor): Tensor {
  const { start, end } = adaptiveWindows(n, m);
  const values = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    const weight = 1 / (end[i]! - start[i]!);
    for (let j = start[i]!; j < end[i]!; j++) values[i * n + j] = weight;
  }
  return tensor(values, { shape: [m, n], dtype: like.dtype, device: like.device });
}

/**
 * Adaptive average pooling of `x` [N, C, H, W] (or [C, H, W]) to `outputSize`. Window i covers
 * [floor(i·H/oh), ceil((i+1)·H/oh)). Divisible sizes run as ordinary average pooling; others as
 * two small matrix products (the average over a rectangle is separable).
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: AdaptiveSize2): Tensor {
  const op = "adaptiveAvgPool2d";
  const { input, unbatched } = batchedInput(op, x, 2);
  const [h, w] = [input.shape[2]!, input.shape[3]!];
  const [oh, ow] = adaptiveTarget(op, outputSize, h, w);
  let out: Tensor;
  if (h % oh === 0 && w % ow === 0) {
    out = avgPool2d(input, [h / oh, w / ow]);
  } else {
    const rows = averagingMatrix(h, oh, input); // [oh, H]
    const colsT = averagingMatrix(w, ow, input); // [ow, W]
    const cols = colsT.mT;
    const partial = input.matmul(cols); // [N, C, H, ow]
    out = rows.matmul(partial); // [N, C, oh, ow]
    for (const t of [rows, colsT, cols, partial]) t.dispose();
  }
  if (input !== x) input.dispose();
  return unbatch(out, unbatched);
}

/**
 * Adaptive max pooling with int64 flat indices (h·W + w). Divisible sizes run as ordinary max
 * pooling; others reduce columns, then rows (the maximum over a rectangle is separable; the first
 * maximum in row-major order wins, as in PyTorch).
 */
export function adaptiveMaxPool2dWithIndices(x: Tensor, outputSize: AdaptiveSize2): [Tensor, Tensor] {
  const op = "adaptiveMaxPool2d";
  const { input, unbatched } = batchedInput(op, x, 2);
  const [n, c, h, w] = input.shape as [number, number, number, number];
  const [oh, ow] = adaptiveTarget(op, outputSize, h, w);
  let values: Tensor;
  let indices: Tensor;
  if (h % oh === 0 && w % ow === 0) {
    [values, indices] = maxPool2dWithIndices(input, [h / oh, w / ow]);
  } else {
    const cols = windowIndex(w, ow, input.device); // [ow·kw]
    const rows = windowIndex(h, oh, input.device); // [oh·kh]
    const kw = cols.numel() / ow;
    const kh = rows.numel() / oh;
    // Stage 1: max over each column window → [N, C, H, ow].
    const pickedCols = input.indexSelect(3, cols).reshape(n, c, h, ow, kw);
    const stage1 = pickedCols.max(4);
    const colOfMax = cols.reshape(ow, kw).expand(n, c, h, ow, kw).gather(4, stage1.indices.unsqueeze(4)).squeeze(4); // [N, C, H, ow]
    // Stage 2: max over each row window of the stage-1 maxima → [N, C, oh, ow].
    const pickedRows = stage1.values.indexSelect(2, rows).reshape(n, c, oh, kh, ow);
    const stage2 = pickedRows.max(3);
    const rowOfMax = rows.reshape(oh, kh, 1).expand(n, c, oh, kh, ow).gather(3, stage2.indices.unsqueeze(3)).squeeze(3); // [N, C, oh, ow]
    const colAtRow = colOfMax.gather(2, rowOfMax); // [N, C, oh, ow]
    values = stage2.values;
    const rowTimesW = rowOfMax.mul(w);
    indices = rowTimesW.add(colAtRow);
    for (const t of [cols, rows, pickedCols, stage1.values, stage1.indices, colOfMax, pickedRows, stage2.indices, rowOfMax, colAtRow, rowTimesW]) {
      t.dispose();
    }
  }
  if (input !== x) input.dispose();
  return [unbatch(values, unbatched), unbatch(indices, unbatched)];
}

/** Adaptive max pooling of `x` [N, C, H, W] (or [C, H, W]) to `outputSize`. */
export function adaptiveMaxPool2d(x: Tensor, outputSize: AdaptiveSize2): Tensor {
  const [values, indices] = adaptiveMaxPool2dWithIndices(x, outputSize);
  indices.dispose();
  return values;
}

/**
 * Positions of each adaptive window along an axis, padded to the largest window by repeating the
 * window's first position (a repeat never changes a maximum): [m·k] int64.
 */
function windowIndex(n: number, m: number, device: string): Tensor {
  const { start, end } = adaptiveWindows(n, m);
  let k = 0;
  for (let i = 0; i < m; i++) k = Math.max(k, end[i]! - start[i]!);
  const values = new BigInt64Array(m * k);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < k; j++) {
      const position = start[i]! + j;
      values[i * k + j] = BigInt(position < end[i]! ? position : start[i]!);
    }
  }
  return tensor(values, { device });
}

/**
 * Adaptive average pooling of `x` [N, C, D, H, W] (or [C, D, H, W]) to `outputSize` (D, H, W):
 * 2-d adaptive pooling of each depth plane, then an averaging matrix over depth (the average
 * over a box is separable).
 */
export function adaptiveAvgPool3d(x: Tensor, outputSize: AdaptiveSize3): Tensor {
  const op = "adaptiveAvgPool3d";
  const { input, unbatched } = batchedInput(op, x, 3);
  const [n, c, d, h, w] = input.shape as [number, number, number, number, number];
  const sizes = typeof outputSize === "number" ? [outputSize, outputSize, outputSize] : outputSize;
  if (!Array.isArray(sizes) || sizes.length !== 3) {
    if (input !== x) input.dispose();
    throw new ShapeError(`${op}: output size must be a number or three sizes, got ${JSON.stringify(outputSize)}`);
  }
  const od = sizes[0] ?? d;
  if (!Number.isInteger(od) || od <= 0) {
    if (input !== x) input.dispose();
    throw new ShapeError(`${op}: output size must be positive integers, got ${JSON.stringify(outputSize)}`);
  }
  const planes = input.reshape(n, c * d, h, w);
  try {
    const pooled = adaptiveAvgPool2d(planes, [sizes[1] ?? null, sizes[2] ?? null]);
    const [oh, ow] = [pooled.shape[2]!, pooled.shape[3]!];
    const flat = pooled.reshape(n, c, d, oh * ow);
    pooled.dispose();
    let out: Tensor;
    if (od === d) {
      out = flat.reshape(n, c, od, oh, ow);
    } else {
      const depth = averagingMatrix(d, od, input); // [od, D]
      const averaged = depth.matmul(flat); // [N, C, od, oh·ow]
      out = averaged.reshape(n, c, od, oh, ow);
      depth.dispose();
      averaged.dispose();
    }
    flat.dispose();
    return unbatch(out, unbatched);
  } finally {
    planes.dispose();
    if (input !== x) input.dispose();
  }
}
