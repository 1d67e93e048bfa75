/**
 * Transformer layers, like `torch.nn`'s: the encoder and decoder layers (attention and a
 * feed-forward block, each with a residual and layer norm), their stacks, and the full
 * encoder–decoder `Transformer`.
 */
import { ShapeError, formatShape, type DType, type Tensor } from "@trek/tensor";
import { noGrad } from "@trek/autograd";
import { Module } from "../module.js";
import { ModuleList } from "../containers.js";
import { Dropout } from "./dropout.js";
import { LayerNorm } from "./normalization.js";
import { Linear } from "./linear.js";
import { MultiheadAttention } from "./attention.js";
import { gelu, relu } from "../functional/activation.js";
import { causalMask } from "../functional/attention.js";
import { xavierUniform_ } from "../init.js";
import { checkPositiveInt, type FactoryOptions } from "../util.js";

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
  readonly dModel: number;
  readonly nhead: number;
  readonly normFirst: boolean;
  readonly batchFirst: boolean;
  private readonly options: TransformerEncoderLayerOptions;
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
    this.dModel = dModel;
    this.nhead = nhead;
    this.options = { ...options };
    this.batchFirst = options.batchFirst ?? false;
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
    this.activationFn = activationFunction("TransformerEncoderLayer", options.activation);
  }

  /** The layer's name in error messages. */
  private get label(): string {
    return `TransformerEncoderLayer(d_model=${this.dModel}, nhead=${this.nhead})`;
  }

  /**
   * @internal A deep copy, as PyTorch's `copy.deepcopy` in the stacks: the same configuration,
   * dtype and device, copies of the parameters, and the same training and `requiresGrad` flags.
   */
  cloneLayer(): TransformerEncoderLayer {
    return copyStateInto(this, new TransformerEncoderLayer(this.dModel, this.nhead, { ...this.options, ...factoryOf(this.linear1) }));
  }

  /** The self-attention block (state-dict prefix `self_attn`). */
  get selfAttn(): MultiheadAttention {
    return this.getSubmodule("self_attn") as MultiheadAttention;
  }

  /** `src` [S, N, E] ([N, S, E] with `batchFirst`) or unbatched [S, E] → the same shape. */
  forward(src: Tensor, options: TransformerEncoderLayerForwardOptions = {}): Tensor {
    checkSequence(this.label, "src", "S", src, this.dModel, this.batchFirst);
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
    return attentionBlock(this.selfAttn, this.dropout1, x, x, options.srcMask, options.srcKeyPaddingMask, options.isCausal);
  }

  private feedForwardBlock(x: Tensor): Tensor {
    return feedForward(this.linear1, this.activationFn, this.dropout, this.linear2, this.dropout2, x);
  }
}

/** A layer's attention sub-block: `query` attends to `memory`, then dropout. */
function attentionBlock(
  attention: MultiheadAttention,
  dropout: Dropout,
  query: Tensor,
  memory: Tensor,
  attnMask: Tensor | null | undefined,
  keyPaddingMask: Tensor | null | undefined,
  isCausal: boolean | undefined,
): Tensor {
  const [attended] = attention.call(query, memory, memory, {
    attnMask: attnMask ?? null,
    keyPaddingMask: keyPaddingMask ?? null,
    isCausal: isCausal ?? false,
    needWeights: false,
  });
  const out = dropout.call(attended);
  if (out !== attended) attended.dispose();
  return out;
}

/** A layer's feed-forward sub-block: linear1 → activation → dropout → linear2 → dropout. */
function feedForward(
  linear1: Linear,
  activation: (x: Tensor) => Tensor,
  dropout: Dropout,
  linear2: Linear,
  outputDropout: Dropout,
  x: Tensor,
): Tensor {
  const hidden = linear1.call(x);
  const activated = activation(hidden);
  const dropped = dropout.call(activated);
  const projected = linear2.call(dropped);
  const out = outputDropout.call(projected);
  for (const t of new Set([hidden, activated, dropped, projected])) if (t !== out) t.dispose();
  return out;
}

/** Options of TransformerDecoderLayer: the same as the encoder layer's. */
export type TransformerDecoderLayerOptions = TransformerEncoderLayerOptions;

/** Per-call options of TransformerDecoderLayer and TransformerDecoder. */
export interface TransformerDecoderLayerForwardOptions {
  /** [T, T] or [N·heads, T, T] for the self-attention; true marks positions that may not be attended (or a float additive mask). */
  tgtMask?: Tensor | null;
  /** [T, S] or [N·heads, T, S] for the attention over `memory`. */
  memoryMask?: Tensor | null;
  /** [N, T]; true marks padding positions of `tgt`. */
  tgtKeyPaddingMask?: Tensor | null;
  /** [N, S]; true marks padding positions of `memory`. */
  memoryKeyPaddingMask?: Tensor | null;
  /** Apply a causal mask in the self-attention (when no tgtMask is given). */
  tgtIsCausal?: boolean;
}

/** Per-call options of TransformerDecoder: the same as the decoder layer's, passed to every layer. */
export type TransformerDecoderForwardOptions = TransformerDecoderLayerForwardOptions;

/**
 * One decoder layer of the Transformer, like `torch.nn.TransformerDecoderLayer`: self-attention
 * over `tgt`, attention over `memory` (the encoder's output), and a feed-forward block, each with
 * a residual and a layer norm — post-norm x = norm1(x + sa(x)); x = norm2(x + mha(x, memory));
 * x = norm3(x + ff(x)), or pre-norm with `normFirst`. Defaults are PyTorch's (dimFeedforward
 * 2048, dropout 0.1, relu, post-norm, sequence-first). Children (and state-dict keys) match
 * PyTorch: `self_attn`, `multihead_attn`, `linear1`, `dropout`, `linear2`, `norm1`, `norm2`,
 * `norm3`, `dropout1`, `dropout2`, `dropout3`.
 */
export class TransformerDecoderLayer extends Module {
  readonly dModel: number;
  readonly nhead: number;
  readonly normFirst: boolean;
  readonly batchFirst: boolean;
  private readonly options: TransformerDecoderLayerOptions;
  private readonly activationFn: (x: Tensor) => Tensor;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm1: LayerNorm;
  norm2: LayerNorm;
  norm3: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  dropout3: Dropout;

  constructor(dModel: number, nhead: number, options: TransformerDecoderLayerOptions = {}) {
    super();
    this.dModel = dModel;
    this.nhead = nhead;
    this.options = { ...options };
    this.batchFirst = options.batchFirst ?? false;
    this.normFirst = options.normFirst ?? false;
    const factory = { dtype: options.dtype, device: options.device };
    const bias = options.bias ?? true;
    const p = options.dropout ?? 0.1;
    const hidden = options.dimFeedforward ?? 2048;
    const eps = options.layerNormEps ?? 1e-5;
    const attention = { dropout: p, bias, batchFirst: this.batchFirst, ...factory };
    this.registerModule("self_attn", new MultiheadAttention(dModel, nhead, attention));
    this.registerModule("multihead_attn", new MultiheadAttention(dModel, nhead, attention));
    this.linear1 = new Linear(dModel, hidden, { bias, ...factory });
    this.dropout = new Dropout(p);
    this.linear2 = new Linear(hidden, dModel, { bias, ...factory });
    this.norm1 = new LayerNorm(dModel, { eps, bias, ...factory });
    this.norm2 = new LayerNorm(dModel, { eps, bias, ...factory });
    this.norm3 = new LayerNorm(dModel, { eps, bias, ...factory });
    this.dropout1 = new Dropout(p);
    this.dropout2 = new Dropout(p);
    this.dropout3 = new Dropout(p);
    this.activationFn = activationFunction("TransformerDecoderLayer", options.activation);
  }

  /** The self-attention block (state-dict prefix `self_attn`). */
  get selfAttn(): MultiheadAttention {
    return this.getSubmodule("self_attn") as MultiheadAttention;
  }

  /** The attention over `memory` (state-dict prefix `multihead_attn`). */
  get multiheadAttn(): MultiheadAttention {
    return this.getSubmodule("multihead_attn") as MultiheadAttention;
  }

  /** The layer's name in error messages. */
  private get label(): string {
    return `TransformerDecoderLayer(d_model=${this.dModel}, nhead=${this.nhead})`;
  }

  /** @internal A deep copy (see `TransformerEncoderLayer.cloneLayer`). */
  cloneLayer(): TransformerDecoderLayer {
    return copyStateInto(this, new TransformerDecoderLayer(this.dModel, this.nhead, { ...this.options, ...factoryOf(this.linear1) }));
  }

  /**
   * `tgt` [T, N, E] and `memory` [S, N, E] ([N, T, E] and [N, S, E] with `batchFirst`; unbatched
   * [T, E] and [S, E]) → the shape of `tgt`.
   */
  forward(tgt: Tensor, memory: Tensor, options: TransformerDecoderLayerForwardOptions = {}): Tensor {
    checkSequence(this.label, "tgt", "T", tgt, this.dModel, this.batchFirst);
    checkMemory(this.label, tgt, memory, this.dModel, this.batchFirst);
    if (this.normFirst) {
      const normed1 = this.norm1.call(tgt);
      const attended = this.selfAttentionBlock(normed1, options);
      const x1 = tgt.add(attended);
      const normed2 = this.norm2.call(x1);
      const crossed = this.crossAttentionBlock(normed2, memory, options);
      const x2 = x1.add(crossed);
      const normed3 = this.norm3.call(x2);
      const fed = this.feedForwardBlock(normed3);
      const out = x2.add(fed);
      for (const t of [normed1, attended, x1, normed2, crossed, x2, normed3, fed]) t.dispose();
      return out;
    }
    const attended = this.selfAttentionBlock(tgt, options);
    const sum1 = tgt.add(attended);
    const x1 = this.norm1.call(sum1);
    const crossed = this.crossAttentionBlock(x1, memory, options);
    const sum2 = x1.add(crossed);
    const x2 = this.norm2.call(sum2);
    const fed = this.feedForwardBlock(x2);
    const sum3 = x2.add(fed);
    const out = this.norm3.call(sum3);
    for (const t of [attended, sum1, x1, crossed, sum2, x2, fed, sum3]) t.dispose();
    return out;
  }

  private selfAttentionBlock(x: Tensor, options: TransformerDecoderLayerForwardOptions): Tensor {
    return attentionBlock(this.selfAttn, this.dropout1, x, x, options.tgtMask, options.tgtKeyPaddingMask, options.tgtIsCausal);
  }

  private crossAttentionBlock(x: Tensor, memory: Tensor, options: TransformerDecoderLayerForwardOptions): Tensor {
    return attentionBlock(this.multiheadAttn, this.dropout2, x, memory, options.memoryMask, options.memoryKeyPaddingMask, false);
  }

  private feedForwardBlock(x: Tensor): Tensor {
    return feedForward(this.linear1, this.activationFn, this.dropout, this.linear2, this.dropout3, x);
  }
}

/** What TransformerEncoder and TransformerDecoder share: copies of one layer and an optional final norm. */
abstract class LayerStack extends Module {
  layers: ModuleList;
  norm: Module | null;

  constructor(
    owner: string,
    layerClass: typeof TransformerEncoderLayer | typeof TransformerDecoderLayer,
    layer: TransformerEncoderLayer | TransformerDecoderLayer,
    numLayers: number,
    norm: Module | null | undefined,
  ) {
    super();
    if (!(layer instanceof layerClass)) {
      throw new TypeError(`${owner}: expected a ${layerClass.name} to copy, got ${describeValue(layer)}`);
    }
    checkPositiveInt(owner, "numLayers", numLayers);
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => layer.cloneLayer()));
    this.norm = checkNorm(owner, norm);
  }

  /** Number of layers. */
  get numLayers(): number {
    return this.layers.length;
  }
}

/** Options of TransformerEncoder. */
export interface TransformerEncoderOptions {
  /** Applied to the last layer's output (PyTorch's `norm`, usually a LayerNorm; default none). */
  norm?: Module | null;
}

/** Per-call options of TransformerEncoder, passed to every layer. */
export interface TransformerEncoderForwardOptions {
  /** [S, S] or [N·heads, S, S]; true marks positions that may not be attended (or a float additive mask). */
  mask?: Tensor | null;
  /** [N, S]; true marks padding positions. */
  srcKeyPaddingMask?: Tensor | null;
  /** Apply a causal mask (when no mask is given). */
  isCausal?: boolean;
}

/**
 * A stack of `numLayers` encoder layers, like `torch.nn.TransformerEncoder`: each layer is a
 * deep copy of `encoderLayer` (the given layer itself is not used), applied in turn with the
 * same masks, followed by the optional `norm`. State-dict keys are PyTorch's:
 * `layers.0.self_attn.in_proj_weight`, …, `norm.weight`.
 *
 * ```ts
 * const layer = new TransformerEncoderLayer(512, 8, { batchFirst: true });
 * const encoder = new TransformerEncoder(layer, 6, { norm: new LayerNorm(512) });
 * const memory = encoder.call(src, { srcKeyPaddingMask }); // [N, S, 512]
 * ```
 */
export class TransformerEncoder extends LayerStack {
  constructor(encoderLayer: TransformerEncoderLayer, numLayers: number, options: TransformerEncoderOptions = {}) {
    super("TransformerEncoder", TransformerEncoderLayer, encoderLayer, numLayers, options.norm);
  }

  /** `src` [S, N, E] ([N, S, E] with `batchFirst`) or unbatched [S, E] → the same shape. */
  forward(src: Tensor, options: TransformerEncoderForwardOptions = {}): Tensor {
    const layers = [...this.layers] as TransformerEncoderLayer[];
    const first = layers[0];
    if (first) {
      const label = `TransformerEncoder(num_layers=${layers.length}, d_model=${first.dModel})`;
      checkSequence(label, "src", "S", src, first.dModel, first.batchFirst);
    }
    let x = src;
    for (const layer of layers) {
      const next = layer.call(x, {
        srcMask: options.mask ?? null,
        srcKeyPaddingMask: options.srcKeyPaddingMask ?? null,
        isCausal: options.isCausal ?? false,
      });
      if (x !== src) x.dispose();
      x = next;
    }
    return applyNorm(this.norm, x, src);
  }
}

/** Options of TransformerDecoder. */
export interface TransformerDecoderOptions {
  /** Applied to the last layer's output (PyTorch's `norm`, usually a LayerNorm; default none). */
  norm?: Module | null;
}

/**
 * A stack of `numLayers` decoder layers, like `torch.nn.TransformerDecoder`: each layer is a
 * deep copy of `decoderLayer`, applied in turn to the previous output and the same `memory` and
 * masks, followed by the optional `norm`. State-dict keys are PyTorch's:
 * `layers.0.self_attn.in_proj_weight`, `layers.0.multihead_attn.…`, …, `norm.weight`.
 *
 * ```ts
 * const decoder = new TransformerDecoder(new TransformerDecoderLayer(512, 8), 6);
 * const out = decoder.call(tgt, memory, { tgtMask: Transformer.generateSquareSubsequentMask(tgt.shape[0]) });
 * ```
 */
export class TransformerDecoder extends LayerStack {
  constructor(decoderLayer: TransformerDecoderLayer, numLayers: number, options: TransformerDecoderOptions = {}) {
    super("TransformerDecoder", TransformerDecoderLayer, decoderLayer, numLayers, options.norm);
  }

  /** `tgt` [T, N, E] and `memory` [S, N, E] (batch first with `batchFirst`; or unbatched) → the shape of `tgt`. */
  forward(tgt: Tensor, memory: Tensor, options: TransformerDecoderForwardOptions = {}): Tensor {
    const layers = [...this.layers] as TransformerDecoderLayer[];
    const first = layers[0];
    if (first) {
      const label = `TransformerDecoder(num_layers=${layers.length}, d_model=${first.dModel})`;
      checkSequence(label, "tgt", "T", tgt, first.dModel, first.batchFirst);
      checkMemory(label, tgt, memory, first.dModel, first.batchFirst);
    }
    let x = tgt;
    for (const layer of layers) {
      const next = layer.call(x, memory, options);
      if (x !== tgt) x.dispose();
      x = next;
    }
    return applyNorm(this.norm, x, tgt);
  }
}

/** Options of Transformer (every one optional, with PyTorch's defaults). */
export interface TransformerOptions extends FactoryOptions {
  /** Feature size of the inputs and outputs (default 512). */
  dModel?: number;
  /** Attention heads (default 8). */
  nhead?: number;
  /** Encoder layers (default 6). */
  numEncoderLayers?: number;
  /** Decoder layers (default 6). */
  numDecoderLayers?: number;
  /** Hidden size of the feed-forward blocks (default 2048). */
  dimFeedforward?: number;
  /** Dropout in every layer (default 0.1). */
  dropout?: number;
  /** Feed-forward activation (default "relu"). */
  activation?: "relu" | "gelu" | ((x: Tensor) => Tensor);
  /** Used instead of the built encoder: called as `encoder.call(src, { mask, srcKeyPaddingMask })`. */
  customEncoder?: Module | null;
  /** Used instead of the built decoder: called as `decoder.call(tgt, memory, { tgtMask, memoryMask, … })`. */
  customDecoder?: Module | null;
  layerNormEps?: number;
  /** Inputs and output are [N, L, E] instead of [L, N, E]. */
  batchFirst?: boolean;
  /** Pre-norm layers (default false). */
  normFirst?: boolean;
  /** Biases in the linear layers and layer norms (default true). */
  bias?: boolean;
}

/** Per-call options of Transformer. */
export interface TransformerForwardOptions {
  /** [S, S] or [N·heads, S, S] for the encoder's self-attention. */
  srcMask?: Tensor | null;
  /** [T, T] or [N·heads, T, T] for the decoder's self-attention (see `generateSquareSubsequentMask`). */
  tgtMask?: Tensor | null;
  /** [T, S] or [N·heads, T, S] for the decoder's attention over the encoder output. */
  memoryMask?: Tensor | null;
  /** [N, S]; true marks padding positions of `src`. */
  srcKeyPaddingMask?: Tensor | null;
  /** [N, T]; true marks padding positions of `tgt`. */
  tgtKeyPaddingMask?: Tensor | null;
  /** [N, S]; true marks padding positions of the encoder output (usually `srcKeyPaddingMask`). */
  memoryKeyPaddingMask?: Tensor | null;
}

/**
 * The encoder–decoder Transformer of "Attention Is All You Need", like `torch.nn.Transformer`:
 * `encoder` is a TransformerEncoder with a final LayerNorm, `decoder` a TransformerDecoder with
 * a final LayerNorm, and every parameter with more than one dimension starts Xavier-uniform.
 * `call(src, tgt, options)` returns the decoder output, shaped like `tgt`. Masks follow
 * `MultiheadAttention` (true means "may not attend").
 *
 * ```ts
 * const model = new Transformer({ dModel: 512, nhead: 8, batchFirst: true });
 * const tgtMask = Transformer.generateSquareSubsequentMask(tgt.shape[1]!);
 * const out = model.call(src, tgt, { tgtMask }); // [N, T, 512]
 * ```
 */
export class Transformer extends Module {
  readonly dModel: number;
  readonly nhead: number;
  readonly batchFirst: boolean;
  encoder: Module;
  decoder: Module;

  constructor(options: TransformerOptions = {}) {
    super();
    this.dModel = options.dModel ?? 512;
    this.nhead = options.nhead ?? 8;
    this.batchFirst = options.batchFirst ?? false;
    checkPositiveInt("Transformer", "dModel", this.dModel);
    checkPositiveInt("Transformer", "nhead", this.nhead);
    const factory = { dtype: options.dtype, device: options.device };
    const bias = options.bias ?? true;
    const eps = options.layerNormEps ?? 1e-5;
    const layerOptions: TransformerEncoderLayerOptions = {
      dimFeedforward: options.dimFeedforward,
      dropout: options.dropout,
      activation: options.activation,
      layerNormEps: eps,
      batchFirst: this.batchFirst,
      normFirst: options.normFirst,
      bias,
      ...factory,
    };
    if (options.customEncoder) this.encoder = options.customEncoder;
    else {
      const template = new TransformerEncoderLayer(this.dModel, this.nhead, layerOptions);
      this.encoder = new TransformerEncoder(template, options.numEncoderLayers ?? 6, { norm: new LayerNorm(this.dModel, { eps, bias, ...factory }) });
      template.dispose();
    }
    if (options.customDecoder) this.decoder = options.customDecoder;
    else {
      const template = new TransformerDecoderLayer(this.dModel, this.nhead, layerOptions);
      this.decoder = new TransformerDecoder(template, options.numDecoderLayers ?? 6, { norm: new LayerNorm(this.dModel, { eps, bias, ...factory }) });
      template.dispose();
    }
    this.resetParameters();
  }

  /** PyTorch's initialization: Xavier-uniform for every parameter with more than one dimension. */
  resetParameters(): void {
    for (const p of this.parameters()) if (p.ndim > 1) xavierUniform_(p);
  }

  /**
   * A float mask [size, size] with −∞ above the diagonal and 0 elsewhere, so that position i
   * attends to positions ≤ i; like `nn.Transformer.generate_square_subsequent_mask`. The dtype
   * is the default dtype unless given.
   */
  static generateSquareSubsequentMask(size: number, options: { dtype?: DType; device?: string } = {}): Tensor {
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`Transformer.generateSquareSubsequentMask: size must be a non-negative integer, got ${size}`);
    return causalMask(size, size, options);
  }

  /**
   * `src` [S, N, E] and `tgt` [T, N, E] ([N, S, E] and [N, T, E] with `batchFirst`; or unbatched
   * [S, E] and [T, E]) → [T, N, E] (the shape of `tgt`).
   */
  forward(src: Tensor, tgt: Tensor, options: TransformerForwardOptions = {}): Tensor {
    const label = `Transformer(d_model=${this.dModel}, nhead=${this.nhead})`;
    checkSequence(label, "src", "S", src, this.dModel, this.batchFirst);
    checkSequence(label, "tgt", "T", tgt, this.dModel, this.batchFirst);
    const batchDim = this.batchFirst ? 0 : 1;
    if (tgt.ndim !== src.ndim || (src.ndim === 3 && tgt.shape[batchDim] !== src.shape[batchDim])) {
      const n = src.shape[batchDim];
      const expected = src.ndim === 2 ? `[T, ${this.dModel}]` : this.batchFirst ? `[${n}, T, ${this.dModel}]` : `[T, ${n}, ${this.dModel}]`;
      throw new ShapeError(`${label}: expected tgt ${expected} to match src ${formatShape(src.shape)}, got ${formatShape(tgt.shape)}`);
    }
    const memory = this.encoder.call(src, { mask: options.srcMask ?? null, srcKeyPaddingMask: options.srcKeyPaddingMask ?? null }) as Tensor;
    const out = this.decoder.call(tgt, memory, {
      tgtMask: options.tgtMask ?? null,
      memoryMask: options.memoryMask ?? null,
      tgtKeyPaddingMask: options.tgtKeyPaddingMask ?? null,
      memoryKeyPaddingMask: options.memoryKeyPaddingMask ?? null,
    }) as Tensor;
    memory.dispose();
    return out;
  }
}

// ---- helpers ------------------------------------------------------------------------------------

function activationFunction(layer: string, activation: TransformerEncoderLayerOptions["activation"]): (x: Tensor) => Tensor {
  const chosen = activation ?? "relu";
  if (chosen === "relu") return relu;
  if (chosen === "gelu") return (x) => gelu(x);
  if (typeof chosen === "function") return chosen;
  throw new TypeError(`${layer}: activation must be "relu", "gelu" or a function, got ${String(chosen)}`);
}

/** Checks a sequence input: [L, N, E] ([N, L, E] batch first) or unbatched [L, E]. */
function checkSequence(layer: string, name: string, length: string, x: Tensor, dModel: number, batchFirst: boolean): void {
  if ((x.ndim !== 2 && x.ndim !== 3) || x.shape[x.ndim - 1] !== dModel) {
    const batched = batchFirst ? `[N, ${length}, ${dModel}]` : `[${length}, N, ${dModel}]`;
    throw new ShapeError(`${layer}: expected ${name} ${batched} or [${length}, ${dModel}], got ${formatShape(x.shape)}`);
  }
}

/** Checks that `memory` has tgt's rank, batch size and feature size. */
function checkMemory(layer: string, tgt: Tensor, memory: Tensor, dModel: number, batchFirst: boolean): void {
  const batchDim = batchFirst ? 0 : 1;
  const batched = tgt.ndim === 3;
  const n = batched ? tgt.shape[batchDim] : undefined;
  if (memory.ndim === tgt.ndim && memory.shape[memory.ndim - 1] === dModel && (!batched || memory.shape[batchDim] === n)) return;
  const expected = !batched ? `[S, ${dModel}]` : batchFirst ? `[${n}, S, ${dModel}]` : `[S, ${n}, ${dModel}]`;
  throw new ShapeError(`${layer}: expected memory ${expected} to match tgt ${formatShape(tgt.shape)}, got ${formatShape(memory.shape)}`);
}

function checkNorm(layer: string, norm: Module | null | undefined): Module | null {
  if (norm === undefined || norm === null) return null;
  if (!(norm instanceof Module)) throw new TypeError(`${layer}: norm must be a Module (such as a LayerNorm) or null, got ${describeValue(norm)}`);
  return norm;
}

/** Applies the optional final norm to a stack's output `x`, disposing `x` unless it is the input. */
function applyNorm(norm: Module | null, x: Tensor, input: Tensor): Tensor {
  if (!norm) return x;
  const normed = norm.call(x) as Tensor;
  if (x !== input && normed !== x) x.dispose();
  return normed;
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return (value as object).constructor?.name ?? "an object";
  return typeof value;
}

/** Where a layer's parameters live now (a copy is built there). */
function factoryOf(linear: Linear): FactoryOptions {
  return { dtype: linear.weight.dtype, device: linear.weight.device };
}

/** Copies parameters and buffers, training flags and `requiresGrad` flags of `source` into `copy`. */
function copyStateInto<T extends Module>(source: T, copy: T): T {
  const state = source.stateDict();
  noGrad(() => copy.loadStateDict(state));
  for (const t of Object.values(state)) t.dispose();
  const flags = new Map(source.namedParameters().map(([name, p]) => [name, p.requiresGrad]));
  for (const [name, p] of copy.namedParameters()) p.requiresGrad_(flags.get(name) ?? true);
  const modes = new Map(source.namedModules().map(([name, m]) => [name, m.training]));
  for (const [name, m] of copy.namedModules()) m.training = modes.get(name) ?? source.training;
  return copy;
}
