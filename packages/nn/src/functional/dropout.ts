/** Dropout: zeroes elements (or whole channels) at random during training and rescales the rest. */
import { bernoulli, formatShape, ShapeError, type Generator, type Tensor } from "@trek/tensor";

/** Options of `dropout` and `dropout2d`. */
export interface DropoutOptions {
  /** Probability of zeroing an element (default 0.5). */
  p?: number;
  /** Apply dropout (default true); when false the input is returned unchanged. */
  training?: boolean;
  generator?: Generator;
}

function checkP(op: string, p: number): void {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`${op}: probability p must be in [0, 1], got ${p}`);
}

/** Multiplies by a Bernoulli(1 − p) mask of `maskShape` scaled by 1/(1 − p). */
function applyMask(x: Tensor, maskShape: readonly number[], p: number, generator: Generator | undefined): Tensor {
  if (p === 1) return x.mul(0);
  const mask = bernoulli(1 - p, { shape: maskShape, dtype: x.dtype, device: x.device, generator });
  mask.mul_(1 / (1 - p));
  const out = x.mul(mask);
  mask.dispose();
  return out;
}

/**
 * Zeroes each element with probability `p` and scales the others by 1/(1 − p), so the expected
 * value is unchanged; the identity when not training.
 */
export function dropout(x: Tensor, options: DropoutOptions = {}): Tensor {
  const p = options.p ?? 0.5;
  checkP("dropout", p);
  if (options.training === false || p === 0) return x;
  return applyMask(x, x.shape, p, options.generator);
}

/**
 * Zeroes whole channels of `x` [N, C, H, W] (or [C, H, W]) with probability `p`, scaling the
 * others by 1/(1 − p); the identity when not training.
 */
export function dropout2d(x: Tensor, options: DropoutOptions = {}): Tensor {
  const p = options.p ?? 0.5;
  checkP("dropout2d", p);
  if (x.ndim !== 3 && x.ndim !== 4) throw new ShapeError(`dropout2d: expected input [N, C, H, W] or [C, H, W], got ${formatShape(x.shape)}`);
  if (options.training === false || p === 0) return x;
  const maskShape = x.shape.map((s, i) => (i < x.ndim - 2 ? s : 1));
  return applyMask(x, maskShape, p, options.generator);
}
