/** TransformerEncoderLayer: self-attention and a feed-forward block, each with a residual and layer norm. */
import type { Tensor } from "@trek/tensor";
import { Module } from "../module.js";
import { Dropout } from "./dropout.js";
import { LayerNorm } from "./normalization.js";
import { Linear } from "./linear.js";
import { MultiheadAttention } from "./attention.js";
import { gelu, relu } from "../functional/activation.js";
import type { FactoryOptions } from "../util.js";

/** Options of TransformerEncoderLayer. */
export interface TransformerEncoderLayerOptions extends FactoryOptions {
  /** Hidden size of the feed-forward block (default 2048). */
  dimFeedforward?: number;
  /** Dropout after attention, inside and after the feed-forward block (default 0.1). */
  dropout?: number;
  /** Feed-forward activation (default "relu"). */
  activation?: "relu" | "gelu" | ((x: Tensor) => Tensor);
  layerNormEps?: number;
  /** Inputs are [N, S, E] instead of [S, N, E]. */
  batchFirst?: boolean;
  /** Pre-norm (normalize before each block) instead of post-norm (default false, as in the original paper). */
  normFirst?: boolean;
  /** Biases in the linear layers and layer norms (default true). */
  bias?: boolean;
}

/** Per-call options of TransformerEncoderLayer. */
export interface TransformerEncoderLayerForwardOptions {
  /** [S, S] or [N·heads, S, S]; true marks positions that may not be attended (or a float additive mask). */
  srcMask?: Tensor | null;
  /** [N, S]; true marks padding positions. */
  srcKeyPaddingMask?: Tensor | null;
  /** Apply a causal mask (when no srcMask is given). */
  isCausal?: boolean;
}

/**
 * One encoder layer of the Transformer, like `torch.nn.TransformerEncoderLayer`:
 * post-norm x = norm1(x + sa(x)); x = norm2(x + ff(x)), or pre-norm with `normFirst`.
 * Children (and state-dict keys) match PyTorch: `self_attn`, `linear1`, `dropout`, `linear2`,
 * `norm1`, `norm2`, `dropout1`, `dropout2`.
 */
export class TransformerEncoderLayer extends Module {
  readonly normFirst: boolean;
  private readonly activationFn: (x: Tensor) => Tensor;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm1: LayerNorm;
  norm2: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;

  constructor(dModel: number, nhead: number, options: TransformerEncoderLayerOptions = {}) {
    super();
    const factory = { dtype: options.dtype, device: options.device };
    const bias = options.bias ?? true;
    const p = options.dropout ?? 0.1;
    const hidden = options.dimFeedforward ?? 2048;
    const eps = options.layerNormEps ?? 1e-5;
    this.registerModule("self_attn", new MultiheadAttention(dModel, nhead, { dropout: p, bias, batchFirst: options.batchFirst ?? false, ...factory }));
    this.linear1 = new Linear(dModel, hidden, { bias, ...factory });
    this.dropout = new Dropout(p);
    this.linear2 = new Linear(hidden, dModel, { bias, ...factory });
    this.normFirst = options.normFirst ?? false;
    this.norm1 = new LayerNorm(dModel, { eps, bias, ...factory });
    this.norm2 = new LayerNorm(dModel, { eps, bias, ...factory });
    this.dropout1 = new Dropout(p);
    this.dropout2 = new Dropout(p);
    const activation = options.activation ?? "relu";
    if (activation === "relu") this.activationFn = relu;
    else if (activation === "gelu") this.activationFn = (x) => gelu(x);
    else if (typeof activation === "function") this.activationFn = activation;
    else throw new TypeError(`TransformerEncoderLayer: activation must be "relu", "gelu" or a function, got ${String(activation)}`);
  }

  /** The self-attention block (state-dict prefix `self_attn`). */
  get selfAttn(): MultiheadAttention {
    return this.getSubmodule("self_attn") as MultiheadAttention;
  }

  forward(src: Tensor, options: TransformerEncoderLayerForwardOptions = {}): Tensor {
    if (this.normFirst) {
      const normed1 = this.norm1.call(src);
      const attended = this.selfAttentionBlock(normed1, options);
      const x = src.add(attended);
      const normed2 = this.norm2.call(x);
      const fed = this.feedForwardBlock(normed2);
      const out = x.add(fed);
      for (const t of [normed1, attended, x, normed2, fed]) t.dispose();
      return out;
    }
    const attended = this.selfAttentionBlock(src, options);
    const sum1 = src.add(attended);
    const x = this.norm1.call(sum1);
    const fed = this.feedForwardBlock(x);
    const sum2 = x.add(fed);
    const out = this.norm2.call(sum2);
    for (const t of [attended, sum1, x, fed, sum2]) t.dispose();
    return out;
  }

  private selfAttentionBlock(x: Tensor, options: TransformerEncoderLayerForwardOptions): Tensor {
    const [attended] = this.selfAttn.call(x, x, x, {
      attnMask: options.srcMask ?? null,
      keyPaddingMask: options.srcKeyPaddingMask ?? null,
      isCausal: options.isCausal ?? false,
      needWeights: false,
    });
    const out = this.dropout1.call(attended);
    if (out !== attended) attended.dispose();
    return out;
  }

  private feedForwardBlock(x: Tensor): Tensor {
    const hidden = this.linear1.call(x);
    const activated = this.activationFn(hidden);
    const dropped = this.dropout.call(activated);
    const projected = this.linear2.call(dropped);
    const out = this.dropout2.call(projected);
    for (const t of new Set([hidden, activated, dropped, projected])) if (t !== out) t.dispose();
    return out;
  }
}
