/** Embedding lookup with a hand-written backward that leaves the padding row's gradient at zero. */
import { DTypeError, ShapeError, formatShape, full, where, zeros, type Tensor } from "@trek/tensor";
import { AutogradFunction, noGrad, type FunctionContext } from "@trek/autograd";

class EmbeddingFunction extends AutogradFunction {
  static override forward(ctx: FunctionContext, weight: Tensor, flatIndices: Tensor, paddingIdx: number | null, scaleGradByFreq: boolean): Tensor {
    ctx.saveForBackward(flatIndices);
    ctx.values.paddingIdx = paddingIdx;
    ctx.values.scaleGradByFreq = scaleGradByFreq;
    ctx.values.numEmbeddings = weight.shape[0];
    return weight.indexSelect(0, flatIndices);
  }

  static override backward(ctx: FunctionContext, dy: Tensor): (Tensor | null)[] {
    if (!ctx.needsInputGrad[0]) return [null, null];
    const [flatIndices] = ctx.savedTensors as [Tensor];
    const dim = dy.shape[1]!;
    const numEmbeddings = ctx.values.numEmbeddings as number;
    const paddingIdx = ctx.values.paddingIdx as number | null;
    // Rows accumulate the gradients of every position that looked them up.
    const index = flatIndices.unsqueeze(1).expand(-1, dim);
    const empty = zeros([numEmbeddings, dim], { dtype: dy.dtype, device: dy.device });
    let contributions = dy;
    if (ctx.values.scaleGradByFreq) {
      // Each position's gradient is divided by how often its index occurs in the batch.
      const none = zeros([numEmbeddings], { dtype: dy.dtype, device: dy.device });
      const once = full([flatIndices.shape[0]!], 1, { dtype: dy.dtype, device: dy.device });
      const counts = none.scatterAdd(0, flatIndices, once);
      const frequency = counts.gather(0, flatIndices).unsqueeze(1);
      contributions = dy.div(frequency);
      for (const t of [none, once, counts, frequency]) t.dispose();
    }
    const dw = empty.scatterAdd(0, index, contributions);
    if (contributions !== dy) contributions.dispose();
    empty.dispose();
    index.dispose();
    if (paddingIdx !== null) {
      const row = dw.select(0, paddingIdx);
      row.zero_();
      row.dispose();
    }
    return [dw, null];
  }
}

/** Options of `embedding`. */
export interface EmbeddingOptions {
  /** Row whose gradient stays zero (a padding token); negative counts from the end. */
  paddingIdx?: number | null;
  /**
   * Rows looked up whose `normType`-norm exceeds this are rescaled **in place** (in `weight`,
   * without gradient) to norm `maxNorm`, as PyTorch's `max_norm` does.
   */
  maxNorm?: number | null;
  /** The p of the norm compared with `maxNorm` (default 2). */
  normType?: number;
  /**
   * Divide each position's gradient by the number of times its index occurs in `indices`
   * (PyTorch's `scale_grad_by_freq`; default false).
   */
  scaleGradByFreq?: boolean;
}

/**
 * Rescales, in place and without recording gradients, the rows of `weight` listed in `indices`
 * whose p-norm exceeds `maxNorm`: row · maxNorm / (norm + 1e-7), like `torch.embedding_renorm_`.
 */
function renormRows(weight: Tensor, flatIndices: Tensor, maxNorm: number, normType: number): void {
  noGrad(() => {
    const rows = weight.indexSelect(0, flatIndices);
    const norms = rows.norm(normType, 1, true);
    const over = norms.gt(maxNorm);
    const limit = full([], maxNorm, { dtype: weight.dtype, device: weight.device });
    const denominator = norms.add(1e-7);
    const ratio = limit.div(denominator);
    const scale = where(over, ratio, 1);
    const scaled = rows.mul(scale);
    const index = flatIndices.unsqueeze(1).expand(-1, weight.shape[1]!);
    const updated = weight.scatter(0, index, scaled);
    weight.copy_(updated);
    for (const t of [rows, norms, over, limit, denominator, ratio, scale, scaled, index, updated]) t.dispose();
  });
}

/**
 * Looks up rows of `weight` [num, dim] for integer `indices` of any shape; the result has shape
 * [...indices.shape, dim].
 */
export function embedding(indices: Tensor, weight: Tensor, options: EmbeddingOptions = {}): Tensor {
  if (indices.dtype !== "int64" && indices.dtype !== "int32") {
    throw new DTypeError(`embedding: indices must be an int64 or int32 tensor, got ${indices.dtype}`);
  }
  if (weight.ndim !== 2) throw new ShapeError(`embedding: weight must be [num_embeddings, embedding_dim], got ${formatShape(weight.shape)}`);
  const numEmbeddings = weight.shape[0]!;
  let paddingIdx = options.paddingIdx ?? null;
  if (paddingIdx !== null) {
    if (paddingIdx < -numEmbeddings || paddingIdx >= numEmbeddings) {
      throw new RangeError(`embedding: paddingIdx ${paddingIdx} is out of range for ${numEmbeddings} embeddings`);
    }
    if (paddingIdx < 0) paddingIdx += numEmbeddings;
  }
  const flat = indices.reshape(-1);
  const maxNorm = options.maxNorm ?? null;
  if (maxNorm !== null) {
    try {
      renormRows(weight, flat, maxNorm, options.normType ?? 2);
    } catch (err) {
      flat.dispose();
      if (err instanceof RangeError) throw new RangeError(`embedding: an index is out of range for ${numEmbeddings} embeddings (${err.message})`);
      throw err;
    }
  }
  let rows: Tensor;
  try {
    rows = EmbeddingFunction.apply<Tensor>(weight, flat, paddingIdx, options.scaleGradByFreq ?? false);
  } catch (err) {
    if (err instanceof RangeError) {
      throw new RangeError(`embedding: an index is out of range for ${numEmbeddings} embeddings (${err.message})`);
    }
    throw err;
  } finally {
    flat.dispose();
  }
  const out = rows.reshape([...indices.shape, weight.shape[1]!]);
  rows.dispose();
  return out;
}
