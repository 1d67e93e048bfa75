/** Pooling: max/avg pooling in 1-d and 2-d, and adaptive pooling to a fixed output size. */
import {
  ShapeError,
  avgPool2d as avgPool2dOp,
  formatShape,
  maxPool2d as maxPool2dOp,
  pool2dParams,
  tensor,
  type Tensor,
} from "@trek/tensor";
import { pair, single, type Size2 } from "../util.js";

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

/** Adds a batch dim to an unbatched input; `finish` removes it from the results again. */
function batchedInput(op: string, x: Tensor, spatialDims: number): { input: Tensor; unbatched: boolean } {
  if (x.ndim === spatialDims + 2) return { input: x, unbatched: false };
  if (x.ndim === spatialDims + 1) return { input: x.unsqueeze(0), unbatched: true };
  const expected = spatialDims === 2 ? "[N, C, H, W] or [C, H, W]" : "[N, C, L] or [C, L]";
  throw new ShapeError(`${op}: expected input ${expected}, got ${formatShape(x.shape)}`);
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
  const { params, oh, ow } = pool2dParams(
    input,
    {
      kernelSize: pair(kernelSize, op, "kernelSize"),
      stride: options.stride == null ? null : pair(options.stride, op, "stride"),
      padding: pair(options.padding ?? 0, op, "padding"),
      ceilMode: options.ceilMode ?? false,
      countIncludePad: options.countIncludePad ?? true,
    },
    op,
  );
  const out = avgPool2dOp(input, params, oh, ow);
  if (input !== x) input.dispose();
  return unbatch(out, unbatched);
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
