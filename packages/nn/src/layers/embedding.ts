/** Embedding: a lookup table of learned vectors. */
import { DTypeError, ShapeError, formatShape, type Tensor } from "@trek/tensor";
import { noGrad } from "@trek/autograd";
import { Module } from "../module.js";
import { Parameter } from "../parameter.js";
import { embedding } from "../functional/embedding.js";
import { normal_ } from "../init.js";
import { checkPositiveInt, newParameter, pyFloat, type FactoryOptions } from "../util.js";

/** Options of Embedding. */
export interface EmbeddingOptions extends FactoryOptions {
  /** A padding token: its row starts at zero and never receives a gradient. Negative counts from the end. */
  paddingIdx?: number | null;
  /**
   * Each looked-up row whose norm exceeds this is renormalized **in place** to norm `maxNorm`
   * before the lookup (PyTorch's `max_norm`; default none).
   */
  maxNorm?: number | null;
  /** The p of the norm compared with `maxNorm` (default 2). */
  normType?: number;
  /**
   * Divide each looked-up position's gradient by the number of times its index occurs in the
   * batch (PyTorch's `scale_grad_by_freq`; default false).
   */
  scaleGradByFreq?: boolean;
}

/** Options of `Embedding.fromPretrained`. */
export interface FromPretrainedOptions {
  /** Keep the vectors fixed (default true). */
  freeze?: boolean;
  paddingIdx?: number | null;
  maxNorm?: number | null;
  normType?: number;
  scaleGradByFreq?: boolean;
}

/**
 * Maps integer indices of any shape to rows of `weight` [numEmbeddings, embeddingDim], like
 * `torch.nn.Embedding`. Weights start from N(0, 1).
 */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  readonly maxNorm: number | null;
  readonly normType: number;
  readonly scaleGradByFreq: boolean;
  weight: Parameter;

  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingOptions = {}) {
    super();
    checkPositiveInt("Embedding", "numEmbeddings", numEmbeddings);
    checkPositiveInt("Embedding", "embeddingDim", embeddingDim);
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.paddingIdx = normalizePaddingIdx(options.paddingIdx ?? null, numEmbeddings);
    this.maxNorm = options.maxNorm ?? null;
    this.normType = options.normType ?? 2;
    this.scaleGradByFreq = options.scaleGradByFreq ?? false;
    if (this.maxNorm !== null && !(this.maxNorm >= 0)) throw new RangeError(`Embedding: maxNorm must be non-negative, got ${this.maxNorm}`);
    this.weight = newParameter([numEmbeddings, embeddingDim], options);
    this.resetParameters();
  }

  /**
   * An Embedding holding a copy of `embeddings` [num, dim], frozen unless `freeze: false`. The
   * padding row keeps its given values (as in PyTorch); it only stops receiving gradients.
   */
  static fromPretrained(embeddings: Tensor, options: FromPretrainedOptions = {}): Embedding {
    if (embeddings.ndim !== 2) throw new ShapeError(`Embedding.fromPretrained: expected a 2-d tensor [num, dim], got ${formatShape(embeddings.shape)}`);
    const [num, dim] = embeddings.shape as [number, number];
    const layer = new Embedding(num, dim, {
      paddingIdx: options.paddingIdx ?? null,
      maxNorm: options.maxNorm ?? null,
      normType: options.normType,
      scaleGradByFreq: options.scaleGradByFreq,
      dtype: embeddings.dtype, device: embeddings.device });
    noGrad(() => layer.weight.copy_(embeddings));
    layer.weight.requiresGrad_(!(options.freeze ?? true));
    return layer;
  }

  /** Re-draws the weights from N(0, 1) and zeroes the padding row. */
  resetParameters(): void {
    normal_(this.weight);
    if (this.paddingIdx !== null) {
      const index = this.paddingIdx;
      noGrad(() => {
        const row = this.weight.select(0, index);
        row.zero_();
        row.dispose();
      });
    }
  }

  forward(indices: Tensor): Tensor {
    if (indices.dtype !== "int64" && indices.dtype !== "int32") {
      throw new DTypeError(`${this.reprTree()}: expected integer indices (int64 or int32), got ${indices.dtype} ${formatShape(indices.shape)}`);
    }
    return embedding(indices, this.weight, { paddingIdx: this.paddingIdx, maxNorm: this.maxNorm, normType: this.normType, scaleGradByFreq: this.scaleGradByFreq });
  }

  override extraRepr(): string {
    let text = `${this.numEmbeddings}, ${this.embeddingDim}`;
    if (this.paddingIdx !== null) text += `, padding_idx=${this.paddingIdx}`;
    if (this.maxNorm !== null) text += `, max_norm=${pyFloat(this.maxNorm)}`;
    if (this.normType !== 2) text += `, norm_type=${pyFloat(this.normType)}`;
    if (this.scaleGradByFreq) text += ", scale_grad_by_freq=True";
    return text;
  }
}

function normalizePaddingIdx(paddingIdx: number | null, numEmbeddings: number): number | null {
  if (paddingIdx === null) return null;
  if (!Number.isInteger(paddingIdx) || paddingIdx < -numEmbeddings || paddingIdx >= numEmbeddings) {
    throw new RangeError(`Embedding: paddingIdx must be within [${-numEmbeddings}, ${numEmbeddings - 1}], got ${paddingIdx}`);
  }
  return paddingIdx < 0 ? paddingIdx + numEmbeddings : paddingIdx;
}
