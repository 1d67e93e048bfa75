/** Multi-head attention, like `torch.nn.MultiheadAttention`. */
import { ShapeError, cat, formatShape, full, where, zeros, type Tensor } from "@trek/tensor";
import { Module } from "../module.js";
import type { Parameter } from "../parameter.js";
import { Linear } from "./linear.js";
import { linear } from "../functional/linear.js";
import { attentionWithWeights, causalMask } from "../functional/attention.js";
import { constant_, xavierNormal_, xavierUniform_ } from "../init.js";
import { checkPositiveInt, newParameter, type FactoryOptions } from "../util.js";

/** Options of MultiheadAttention. */
export interface MultiheadAttentionOptions extends FactoryOptions {
  /** Dropout on the attention weights in training mode (default 0). */
  dropout?: number;
  /** Learn input and output projection biases (default true). */
  bias?: boolean;
  /** Feature size of the keys (default embedDim). */
  kdim?: number;
  /** Feature size of the values (default embedDim). */
  vdim?: number;
  /** Learn biases `bias_k`, `bias_v` [1, 1, E] appended to the key and value sequences (default false). */
  addBiasKv?: boolean;
  /** Append a step of zeros to the (projected) key and value sequences (default false). */
  addZeroAttn?: boolean;
  /** Inputs and outputs are [N, L, E] instead of [L, N, E]. */
  batchFirst?: boolean;
}

/** Per-call options of MultiheadAttention. */
export interface MultiheadAttentionForwardOptions {
  /** [N, S]: true (or a float −∞) marks padding keys to ignore. */
  keyPaddingMask?: Tensor | null;
  /** Return the attention weights (default true). */
  needWeights?: boolean;
  /**
   * [L, S] or [N·heads, L, S]: **true marks positions that may not be attended** (or a float
   * mask added to the scores).
   */
  attnMask?: Tensor | null;
  /** Average the returned weights over heads (default true) → [N, L, S]; else [N, heads, L, S]. */
  averageAttnWeights?: boolean;
  /** Add a causal mask (query i attends to keys ≤ i). */
  isCausal?: boolean;
}

/**
 * Multi-head scaled dot-product attention with learned projections. `call(query, key, value)`
 * returns `[output, weights]`: output [L, N, E] (or [N, L, E] with `batchFirst`, [L, E]
 * unbatched) and the attention weights, or null with `needWeights: false`.
 *
 * Parameters follow PyTorch's names: `in_proj_weight` [3E, E] and `in_proj_bias` [3E] (or
 * `q_proj_weight`, `k_proj_weight`, `v_proj_weight` when kdim/vdim differ from E), `bias_k` and
 * `bias_v` [1, 1, E] with `addBiasKv`, and `out_proj`.
 *
 * With `addBiasKv` the learned `bias_k`/`bias_v` are appended to the projected keys and values
 * as one more source step, and with `addZeroAttn` a step of zeros after that; `attnMask` and
 * `keyPaddingMask` still describe the S given keys and are extended with "attend" for the
 * appended steps, as PyTorch does. The returned weights then cover S + 1 (or S + 2) keys.
 */
export class MultiheadAttention extends Module {
  readonly embedDim: number;
  readonly numHeads: number;
  readonly headDim: number;
  readonly dropout: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly batchFirst: boolean;
  readonly addZeroAttn: boolean;
  private readonly sameEmbedDim: boolean;

  constructor(embedDim: number, numHeads: number, options: MultiheadAttentionOptions = {}) {
    super();
    checkPositiveInt("MultiheadAttention", "embedDim", embedDim);
    checkPositiveInt("MultiheadAttention", "numHeads", numHeads);
    if (embedDim % numHeads !== 0) throw new RangeError(`MultiheadAttention: embedDim (${embedDim}) must be divisible by numHeads (${numHeads})`);
    this.embedDim = embedDim;
    this.numHeads = numHeads;
    this.headDim = embedDim / numHeads;
    this.dropout = options.dropout ?? 0;
    this.kdim = options.kdim ?? embedDim;
    this.vdim = options.vdim ?? embedDim;
    this.batchFirst = options.batchFirst ?? false;
    this.addZeroAttn = options.addZeroAttn ?? false;
    checkPositiveInt("MultiheadAttention", "kdim", this.kdim);
    checkPositiveInt("MultiheadAttention", "vdim", this.vdim);
    if (!(this.dropout >= 0 && this.dropout <= 1)) throw new RangeError(`MultiheadAttention: dropout must be in [0, 1], got ${this.dropout}`);
    this.sameEmbedDim = this.kdim === embedDim && this.vdim === embedDim;
    if (this.sameEmbedDim) {
      this.registerParameter("in_proj_weight", newParameter([3 * embedDim, embedDim], options));
    } else {
      this.registerParameter("q_proj_weight", newParameter([embedDim, embedDim], options));
      this.registerParameter("k_proj_weight", newParameter([embedDim, this.kdim], options));
      this.registerParameter("v_proj_weight", newParameter([embedDim, this.vdim], options));
    }
    const bias = options.bias ?? true;
    this.registerParameter("in_proj_bias", bias ? newParameter([3 * embedDim], options) : null);
    this.registerModule("out_proj", new Linear(embedDim, embedDim, { bias, dtype: options.dtype, device: options.device }));
    const addBiasKv = options.addBiasKv ?? false;
    this.registerParameter("bias_k", addBiasKv ? newParameter([1, 1, embedDim], options) : null);
    this.registerParameter("bias_v", addBiasKv ? newParameter([1, 1, embedDim], options) : null);
    this.resetParameters();
  }

  /** The output projection (state-dict prefix `out_proj`). */
  get outProj(): Linear {
    return this.getSubmodule("out_proj") as Linear;
  }

  /** The packed q/k/v projection weight [3E, E], or null when kdim/vdim differ from E. */
  get inProjWeight(): Parameter | null {
    return this.registeredParameter("in_proj_weight");
  }

  /** The packed q/k/v projection bias [3E], or null without biases. */
  get inProjBias(): Parameter | null {
    return this.registeredParameter("in_proj_bias");
  }

  /** The learned key bias [1, 1, E] appended to the keys, or null without `addBiasKv`. */
  get biasK(): Parameter | null {
    return this.registeredParameter("bias_k");
  }

  /** The learned value bias [1, 1, E] appended to the values, or null without `addBiasKv`. */
  get biasV(): Parameter | null {
    return this.registeredParameter("bias_v");
  }

  /** PyTorch's initialization: Xavier-uniform projections, zero biases, Xavier-normal `bias_k`/`bias_v`. */
  resetParameters(): void {
    if (this.sameEmbedDim) xavierUniform_(this.getParameter("in_proj_weight"));
    else for (const name of ["q_proj_weight", "k_proj_weight", "v_proj_weight"]) xavierUniform_(this.getParameter(name));
    const inBias = this.inProjBias;
    if (inBias) constant_(inBias, 0);
    const outBias = this.outProj.bias;
    if (outBias) constant_(outBias, 0);
    const biasK = this.biasK;
    const biasV = this.biasV;
    if (biasK) xavierNormal_(biasK);
    if (biasV) xavierNormal_(biasV);
  }

  /** Projection weight and bias rows of one of q (0), k (1), v (2); views, no copies. */
  private projection(which: 0 | 1 | 2): { weight: Tensor; bias: Tensor | null; owned: Tensor[] } {
    const e = this.embedDim;
    const bias = this.inProjBias;
    const b = bias ? bias.narrow(0, which * e, e) : null;
    if (this.sameEmbedDim) {
      const w = this.getParameter("in_proj_weight").narrow(0, which * e, e);
      return { weight: w, bias: b, owned: b ? [w, b] : [w] };
    }
    const w = this.getParameter(["q_proj_weight", "k_proj_weight", "v_proj_weight"][which]!);
    return { weight: w, bias: b, owned: b ? [b] : [] };
  }

  forward(query: Tensor, key: Tensor, value: Tensor, options: MultiheadAttentionForwardOptions = {}): [Tensor, Tensor | null] {
    const layer = `MultiheadAttention(embed_dim=${this.embedDim}, num_heads=${this.numHeads})`;
    const batched = query.ndim === 3;
    const layout = (dim: number | string): string => (batched ? (this.batchFirst ? `[N, ${"L"}, ${dim}]` : `[L, N, ${dim}]`) : `[L, ${dim}]`);
    if ((query.ndim !== 3 && query.ndim !== 2) || query.shape[query.ndim - 1] !== this.embedDim) {
      throw new ShapeError(`${layer}: expected query ${layout(this.embedDim)}, got ${formatShape(query.shape)}`);
    }
    if (key.ndim !== query.ndim || key.shape[key.ndim - 1] !== this.kdim || value.ndim !== query.ndim || value.shape[value.ndim - 1] !== this.vdim) {
      throw new ShapeError(
        `${layer}: expected key [..., ${this.kdim}] and value [..., ${this.vdim}] with the query's rank, got ${formatShape(key.shape)} and ${formatShape(value.shape)}`,
      );
    }
    // Work in the batch-first layout [N, L, E] (views only).
    const toBatchFirst = (t: Tensor): Tensor => (!batched ? t.unsqueeze(0) : this.batchFirst ? t : t.transpose(0, 1));
    const q3 = toBatchFirst(query);
    const k3 = key === query ? q3 : toBatchFirst(key);
    const v3 = value === key ? k3 : toBatchFirst(value);
    const [n, targetLen] = q3.shape as [number, number];
    const sourceLen = k3.shape[1]!;
    if (k3.shape[0] !== n || v3.shape[0] !== n || v3.shape[1] !== sourceLen) {
      throw new ShapeError(`${layer}: query ${formatShape(query.shape)}, key ${formatShape(key.shape)} and value ${formatShape(value.shape)} disagree on batch or source length`);
    }
    const owned: Tensor[] = [];
    let q: Tensor;
    let k: Tensor;
    let v: Tensor;
    if (this.sameEmbedDim && query === key && key === value) {
      // Self-attention: one product for q, k and v.
      const packed = linear(q3, this.getParameter("in_proj_weight"), this.inProjBias);
      const e = this.embedDim;
      [q, k, v] = [packed.narrow(2, 0, e), packed.narrow(2, e, e), packed.narrow(2, 2 * e, e)];
      owned.push(packed, q, k, v);
    } else {
      const project = (x: Tensor, which: 0 | 1 | 2): Tensor => {
        const p = this.projection(which);
        const out = linear(x, p.weight, p.bias);
        for (const t of p.owned) t.dispose();
        owned.push(out);
        return out;
      };
      q = project(q3, 0);
      k = project(k3, 1);
      v = project(v3, 2);
    }
    // Extra source steps: the learned biases, then a step of zeros.
    const appended = (this.biasK ? 1 : 0) + (this.addZeroAttn ? 1 : 0);
    const append = (t: Tensor, step: Tensor): Tensor => {
      const out = cat([t, step], 1);
      owned.push(out);
      return out;
    };
    const biasK = this.biasK;
    const biasV = this.biasV;
    if (biasK && biasV) {
      const e = this.embedDim;
      const bk = biasK.expand(n, 1, e);
      const bv = biasV.expand(n, 1, e);
      k = append(k, bk);
      v = append(v, bv);
      owned.push(bk, bv);
    }
    if (this.addZeroAttn) {
      const zk = zeros([n, 1, this.embedDim], { dtype: k.dtype, device: k.device });
      k = append(k, zk);
      v = append(v, zk);
      owned.push(zk);
    }
    const keyLen = sourceLen + appended;
    const heads = (t: Tensor, length: number): Tensor => {
      const split = t.reshape(n, length, this.numHeads, this.headDim);
      const out = split.permute(0, 2, 1, 3); // [N, h, L, hd]
      owned.push(split, out);
      return out;
    };
    const mask = this.combinedMask(layer, options, n, targetLen, sourceLen, appended, query);
    const { output, weights } = attentionWithWeights(heads(q, targetLen), heads(k, keyLen), heads(v, keyLen), mask, {
      dropoutP: this.dropout,
      training: this.training,
    });
    owned.push(output);
    if (mask) owned.push(mask);
    // Merge heads and project: [N, h, L, hd] → [N, L, E].
    const merged = output.permute(0, 2, 1, 3).reshape(n, targetLen, this.embedDim);
    owned.push(merged);
    const projected = this.outProj.call(merged);
    let result: Tensor;
    if (!batched) result = projected.squeeze(0);
    else if (this.batchFirst) result = projected;
    else result = projected.transpose(0, 1);
    if (result !== projected) owned.push(projected);
    let returnedWeights: Tensor | null = null;
    if (options.needWeights ?? true) {
      returnedWeights = (options.averageAttnWeights ?? true) ? weights.mean(1) : weights;
      if (!batched) {
        const squeezed = returnedWeights.squeeze(0);
        if (returnedWeights !== weights) returnedWeights.dispose();
        returnedWeights = squeezed;
      }
    }
    if (returnedWeights !== weights) weights.dispose();
    for (const t of [q3, k3, v3]) if (t !== query && t !== key && t !== value) owned.push(t);
    for (const t of new Set(owned)) t.dispose();
    return [result, returnedWeights];
  }

  /**
   * Key-padding, attention and causal masks as one additive float mask [N|1, h|1, L, S + appended]
   * (the appended source steps are never masked).
   */
  private combinedMask(
    layer: string,
    options: MultiheadAttentionForwardOptions,
    n: number,
    targetLen: number,
    sourceLen: number,
    appended: number,
    like: Tensor,
  ): Tensor | null {
    // Takes ownership of `m` (a reshaped handle): returns it or a converted tensor.
    const toAdditive = (m: Tensor): Tensor => {
      if (m.dtype === like.dtype) return m;
      let out: Tensor;
      if (m.dtype === "bool") {
        const minusInf = full([], -Infinity, { dtype: like.dtype, device: like.device });
        out = where(m, minusInf, 0);
        minusInf.dispose();
      } else out = m.to(like.dtype);
      m.dispose();
      return out;
    };
    const parts: Tensor[] = [];
    if (options.attnMask) {
      const m = options.attnMask;
      let shaped: Tensor;
      if (m.ndim === 2 && m.shape[0] === targetLen && m.shape[1] === sourceLen) shaped = m.reshape(1, 1, targetLen, sourceLen);
      else if (m.ndim === 3 && m.shape[0] === n * this.numHeads && m.shape[1] === targetLen && m.shape[2] === sourceLen) {
        shaped = m.reshape(n, this.numHeads, targetLen, sourceLen);
      } else {
        throw new ShapeError(
          `${layer}: attnMask must be [${targetLen}, ${sourceLen}] or [${n * this.numHeads}, ${targetLen}, ${sourceLen}], got ${formatShape(m.shape)}`,
        );
      }
      parts.push(toAdditive(shaped));
    } else if (options.isCausal) {
      const causal = causalMask(targetLen, sourceLen, like);
      parts.push(causal.reshape(1, 1, targetLen, sourceLen));
      causal.dispose();
    }
    if (options.keyPaddingMask) {
      const m = options.keyPaddingMask;
      const expected = like.ndim === 3 ? [n, sourceLen] : [sourceLen];
      if (m.ndim !== expected.length || m.shape.some((s, i) => s !== expected[i])) {
        throw new ShapeError(`${layer}: keyPaddingMask must be ${formatShape(expected)}, got ${formatShape(m.shape)}`);
      }
      parts.push(toAdditive(m.reshape(n, 1, 1, sourceLen)));
    }
    if (parts.length === 0) return null;
    let mask = parts[0]!;
    if (parts.length > 1) {
      mask = parts[0]!.add(parts[1]!);
      for (const p of parts) p.dispose();
    }
    if (appended > 0) {
      const padShape = [...mask.shape.slice(0, -1), appended];
      const pad = zeros(padShape, { dtype: mask.dtype, device: mask.device });
      const padded = cat([mask, pad], mask.ndim - 1);
      pad.dispose();
      mask.dispose();
      mask = padded;
    }
    return mask;
  }
}
