/**
 * Spatial transformer building blocks: `affineGrid` (sampling grids from affine matrices) and
 * `gridSample` (sampling an input at the grid's normalized positions).
 *
 * Both are composed from ordinary tensor ops, so every backend runs them and autograd
 * differentiates them without dedicated gradient rules: `affineGrid` is one batched matrix
 * product with a constant base grid; `gridSample` computes corner indices with `floor` (or
 * `round`), gathers the corner values from the flattened input planes, and sums weight·value, so
 * the gradient with respect to the grid flows through the interpolation weights.
 */
import { ShapeError, formatShape, scope, tensor, where, zeros, type Tensor } from "@trek/tensor";

/** Options of {@link affineGrid}. */
export interface AffineGridOptions {
  /**
   * Whether −1 and 1 are the centers of the corner pixels (true) or their outer edges (default
   * false, half-pixel centers).
   */
  alignCorners?: boolean;
}

/** Interpolation of {@link gridSample}, as in PyTorch. */
export type GridSampleMode = "bilinear" | "nearest" | "bicubic";

/** How {@link gridSample} treats positions outside the input, as in PyTorch. */
export type GridSamplePaddingMode = "zeros" | "border" | "reflection";

/** Options of {@link gridSample}. */
export interface GridSampleOptions {
  /** Default "bilinear". */
  mode?: GridSampleMode;
  /** Default "zeros". */
  paddingMode?: GridSamplePaddingMode;
  /**
   * Whether −1 and 1 are the centers of the corner pixels (true) or their outer edges (default
   * false, half-pixel centers).
   */
  alignCorners?: boolean;
}

const MODES: readonly GridSampleMode[] = ["bilinear", "nearest", "bicubic"];
const PADDING_MODES: readonly GridSamplePaddingMode[] = ["zeros", "border", "reflection"];
const CUBIC_A = -0.75;

/** PyTorch's `linspace_from_neg_one`: n normalized positions along one axis. */
function baseAxis(n: number, alignCorners: boolean): Float64Array {
  const out = new Float64Array(n);
  if (n <= 1) return out;
  for (let i = 0; i < n; i++) {
    const v = -1 + (2 * i) / (n - 1);
    out[i] = alignCorners ? v : (v * (n - 1)) / n;
  }
  return out;
}

/**
 * Generates the sampling grid of a batch of affine matrices, like
 * `torch.nn.functional.affine_grid`: `theta` [N, 2, 3] with `size` [N, C, H, W] gives
 * [N, H, W, 2] (x, y), and `theta` [N, 3, 4] with `size` [N, C, D, H, W] gives [N, D, H, W, 3]
 * (x, y, z). Each output position is theta · (x, y[, z], 1) for the normalized coordinates of the
 * output pixel: −1 … 1 across the image, at the corner pixels' centers with `alignCorners`, else
 * at their outer edges (half-pixel centers). Differentiable with respect to `theta`.
 */
export function affineGrid(theta: Tensor, size: readonly number[], options: AffineGridOptions = {}): Tensor {
  const op = "affineGrid";
  const alignCorners = options.alignCorners ?? false;
  if (!Array.isArray(size) || (size.length !== 4 && size.length !== 5) || !size.every((s) => Number.isInteger(s) && s > 0)) {
    throw new ShapeError(`${op}: size must be 4 ([N, C, H, W]) or 5 ([N, C, D, H, W]) positive integers, got ${JSON.stringify(size)}`);
  }
  const spatial = size.length - 2;
  const rows = spatial;
  const cols = spatial + 1;
  if (theta.ndim !== 3 || theta.shape[1] !== rows || theta.shape[2] !== cols) {
    throw new ShapeError(`${op}: a ${size.length}-d size needs theta [N, ${rows}, ${cols}], got ${formatShape(theta.shape)}`);
  }
  if (theta.shape[0] !== size[0]) {
    throw new ShapeError(`${op}: theta ${formatShape(theta.shape)} has batch size ${theta.shape[0]}, but size ${JSON.stringify(size)} has ${size[0]}`);
  }
  if (!theta.isFloatingPoint()) throw new TypeError(`${op}: theta must be floating point, got ${theta.dtype}`);
  const n = size[0]!;
  // Spatial sizes in (x, y[, z]) order: W, H[, D].
  const dims = size.slice(2).reverse();
  const axes = dims.map((d) => baseAxis(d, alignCorners));
  const points = dims.reduce((a, b) => a * b, 1);
  const base = new Float64Array(points * cols);
  // Row-major over [D,] H, W: x varies fastest.
  for (let p = 0; p < points; p++) {
    let rest = p;
    for (let k = 0; k < spatial; k++) {
      const d = dims[k]!;
      base[p * cols + k] = axes[k]![rest % d]!;
      rest = Math.floor(rest / d);
    }
    base[p * cols + spatial] = 1;
  }
  return scope(() => {
    const grid = tensor(base, { shape: [1, points, cols], dtype: theta.dtype, device: theta.device });
    const out = grid.expand(n, points, cols).matmul(theta.transpose(1, 2)); // [N, points, spatial]
    return out.reshape([n, ...size.slice(2), spatial]);
  });
}

/** PyTorch's `grid_sampler_unnormalize`: normalized coordinate → pixel coordinate. */
function unnormalize(coord: Tensor, size: number, alignCorners: boolean): Tensor {
  return alignCorners ? coord.add(1).mul((size - 1) / 2) : coord.add(1).mul(size).sub(1).div(2);
}

/**
 * PyTorch's `reflect_coordinates`: reflects `x` into [twiceLow/2, twiceHigh/2] by folding at the
 * bounds (the gradient flips sign on every fold).
 */
function reflect(x: Tensor, twiceLow: number, twiceHigh: number): Tensor {
  if (twiceLow === twiceHigh) return x.mul(0);
  const min = twiceLow / 2;
  const span = (twiceHigh - twiceLow) / 2;
  const shifted = x.sub(min);
  const distance = where(shifted.lt(0), shifted.neg(), shifted);
  const flips = distance.div(span).floor();
  const extra = distance.sub(flips.mul(span));
  const odd = flips.remainder(2).eq(1);
  return where(odd, extra.neg().add(span + min), extra.add(min));
}

/** PyTorch's `compute_coordinates`: applies the padding mode to pixel coordinates. */
function applyPadding(coord: Tensor, size: number, padding: GridSamplePaddingMode, alignCorners: boolean): Tensor {
  if (padding === "zeros") return coord;
  let c = coord;
  if (padding === "reflection") c = alignCorners ? reflect(c, 0, 2 * (size - 1)) : reflect(c, -1, 2 * size - 1);
  return c.clamp(0, size - 1);
}

function cubicNear(t: Tensor): Tensor {
  // ((A + 2)·t − (A + 3))·t·t + 1
  return t.mul(CUBIC_A + 2).sub(CUBIC_A + 3).mul(t).mul(t).add(1);
}

function cubicFar(t: Tensor): Tensor {
  // ((A·t − 5A)·t + 8A)·t − 4A
  return t.mul(CUBIC_A).sub(5 * CUBIC_A).mul(t).add(8 * CUBIC_A).mul(t).sub(4 * CUBIC_A);
}

/** The four cubic convolution weights of fractional offset `t` (A = −0.75), as in PyTorch. */
function cubicWeights(t: Tensor): Tensor[] {
  return [cubicFar(t.add(1)), cubicNear(t), cubicNear(t.neg().add(1)), cubicFar(t.neg().add(2))];
}

/**
 * Samples `input` [N, C, H, W] at the normalized positions of `grid` [N, Ho, Wo, 2] (x, y in
 * −1 … 1), like `torch.nn.functional.grid_sample`, giving [N, C, Ho, Wo]. Positions are
 * unnormalized as PyTorch does (−1 and 1 are the corner pixels' centers with `alignCorners`,
 * else their outer edges); `paddingMode` "zeros" reads zeros outside the input, "border" clamps
 * positions to the edge pixels, "reflection" reflects them at the borders. Modes: "bilinear",
 * "nearest" (rounding half to even; no gradient with respect to the grid) and "bicubic" (cubic
 * convolution with A = −0.75 over a 4×4 neighborhood). Differentiable with respect to both
 * `input` and `grid`.
 */
export function gridSample(input: Tensor, grid: Tensor, options: GridSampleOptions = {}): Tensor {
  const op = "gridSample";
  const mode = options.mode ?? "bilinear";
  const padding = options.paddingMode ?? "zeros";
  const alignCorners = options.alignCorners ?? false;
  if (!MODES.includes(mode)) throw new TypeError(`${op}: unknown mode '${String(mode)}' (expected one of ${MODES.join(", ")})`);
  if (!PADDING_MODES.includes(padding)) {
    throw new TypeError(`${op}: unknown paddingMode '${String(padding)}' (expected one of ${PADDING_MODES.join(", ")})`);
  }
  if (input.ndim !== 4) throw new ShapeError(`${op}: expected input [N, C, H, W], got ${formatShape(input.shape)}`);
  if (grid.ndim !== 4 || grid.shape[3] !== 2) throw new ShapeError(`${op}: expected grid [N, Ho, Wo, 2] for a 4-d input, got ${formatShape(grid.shape)}`);
  if (grid.shape[0] !== input.shape[0]) {
    throw new ShapeError(`${op}: grid ${formatShape(grid.shape)} and input ${formatShape(input.shape)} have different batch sizes`);
  }
  if (!input.isFloatingPoint() || input.dtype !== grid.dtype) {
    throw new TypeError(`${op}: input and grid must have the same floating-point dtype, got ${input.dtype} and ${grid.dtype}`);
  }
  const [n, c, h, w] = input.shape as [number, number, number, number];
  const [, ho, wo] = grid.shape as [number, number, number, number];
  if (h === 0 || w === 0) throw new ShapeError(`${op}: input ${formatShape(input.shape)} has an empty spatial dim`);
  return scope(() => {
    const planes = input.reshape(n, c, h * w);
    /** Values at integer pixel coordinates (float tensors [N, Ho, Wo]); zero outside the input. */
    const sample = (x: Tensor, y: Tensor): Tensor => {
      const inside = x.ge(0).logicalAnd(x.le(w - 1)).logicalAnd(y.ge(0)).logicalAnd(y.le(h - 1));
      const flat = y.clamp(0, h - 1).mul(w).add(x.clamp(0, w - 1)).long();
      const index = flat.reshape(n, 1, ho * wo).expand(n, c, ho * wo).contiguous();
      const values = planes.gather(2, index).reshape(n, c, ho, wo);
      return where(inside.unsqueeze(1), values, 0);
    };
    const gx = grid.select(3, 0);
    const gy = grid.select(3, 1);
    const ux = unnormalize(gx, w, alignCorners);
    const uy = unnormalize(gy, h, alignCorners);
    if (mode === "bicubic") {
      // The padding applies to each tap's integer position; the weights use the raw position.
      const x0 = ux.floor();
      const y0 = uy.floor();
      const wx = cubicWeights(ux.sub(x0)).map((t) => t.unsqueeze(1));
      const wy = cubicWeights(uy.sub(y0)).map((t) => t.unsqueeze(1));
      const xs = [-1, 0, 1, 2].map((k) => applyPadding(x0.add(k), w, padding, alignCorners));
      const ys = [-1, 0, 1, 2].map((k) => applyPadding(y0.add(k), h, padding, alignCorners));
      let out: Tensor | null = null;
      for (let j = 0; j < 4; j++) {
        let row: Tensor | null = null;
        for (let i = 0; i < 4; i++) {
          const term = sample(xs[i]!, ys[j]!).mul(wx[i]!);
          row = row ? row.add(term) : term;
        }
        const weighted = row!.mul(wy[j]!);
        out = out ? out.add(weighted) : weighted;
      }
      return out!;
    }
    const ix = applyPadding(ux, w, padding, alignCorners);
    const iy = applyPadding(uy, h, padding, alignCorners);
    if (mode === "nearest") {
      const out = sample(ix.round(), iy.round());
      if (!grid.requiresGrad) return out;
      // Rounding cuts the graph; like PyTorch, the grid still gets a (zero) gradient.
      const never = zeros([1, 1, 1, 1], { dtype: "bool", device: grid.device });
      return out.add(where(never, gx.unsqueeze(1), 0));
    }
    const x0 = ix.floor();
    const y0 = iy.floor();
    const x1 = x0.add(1);
    const y1 = y0.add(1);
    const wx1 = ix.sub(x0).unsqueeze(1);
    const wx0 = x1.sub(ix).unsqueeze(1);
    const wy1 = iy.sub(y0).unsqueeze(1);
    const wy0 = y1.sub(iy).unsqueeze(1);
    const top = sample(x0, y0).mul(wx0).add(sample(x1, y0).mul(wx1));
    const bottom = sample(x0, y1).mul(wx0).add(sample(x1, y1).mul(wx1));
    return top.mul(wy0).add(bottom.mul(wy1));
  });
}
