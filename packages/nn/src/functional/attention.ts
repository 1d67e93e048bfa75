/** Scaled dot-product attention, the core of multi-head attention. */
import { ShapeError, formatShape, full, getDefaultDType, ones, where, type DType, type Generator, type Tensor } from "@trek/tensor";
import { dropout } from "./dropout.js";

/** Options of `scaledDotProductAttention`. */
export interface ScaledDotProductAttentionOptions {
  /**
   * Added to the scores if float; if bool, **true marks positions that take part** (PyTorch's
   * `scaled_dot_product_attention` convention — the opposite of `MultiheadAttention`'s masks).
   * Broadcast to [..., L, S].
   */
  attnMask?: Tensor | null;
  /** Dropout probability on the attention weights (applied only when > 0). */
  dropoutP?: number;
  /** Lets query i attend to keys 0 … i only. */
  isCausal?: boolean;
  /** Score scale (default 1/√E). */
  scale?: number;
  generator?: Generator;
}

/** Float mask with −∞ above the diagonal (query i may attend to keys ≤ i). */
export function causalMask(queries: number, keys: number, like: Tensor | { dtype?: DType; device?: string }): Tensor {
  const dtype = like.dtype ?? getDefaultDType();
  const rows = ones([queries, keys], { dtype, device: like.device });
  // Keys j > i are masked: build the strict upper triangle with a comparison of index grids.
  const i = rows.cumsum(0); // 1 … L down each column
  const j = rows.cumsum(1); // 1 … S along each row
  const above = j.gt(i);
  const minusInf = full([], -Infinity, { dtype, device: like.device });
  const mask = where(above, minusInf, 0);
  for (const t of [rows, i, j, above, minusInf]) t.dispose();
  return mask;
}

/** Attention output and weights: softmax(q·kᵀ·scale + mask)·v over the last two dims. */
export function attentionWithWeights(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  additiveMask: Tensor | null,
  options: { dropoutP?: number; training?: boolean; scale?: number; generator?: Generator } = {},
): { output: Tensor; weights: Tensor } {
  const scale = options.scale ?? 1 / Math.sqrt(q.shape[q.ndim - 1]!);
  const scaledQ = q.mul(scale);
  const keysT = k.mT;
  let scores = scaledQ.matmul(keysT);
  scaledQ.dispose();
  keysT.dispose();
  if (additiveMask) {
    const masked = scores.add(additiveMask);
    scores.dispose();
    scores = masked;
  }
  let weights = scores.softmax(-1);
  scores.dispose();
  const p = options.dropoutP ?? 0;
  if (p > 0 && options.training !== false) {
    const dropped = dropout(weights, { p, training: true, generator: options.generator });
    weights.dispose();
    weights = dropped;
  }
  const output = weights.matmul(v);
  return { output, weights };
}

/**
 * softmax(q·kᵀ/√E + mask)·v for `q` [..., L, E], `k` [..., S, E], `v` [..., S, Ev]; like
 * PyTorch 2's `F.scaled_dot_product_attention`.
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, options: ScaledDotProductAttentionOptions = {}): Tensor {
  if (q.ndim < 2 || k.ndim < 2 || v.ndim < 2 || q.shape[q.ndim - 1] !== k.shape[k.ndim - 1] || k.shape[k.ndim - 2] !== v.shape[v.ndim - 2]) {
    throw new ShapeError(
      `scaledDotProductAttention: expected q [..., L, E], k [..., S, E], v [..., S, Ev], got ${formatShape(q.shape)}, ${formatShape(k.shape)}, ${formatShape(v.shape)}`,
    );
  }
  const queries = q.shape[q.ndim - 2]!;
  const keys = k.shape[k.ndim - 2]!;
  let mask: Tensor | null = null;
  if (options.attnMask) {
    const m = options.attnMask;
    if (m.dtype === "bool") {
      const minusInf = full([], -Infinity, { dtype: q.dtype, device: q.device });
      mask = where(m, 0, minusInf);
      minusInf.dispose();
    } else mask = m;
  }
  if (options.isCausal) {
    const causal = causalMask(queries, keys, q);
    if (mask) {
      const combined = mask.add(causal);
      if (mask !== options.attnMask) mask.dispose();
      causal.dispose();
      mask = combined;
    } else mask = causal;
  }
  const { output, weights } = attentionWithWeights(q, k, v, mask, {
    dropoutP: options.dropoutP ?? 0,
    training: true,
    scale: options.scale,
    generator: options.generator,
  });
  weights.dispose();
  if (mask && mask !== options.attnMask) mask.dispose();
  return output;
}
