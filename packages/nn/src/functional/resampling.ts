/**
 * Resampling: `interpolate` (nearest, nearest-exact, linear, bilinear, bicubic, trilinear, area),
 * pixel (un)shuffle, channel shuffle, and `unfold`/`fold` (im2col/col2im).
 *
 * Everything is composed from ordinary tensor ops, so every backend runs it and autograd
 * differentiates it without dedicated gradient rules: linear, cubic and area resampling are
 * separable, so each spatial axis is resampled by a small [out, in] interpolation matrix (a
 * matrix product); nearest resampling is an `indexSelect` along each axis; unfold gathers the
 * padded input with one `indexSelect`, and fold scatters it back with `scatterAdd`.
 */
import { ShapeError, formatShape, pad, tensor, zeros, type Tensor } from "@trek/tensor";
import { pair, type Size2 } from "../util.js";

/** Interpolation modes of {@link interpolate}, as in PyTorch. */
export type InterpolateMode = "nearest" | "nearest-exact" | "linear" | "bilinear" | "bicubic" | "trilinear" | "area";

/** Options of {@link interpolate}: exactly one of `size` and `scaleFactor`. */
export interface InterpolateOptions {
  /** Output spatial size: one number for every spatial dim, or one per dim. */
  size?: number | readonly number[] | null;
  /** Multiplier of the spatial size: one number for every spatial dim, or one per dim. */
  scaleFactor?: number | readonly number[] | null;
  /** Default "nearest". */
  mode?: InterpolateMode;
  /**
   * Linear/bilinear/bicubic/trilinear only: align the corner pixels' centers of input and output
   * (default false: half-pixel centers).
   */
  alignCorners?: boolean | null;
  /**
   * With `scaleFactor`: compute the resampling scale from the resulting output size instead of
   * using `scaleFactor` itself (default false, as PyTorch).
   */
  recomputeScaleFactor?: boolean | null;
}

const MODES: readonly InterpolateMode[] = ["nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area"];
const MODE_DIMS: Partial<Record<InterpolateMode, number>> = { linear: 1, bilinear: 2, bicubic: 2, trilinear: 3 };
const CUBIC_A = -0.75;

function listOf(op: string, what: string, value: number | readonly number[], dims: number): number[] {
  if (typeof value === "number") return new Array<number>(dims).fill(value);
  if (Array.isArray(value) && value.length === dims && value.every((v) => typeof v === "number")) return [...value];
  throw new ShapeError(`${op}: ${what} must be a number or ${dims} numbers for a ${dims + 2}-d input, got ${JSON.stringify(value)}`);
}

/** PyTorch's `area_pixel_compute_scale`: input step per output step. */
function areaPixelScale(inSize: number, outSize: number, alignCorners: boolean, scale: number | null): number {
  if (alignCorners) return outSize > 1 ? (inSize - 1) / (outSize - 1) : 0;
  return scale != null && scale > 0 ? 1 / scale : inSize / outSize;
}

/** PyTorch's `area_pixel_compute_source_index`: the (fractional) input position of output `i`. */
function sourceIndex(scale: number, i: number, alignCorners: boolean, cubic: boolean): number {
  if (alignCorners) return scale * i;
  const src = scale * (i + 0.5) - 0.5;
  return !cubic && src < 0 ? 0 : src;
}

/** Input position of each output position of nearest (or nearest-exact) resampling along one axis. */
function nearestIndex(inSize: number, outSize: number, scale: number | null, exact: boolean, single: boolean): BigInt64Array {
  const round = single ? Math.fround : (v: number) => v;
  const step = round(scale != null && scale > 0 ? 1 / scale : inSize / outSize);
  const index = new BigInt64Array(outSize);
  for (let i = 0; i < outSize; i++) {
    const src = exact ? round(round(i + 0.5) * step) : round(i * step);
    index[i] = BigInt(Math.min(Math.floor(src), inSize - 1));
  }
  return index;
}

function cubicNear(x: number): number {
  return ((CUBIC_A + 2) * x - (CUBIC_A + 3)) * x * x + 1;
}

function cubicFar(x: number): number {
  return ((CUBIC_A * x - 5 * CUBIC_A) * x + 8 * CUBIC_A) * x - 4 * CUBIC_A;
}

/** The [out, in] matrix of linear, cubic (clamped borders) or area resampling along one axis. */
function resampleMatrix(kind: "linear" | "cubic" | "area", inSize: number, outSize: number, alignCorners: boolean, scale: number | null): Float64Array {
  const m = new Float64Array(outSize * inSize);
  if (kind === "area") {
    // Adaptive average pooling: output i averages [floor(i·in/out), ceil((i+1)·in/out)).
    for (let i = 0; i < outSize; i++) {
      const start = Math.floor((i * inSize) / outSize);
      const end = Math.ceil(((i + 1) * inSize) / outSize);
      for (let j = start; j < end; j++) m[i * inSize + j] = 1 / (end - start);
    }
    return m;
  }
  const step = areaPixelScale(inSize, outSize, alignCorners, scale);
  for (let i = 0; i < outSize; i++) {
    const src = sourceIndex(step, i, alignCorners, kind === "cubic");
    if (kind === "linear") {
      const i0 = Math.min(Math.floor(src), inSize - 1);
      const lambda = Math.min(Math.max(src - i0, 0), 1);
      const i1 = i0 < inSize - 1 ? i0 + 1 : i0;
      m[i * inSize + i0] += 1 - lambda;
      m[i * inSize + i1] += lambda;
    } else {
      const i0 = Math.floor(src);
      const t = src - i0;
      const weights = [cubicFar(t + 1), cubicNear(t), cubicNear(1 - t), cubicFar(2 - t)];
      for (let k = 0; k < 4; k++) {
        const j = Math.max(Math.min(i0 - 1 + k, inSize - 1), 0);
        m[i * inSize + j] += weights[k]!;
      }
    }
  }
  return m;
}

/** Resamples axis `axis` of `x` with the [out, in] matrix `values` (x·Mᵀ along that axis). */
function applyMatrix(x: Tensor, axis: number, values: Float64Array, outSize: number): Tensor {
  const inSize = x.shape[axis]!;
  const matrix = tensor(values, { shape: [outSize, inSize], dtype: x.dtype, device: x.device });
  const matrixT = matrix.mT;
  const last = axis === x.ndim - 1;
  const moved = last ? x : x.movedim(axis, -1);
  const product = moved.matmul(matrixT);
  const out = last ? product : product.movedim(-1, axis);
  if (!last) {
    moved.dispose();
    product.dispose();
  }
  matrix.dispose();
  matrixT.dispose();
  return out;
}

/**
 * Resizes `x` [N, C, L], [N, C, H, W] or [N, C, D, H, W] to `size`, or by `scaleFactor`, like
 * `torch.nn.functional.interpolate`. Modes: "nearest" (PyTorch's legacy nearest: input index
 * floor(i·scale)), "nearest-exact" (floor((i + ½)·scale)), "linear" (3-d input), "bilinear" and
 * "bicubic" (4-d; cubic convolution with A = −0.75 and clamped borders), "trilinear" (5-d) and
 * "area" (adaptive average pooling). Source positions follow PyTorch exactly: half-pixel centers
 * unless `alignCorners`, and the scale is 1/`scaleFactor` when a scale factor is given (unless
 * `recomputeScaleFactor`), else in/out. The output size from a scale factor is floor(in·scale).
 */
export function interpolate(x: Tensor, options: InterpolateOptions): Tensor {
  const op = "interpolate";
  const mode = options.mode ?? "nearest";
  if (!MODES.includes(mode)) throw new TypeError(`${op}: unknown mode '${String(mode)}' (expected one of ${MODES.join(", ")})`);
  if (x.ndim < 3 || x.ndim > 5) {
    throw new ShapeError(`${op}: expected input [N, C, L], [N, C, H, W] or [N, C, D, H, W], got ${formatShape(x.shape)}`);
  }
  const dims = x.ndim - 2;
  const needed = MODE_DIMS[mode];
  if (needed !== undefined && needed !== dims) {
    throw new ShapeError(`${op}: mode '${mode}' needs a ${needed + 2}-d input, got ${formatShape(x.shape)}`);
  }
  const interpolating = needed !== undefined;
  if (options.alignCorners != null && !interpolating) {
    throw new TypeError(`${op}: alignCorners can only be set with the interpolating modes linear, bilinear, bicubic and trilinear (mode '${mode}')`);
  }
  const alignCorners = options.alignCorners ?? false;
  const hasSize = options.size != null;
  const hasScale = options.scaleFactor != null;
  if (hasSize === hasScale) throw new TypeError(`${op}: give exactly one of size and scaleFactor`);
  const inSizes = x.shape.slice(2);
  let outSizes: number[];
  let scales: (number | null)[];
  if (hasSize) {
    outSizes = listOf(op, "size", options.size!, dims);
    for (const s of outSizes) {
      if (!Number.isInteger(s) || s <= 0) throw new ShapeError(`${op}: size must be positive integers, got ${JSON.stringify(options.size)}`);
    }
    scales = new Array<null>(dims).fill(null);
  } else {
    const factors = listOf(op, "scaleFactor", options.scaleFactor!, dims);
    for (const f of factors) {
      if (!(f > 0) || !Number.isFinite(f)) throw new RangeError(`${op}: scaleFactor must be positive, got ${JSON.stringify(options.scaleFactor)}`);
    }
    outSizes = inSizes.map((n, i) => Math.floor(n * factors[i]!));
    outSizes.forEach((s, i) => {
      if (s <= 0) {
        throw new ShapeError(`${op}: scaleFactor ${factors[i]} gives an empty output for input ${formatShape(x.shape)}`);
      }
    });
    scales = options.recomputeScaleFactor ? new Array<null>(dims).fill(null) : factors;
  }
  if (!x.isFloatingPoint() && mode !== "nearest" && mode !== "nearest-exact") {
    throw new TypeError(`${op}: mode '${mode}' needs a floating-point input, got ${x.dtype}`);
  }
  let current = x;
  for (let d = 0; d < dims; d++) {
    const axis = d + 2;
    const [inSize, outSize, scale] = [inSizes[d]!, outSizes[d]!, scales[d]!];
    if (inSize === 0) throw new ShapeError(`${op}: input ${formatShape(x.shape)} has an empty spatial dim`);
    let next: Tensor;
    if (mode === "nearest" || mode === "nearest-exact") {
      if (inSize === outSize && (scale == null || scale === 1)) continue;
      const single = x.dtype !== "float64";
      const index = tensor(nearestIndex(inSize, outSize, scale, mode === "nearest-exact", single), { device: x.device });
      next = current.indexSelect(axis, index);
      index.dispose();
    } else {
      const kind = mode === "area" ? "area" : mode === "bicubic" ? "cubic" : "linear";
      next = applyMatrix(current, axis, resampleMatrix(kind, inSize, outSize, alignCorners, scale), outSize);
    }
    if (current !== x) current.dispose();
    current = next;
  }
  return current === x ? x.clone() : current;
}

function checkFactor(op: string, what: string, r: number): void {
  if (!Number.isInteger(r) || r <= 0) throw new RangeError(`${op}: ${what} must be a positive integer, got ${r}`);
}

/**
 * Rearranges [*, C·r², H, W] into [*, C, H·r, W·r], like `torch.nn.functional.pixel_shuffle`:
 * out[c, h·r + i, w·r + j] = x[c·r² + i·r + j, h, w].
 */
export function pixelShuffle(x: Tensor, upscaleFactor: number): Tensor {
  const op = "pixelShuffle";
  const r = upscaleFactor;
  checkFactor(op, "upscaleFactor", r);
  if (x.ndim < 3) throw new ShapeError(`${op}: expected input [*, C, H, W] with at least 3 dims, got ${formatShape(x.shape)}`);
  const lead = x.shape.slice(0, -3);
  const [c, h, w] = x.shape.slice(-3) as [number, number, number];
  if (c % (r * r) !== 0) {
    throw new ShapeError(`${op}: channels ${c} of input ${formatShape(x.shape)} are not divisible by upscaleFactor² = ${r * r}`);
  }
  const k = lead.length;
  const split = x.reshape(...lead, c / (r * r), r, r, h, w);
  const perm = [...lead.keys(), k, k + 3, k + 1, k + 4, k + 2];
  const moved = split.permute(perm);
  const out = moved.reshape(...lead, c / (r * r), h * r, w * r);
  split.dispose();
  moved.dispose();
  return out;
}

/** The inverse of {@link pixelShuffle}: [*, C, H·r, W·r] → [*, C·r², H, W], like `F.pixel_unshuffle`. */
export function pixelUnshuffle(x: Tensor, downscaleFactor: number): Tensor {
  const op = "pixelUnshuffle";
  const r = downscaleFactor;
  checkFactor(op, "downscaleFactor", r);
  if (x.ndim < 3) throw new ShapeError(`${op}: expected input [*, C, H, W] with at least 3 dims, got ${formatShape(x.shape)}`);
  const lead = x.shape.slice(0, -3);
  const [c, h, w] = x.shape.slice(-3) as [number, number, number];
  if (h % r !== 0 || w % r !== 0) {
    throw new ShapeError(`${op}: height and width of input ${formatShape(x.shape)} are not divisible by downscaleFactor ${r}`);
  }
  const k = lead.length;
  const split = x.reshape(...lead, c, h / r, r, w / r, r);
  const perm = [...lead.keys(), k, k + 2, k + 4, k + 1, k + 3];
  const moved = split.permute(perm);
  const out = moved.reshape(...lead, c * r * r, h / r, w / r);
  split.dispose();
  moved.dispose();
  return out;
}

/**
 * Shuffles the channels of [N, C, *] in `groups` groups, like `torch.nn.functional.channel_shuffle`:
 * [N, g, C/g, *] → [N, C/g, g, *].
 */
export function channelShuffle(x: Tensor, groups: number): Tensor {
  const op = "channelShuffle";
  checkFactor(op, "groups", groups);
  if (x.ndim < 3) throw new ShapeError(`${op}: expected input [N, C, *] with at least 3 dims, got ${formatShape(x.shape)}`);
  const [n, c] = [x.shape[0]!, x.shape[1]!];
  if (c % groups !== 0) throw new ShapeError(`${op}: channels ${c} of input ${formatShape(x.shape)} are not divisible by groups ${groups}`);
  const rest = x.shape.slice(2);
  const split = x.reshape(n, groups, c / groups, ...rest);
  const swapped = split.transpose(1, 2);
  const out = swapped.reshape(x.shape);
  split.dispose();
  swapped.dispose();
  return out;
}

/** Options of {@link unfold} and {@link fold}. */
export interface UnfoldOptions {
  /** Default 1. */
  dilation?: Size2;
  /** Zero padding on both sides of each spatial dim (default 0). */
  padding?: Size2;
  /** Default 1. */
  stride?: Size2;
}

interface Im2col {
  kh: number;
  kw: number;
  ph: number;
  pw: number;
  hp: number;
  wp: number;
  blocks: number;
  /** [kh·kw·L] positions in the flattened padded plane, kernel offset major. */
  index: Tensor;
}

function im2colIndex(op: string, h: number, w: number, kernelSize: Size2, options: UnfoldOptions, device: string): Im2col {
  const [kh, kw] = pair(kernelSize, op, "kernelSize");
  const [dh, dw] = pair(options.dilation ?? 1, op, "dilation");
  const [ph, pw] = pair(options.padding ?? 0, op, "padding");
  const [sh, sw] = pair(options.stride ?? 1, op, "stride");
  for (const [what, v] of [["kernelSize", [kh, kw]], ["dilation", [dh, dw]], ["stride", [sh, sw]]] as const) {
    if (!v.every((n) => Number.isInteger(n) && n > 0)) throw new RangeError(`${op}: ${what} must be positive integers, got ${JSON.stringify(v)}`);
  }
  if (![ph, pw].every((n) => Number.isInteger(n) && n >= 0)) throw new RangeError(`${op}: padding must be non-negative integers, got ${JSON.stringify([ph, pw])}`);
  const [hp, wp] = [h + 2 * ph, w + 2 * pw];
  const oh = Math.floor((hp - dh * (kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((wp - dw * (kw - 1) - 1) / sw) + 1;
  if (oh <= 0 || ow <= 0) {
    throw new ShapeError(
      `${op}: spatial size [${h}, ${w}] with padding [${ph}, ${pw}] is too small for kernel [${kh}, ${kw}] with dilation [${dh}, ${dw}] (blocks ${oh}×${ow})`,
    );
  }
  const blocks = oh * ow;
  const values = new BigInt64Array(kh * kw * blocks);
  let p = 0;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      for (let y = 0; y < oh; y++) {
        for (let xo = 0; xo < ow; xo++) values[p++] = BigInt((i * dh + y * sh) * wp + j * dw + xo * sw);
      }
    }
  }
  return { kh, kw, ph, pw, hp, wp, blocks, index: tensor(values, { device }) };
}

/**
 * Extracts sliding blocks (im2col), like `torch.nn.functional.unfold`: [N, C, H, W] (or
 * [C, H, W]) → [N, C·kh·kw, L] (or [C·kh·kw, L]), row c·kh·kw + i·kw + j holding kernel offset
 * (i, j) of channel c for each of the L blocks in row-major order.
 */
export function unfold(x: Tensor, kernelSize: Size2, options: UnfoldOptions = {}): Tensor {
  const op = "unfold";
  if (x.ndim !== 3 && x.ndim !== 4) throw new ShapeError(`${op}: expected input [N, C, H, W] or [C, H, W], got ${formatShape(x.shape)}`);
  const unbatched = x.ndim === 3;
  const input = unbatched ? x.unsqueeze(0) : x;
  const [n, c, h, w] = input.shape as [number, number, number, number];
  const { kh, kw, ph, pw, hp, wp, blocks, index } = im2colIndex(op, h, w, kernelSize, options, x.device);
  const padded = ph || pw ? pad(input, [pw, pw, ph, ph]) : input;
  const flat = padded.reshape(n, c, hp * wp);
  const picked = flat.indexSelect(2, index); // [N, C, kh·kw·L]
  const out = picked.reshape(unbatched ? [c * kh * kw, blocks] : [n, c * kh * kw, blocks]);
  for (const t of [index, flat, picked]) t.dispose();
  if (padded !== input) padded.dispose();
  if (input !== x) input.dispose();
  return out;
}

/**
 * Combines sliding blocks into a tensor (col2im), like `torch.nn.functional.fold`: [N, C·kh·kw, L]
 * (or [C·kh·kw, L]) → [N, C, outputSize] (or [C, outputSize]), summing overlapping values; the
 * adjoint of {@link unfold}.
 */
export function fold(x: Tensor, outputSize: Size2, kernelSize: Size2, options: UnfoldOptions = {}): Tensor {
  const op = "fold";
  if (x.ndim !== 2 && x.ndim !== 3) throw new ShapeError(`${op}: expected input [N, C·kh·kw, L] or [C·kh·kw, L], got ${formatShape(x.shape)}`);
  const unbatched = x.ndim === 2;
  const input = unbatched ? x.unsqueeze(0) : x;
  const [h, w] = pair(outputSize, op, "outputSize");
  if (![h, w].every((v) => Number.isInteger(v) && v > 0)) throw new RangeError(`${op}: outputSize must be positive integers, got ${JSON.stringify(outputSize)}`);
  const { kh, kw, ph, pw, hp, wp, blocks, index } = im2colIndex(op, h, w, kernelSize, options, x.device);
  const [n, rows, l] = input.shape as [number, number, number];
  if (rows % (kh * kw) !== 0) {
    index.dispose();
    if (input !== x) input.dispose();
    throw new ShapeError(`${op}: size ${rows} of dim ${unbatched ? 0 : 1} of input ${formatShape(x.shape)} is not divisible by the kernel size ${kh}·${kw}`);
  }
  if (l !== blocks) {
    index.dispose();
    if (input !== x) input.dispose();
    throw new ShapeError(`${op}: input ${formatShape(x.shape)} has ${l} blocks, but outputSize [${h}, ${w}] with this kernel, padding, dilation and stride gives ${blocks}`);
  }
  const c = rows / (kh * kw);
  const src = input.reshape(n, c, kh * kw * l);
  const wide = index.expand(n, c, kh * kw * l);
  const positions = wide.contiguous();
  const base = zeros([n, c, hp * wp], { dtype: x.dtype, device: x.device });
  const summed = base.scatterAdd(2, positions, src);
  const plane = summed.reshape(n, c, hp, wp);
  // Negative pads crop the padding off again.
  const out = ph || pw ? pad(plane, [-pw, -pw, -ph, -ph]) : plane;
  for (const t of [index, src, wide, positions, base, summed]) t.dispose();
  if (out !== plane) plane.dispose();
  if (input !== x) input.dispose();
  if (unbatched) {
    const squeezed = out.squeeze(0);
    out.dispose();
    return squeezed;
  }
  return out;
}
