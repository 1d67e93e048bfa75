/**
 * Max unpooling (the partial inverse of max pooling), power-average (LP) pooling, and adaptive
 * max pooling in 1-d and 3-d, composed from the tensor ops and the pooling functions.
 */
import { ShapeError, formatShape, tensor, zeros, type Tensor } from "@trek/tensor";
import { adaptiveMaxPool2dWithIndices, avgPool1d, avgPool2d, type AdaptiveSize3 } from "./pooling.js";

/** Options of max unpooling (stride defaults to the kernel size). */
export interface MaxUnpoolOptions<S> {
  stride?: S | null;
  padding?: S;
  /**
   * Size of the output: the spatial sizes, or the full shape (N, C, …) of which the spatial sizes
   * are used. Each must lie strictly within one stride of the default size
   * (in − 1)·stride − 2·padding + kernel.
   */
  outputSize?: readonly number[] | null;
}

/** Options of LP pooling (stride defaults to the kernel size; no padding). */
export interface LPPoolOptions<S> {
  stride?: S | null;
  ceilMode?: boolean;
}

const RANK: Record<number, string> = {
  1: "[N, C, L] or [C, L]",
  2: "[N, C, H, W] or [C, H, W]",
  3: "[N, C, D, H, W] or [C, D, H, W]",
};

/** A number or a tuple of `n` positive integers as an array of `n`. */
function sizes(op: string, what: string, value: number | readonly number[], n: number, min: number): number[] {
  const out = typeof value === "number" ? Array.from({ length: n }, () => value) : [...value];
  if (out.length !== n || !out.every((v) => Number.isInteger(v) && v >= min)) {
    throw new ShapeError(`${op}: ${what} must be ${n === 1 ? "an integer" : `an integer or ${n} integers`} ≥ ${min}, got ${JSON.stringify(value)}`);
  }
  return out;
}

/** Spatial output sizes of max unpooling, checked like PyTorch. */
function unpoolOutputSize(op: string, inSizes: number[], kernel: number[], stride: number[], padding: number[], outputSize: readonly number[] | null | undefined): number[] {
  const n = kernel.length;
  const defaults = inSizes.map((s, d) => (s - 1) * stride[d]! + kernel[d]! - 2 * padding[d]!);
  if (outputSize == null) return defaults;
  const requested = outputSize.length === n + 2 ? outputSize.slice(2) : [...outputSize];
  if (requested.length !== n) {
    throw new ShapeError(`${op}: outputSize must have ${n} or ${n + 2} elements, got ${requested.length} ([${outputSize}])`);
  }
  for (let d = 0; d < n; d++) {
    const lo = defaults[d]! - stride[d]!;
    const hi = defaults[d]! + stride[d]!;
    const v = requested[d]!;
    if (!(Number.isInteger(v) && v > lo && v < hi)) {
      throw new ShapeError(`${op}: invalid outputSize [${requested}] (expected sizes between [${defaults.map((x, i) => x - stride[i]!)}] and [${defaults.map((x, i) => x + stride[i]!)}], exclusive)`);
    }
  }
  return requested;
}

function maxUnpoolNd(op: string, n: 1 | 2 | 3, x: Tensor, indices: Tensor, kernelSize: number | readonly number[], options: MaxUnpoolOptions<number | readonly number[]>): Tensor {
  if (x.ndim !== n + 1 && x.ndim !== n + 2) throw new ShapeError(`${op}: expected input ${RANK[n]}, got ${formatShape(x.shape)}`);
  if (indices.shape.length !== x.shape.length || indices.shape.some((s, i) => s !== x.shape[i])) {
    throw new ShapeError(`${op}: expected indices of the input's shape ${formatShape(x.shape)}, got ${formatShape(indices.shape)}`);
  }
  if (indices.dtype !== "int64" && indices.dtype !== "int32") throw new ShapeError(`${op}: expected integer indices, got ${indices.dtype}`);
  const kernel = sizes(op, "kernelSize", kernelSize, n, 1);
  const stride = options.stride == null ? kernel : sizes(op, "stride", options.stride, n, 1);
  const padding = sizes(op, "padding", options.padding ?? 0, n, 0);
  const unbatched = x.ndim === n + 1;
  const lead = unbatched ? [1, x.shape[0]!] : [x.shape[0]!, x.shape[1]!];
  const inSizes = x.shape.slice(x.ndim - n);
  const outSizes = unpoolOutputSize(op, inSizes, kernel, stride, padding, options.outputSize);
  const plane = outSizes.reduce((a, b) => a * b, 1);
  const flatIndices = indices.reshape(lead[0]!, lead[1]!, -1);
  const data = flatIndices.dataSync() as ArrayLike<number | bigint>;
  for (let i = 0; i < data.length; i++) {
    const v = Number(data[i]!);
    if (v < 0 || v >= plane) {
      flatIndices.dispose();
      throw new RangeError(`${op}: index ${v} out of range for output size [${outSizes}] (expected 0 ≤ index < ${plane})`);
    }
  }
  const index = indices.dtype === "int64" ? flatIndices : flatIndices.long();
  const flatValues = x.reshape(lead[0]!, lead[1]!, -1);
  const base = zeros([lead[0]!, lead[1]!, plane], { dtype: x.dtype, device: x.device });
  const scattered = base.scatter(2, index, flatValues);
  const out = scattered.reshape(...(unbatched ? [lead[1]!] : lead), ...outSizes);
  for (const t of new Set([flatIndices, index, flatValues, base, scattered])) if (t !== out) t.dispose();
  return out;
}

/**
 * 1-d max unpooling of `x` [N, C, L] (or [C, L]): every value goes to its position `indices`
 * (as returned by `maxPool1dWithIndices`) in a zero output; like `F.max_unpool1d`.
 */
export function maxUnpool1d(x: Tensor, indices: Tensor, kernelSize: number | readonly [number], options: MaxUnpoolOptions<number | readonly [number]> = {}): Tensor {
  return maxUnpoolNd("maxUnpool1d", 1, x, indices, kernelSize, options);
}

/**
 * 2-d max unpooling of `x` [N, C, H, W] (or [C, H, W]) with the flat plane indices (h·W + w) of
 * `maxPool2dWithIndices`; like `F.max_unpool2d`.
 */
export function maxUnpool2d(x: Tensor, indices: Tensor, kernelSize: number | readonly [number, number], options: MaxUnpoolOptions<number | readonly [number, number]> = {}): Tensor {
  return maxUnpoolNd("maxUnpool2d", 2, x, indices, kernelSize, options);
}

/**
 * 3-d max unpooling of `x` [N, C, D, H, W] (or [C, D, H, W]) with the flat indices
 * (d·H·W + h·W + w) of `maxPool3dWithIndices`; like `F.max_unpool3d`.
 */
export function maxUnpool3d(
  x: Tensor,
  indices: Tensor,
  kernelSize: number | readonly [number, number, number],
  options: MaxUnpoolOptions<number | readonly [number, number, number]> = {},
): Tensor {
  return maxUnpoolNd("maxUnpool3d", 3, x, indices, kernelSize, options);
}

function checkNormType(op: string, normType: number): void {
  if (!(typeof normType === "number" && Number.isFinite(normType) && normType !== 0)) {
    throw new RangeError(`${op}: normType must be a finite non-zero number, got ${normType}`);
  }
}

/** (sign(a)·relu(|a|)·scale)^(1/p), as PyTorch finishes LP pooling. */
function lpFinish(avg: Tensor, scale: number, normType: number): Tensor {
  const sign = avg.sign();
  const magnitude = avg.abs();
  const rectified = magnitude.relu();
  const signed = sign.mul(rectified);
  const sums = signed.mul(scale);
  const out = sums.pow(1 / normType);
  for (const t of [avg, sign, magnitude, rectified, signed, sums]) t.dispose();
  return out;
}

/**
 * 1-d power-average pooling of `x` [N, C, L] (or [C, L]): (Σ over each window of x^p)^(1/p),
 * computed like `F.lp_pool1d` as average pooling of x^p times the kernel size.
 */
export function lpPool1d(x: Tensor, normType: number, kernelSize: number, options: LPPoolOptions<number> = {}): Tensor {
  const op = "lpPool1d";
  checkNormType(op, normType);
  const [k] = sizes(op, "kernelSize", kernelSize, 1, 1) as [number];
  if (x.ndim !== 2 && x.ndim !== 3) throw new ShapeError(`${op}: expected input ${RANK[1]}, got ${formatShape(x.shape)}`);
  const powered = x.pow(normType);
  const avg = avgPool1d(powered, k, { stride: options.stride ?? null, padding: 0, ceilMode: options.ceilMode ?? false });
  powered.dispose();
  return lpFinish(avg, k, normType);
}

/**
 * 2-d power-average pooling of `x` [N, C, H, W] (or [C, H, W]): (Σ over each window of
 * x^p)^(1/p), computed like `F.lp_pool2d` as average pooling of x^p times the window size.
 */
export function lpPool2d(x: Tensor, normType: number, kernelSize: number | readonly [number, number], options: LPPoolOptions<number | readonly [number, number]> = {}): Tensor {
  const op = "lpPool2d";
  checkNormType(op, normType);
  const [kh, kw] = sizes(op, "kernelSize", kernelSize, 2, 1) as [number, number];
  if (x.ndim !== 3 && x.ndim !== 4) throw new ShapeError(`${op}: expected input ${RANK[2]}, got ${formatShape(x.shape)}`);
  const stride = options.stride == null ? null : (sizes(op, "stride", options.stride, 2, 1) as [number, number]);
  const powered = x.pow(normType);
  const avg = avgPool2d(powered, [kh, kw], { stride, padding: 0, ceilMode: options.ceilMode ?? false });
  powered.dispose();
  return lpFinish(avg, kh * kw, normType);
}

/** Adaptive 1-d max pooling of `x` [N, C, L] (or [C, L]) with the int64 position of each maximum. */
export function adaptiveMaxPool1dWithIndices(x: Tensor, outputSize: number | readonly [number]): [Tensor, Tensor] {
  const op = "adaptiveMaxPool1d";
  if (x.ndim !== 2 && x.ndim !== 3) throw new ShapeError(`${op}: expected input ${RANK[1]}, got ${formatShape(x.shape)}`);
  const [size] = sizes(op, "output size", outputSize, 1, 1) as [number];
  const x4 = x.unsqueeze(-2);
  const [values4, indices4] = adaptiveMaxPool2dWithIndices(x4, [1, size]);
  x4.dispose();
  const values = values4.squeeze(-2);
  const indices = indices4.squeeze(-2);
  values4.dispose();
  indices4.dispose();
  return [values, indices];
}

/** Adaptive 1-d max pooling of `x` [N, C, L] (or [C, L]) to `outputSize`, like `F.adaptive_max_pool1d`. */
export function adaptiveMaxPool1d(x: Tensor, outputSize: number | readonly [number]): Tensor {
  const [values, indices] = adaptiveMaxPool1dWithIndices(x, outputSize);
  indices.dispose();
  return values;
}

/**
 * Adaptive 3-d max pooling of `x` [N, C, D, H, W] (or [C, D, H, W]) to `outputSize` (D, H, W),
 * with the int64 flat index (d·H·W + h·W + w) of each maximum: 2-d adaptive max pooling of each
 * depth plane, then a maximum over each depth window (the maximum over a box is separable; the
 * first maximum in (d, h, w) order wins, as in PyTorch).
 */
export function adaptiveMaxPool3dWithIndices(x: Tensor, outputSize: AdaptiveSize3): [Tensor, Tensor] {
  const op = "adaptiveMaxPool3d";
  if (x.ndim !== 4 && x.ndim !== 5) throw new ShapeError(`${op}: expected input ${RANK[3]}, got ${formatShape(x.shape)}`);
  const unbatched = x.ndim === 4;
  const input = unbatched ? x.unsqueeze(0) : x;
  const [n, c, d, h, w] = input.shape as [number, number, number, number, number];
  const requested = typeof outputSize === "number" ? [outputSize, outputSize, outputSize] : outputSize;
  if (!Array.isArray(requested) || requested.length !== 3) {
    if (input !== x) input.dispose();
    throw new ShapeError(`${op}: output size must be a number or three sizes, got ${JSON.stringify(outputSize)}`);
  }
  const od = requested[0] ?? d;
  if (!Number.isInteger(od) || od <= 0) {
    if (input !== x) input.dispose();
    throw new ShapeError(`${op}: output size must be positive integers, got ${JSON.stringify(outputSize)}`);
  }
  const planes = input.reshape(n, c * d, h, w);
  try {
    const [planeValues, planeIndices] = adaptiveMaxPool2dWithIndices(planes, [requested[1] ?? null, requested[2] ?? null]);
    const [oh, ow] = [planeValues.shape[2]!, planeValues.shape[3]!];
    const values5 = planeValues.reshape(n, c, d, oh, ow);
    const indices5 = planeIndices.reshape(n, c, d, oh, ow);
    planeValues.dispose();
    planeIndices.dispose();
    // Depth windows [floor(i·D/od), ceil((i+1)·D/od)), padded to the largest by repeating the
    // window's first depth (a repeat never changes a maximum, nor which one comes first).
    let kd = 0;
    const starts: number[] = [];
    const ends: number[] = [];
    for (let i = 0; i < od; i++) {
      starts.push(Math.floor((i * d) / od));
      ends.push(Math.ceil(((i + 1) * d) / od));
      kd = Math.max(kd, ends[i]! - starts[i]!);
    }
    const taps = new BigInt64Array(od * kd);
    for (let i = 0; i < od; i++) {
      for (let j = 0; j < kd; j++) taps[i * kd + j] = BigInt(starts[i]! + j < ends[i]! ? starts[i]! + j : starts[i]!);
    }
    const depthIndex = tensor(taps, { device: input.device });
    const picked = values5.indexSelect(2, depthIndex).reshape(n, c, od, kd, oh, ow);
    const best = picked.max(3);
    const depthGrid = depthIndex.reshape(od, kd, 1, 1).expand(n, c, od, kd, oh, ow);
    const depthOfMax = depthGrid.gather(3, best.indices.unsqueeze(3)); // [N, C, od, 1, oh, ow]
    const depthOfMax5 = depthOfMax.squeeze(3);
    const planeOfMax = indices5.gather(2, depthOfMax5);
    const depthOffset = depthOfMax5.mul(h * w);
    const indices = depthOffset.add(planeOfMax);
    for (const t of [values5, indices5, depthIndex, picked, best.indices, depthGrid, depthOfMax, depthOfMax5, planeOfMax, depthOffset]) t.dispose();
    if (!unbatched) return [best.values, indices];
    const values = best.values.squeeze(0);
    const indices4 = indices.squeeze(0);
    best.values.dispose();
    indices.dispose();
    return [values, indices4];
  } finally {
    planes.dispose();
    if (input !== x) input.dispose();
  }
}

/** Adaptive 3-d max pooling of `x` [N, C, D, H, W] (or [C, D, H, W]), like `F.adaptive_max_pool3d`. */
export function adaptiveMaxPool3d(x: Tensor, outputSize: AdaptiveSize3): Tensor {
  const [values, indices] = adaptiveMaxPool3dWithIndices(x, outputSize);
  indices.dispose();
  return values;
}
