import { describe, expect, it } from "vitest";
import { registerBackend, randn, tensor, type DType } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { MultiheadAttention, TransformerEncoderLayer, functional as F } from "@trek/nn";
import { checkAgainstFixture, loadFixtures } from "./helpers.js";

registerBackend("cpu", () => new CpuBackend());

const cases = loadFixtures("attention");
const DTYPES: DType[] = ["float32", "float64"];

describe("MultiheadAttention and TransformerEncoderLayer match PyTorch", () => {
  for (const dtype of DTYPES) {
    it(`mha_self (${dtype})`, () => {
      const mha = new MultiheadAttention(8, 2);
      checkAgainstFixture("mha_self", cases.mha_self!, dtype, mha, (x) => mha.call(x.x!, x.x!, x.x!));
    });
    it(`mha_masks (${dtype})`, () => {
      const mha = new MultiheadAttention(8, 2);
      checkAgainstFixture("mha_masks", cases.mha_masks!, dtype, mha, (x) =>
        mha.call(x.q!, x.kv!, x.kv!, { attnMask: x.attnMask!, keyPaddingMask: x.keyPaddingMask! }),
      );
    });
    it(`mha_kdim_vdim_batch_first (${dtype})`, () => {
      const mha = new MultiheadAttention(8, 4, { kdim: 6, vdim: 5, batchFirst: true });
      checkAgainstFixture("mha_kdim_vdim_batch_first", cases.mha_kdim_vdim_batch_first!, dtype, mha, (x) =>
        mha.call(x.q!, x.k!, x.v!, { attnMask: x.attnMask!.detach(), averageAttnWeights: false }),
      );
    });
    it(`mha_bias_kv_zero_attn_masks (${dtype})`, () => {
      const mha = new MultiheadAttention(8, 2, { addBiasKv: true, addZeroAttn: true });
      checkAgainstFixture("mha_bias_kv_zero_attn_masks", cases.mha_bias_kv_zero_attn_masks!, dtype, mha, (x) =>
        mha.call(x.q!, x.k!, x.v!, { attnMask: x.attnMask!, keyPaddingMask: x.keyPaddingMask! }),
      );
    });
    it(`mha_bias_kv_kdim_vdim_batch_first (${dtype})`, () => {
      const mha = new MultiheadAttention(8, 4, { kdim: 6, vdim: 5, addBiasKv: true, batchFirst: true });
      checkAgainstFixture("mha_bias_kv_kdim_vdim_batch_first", cases.mha_bias_kv_kdim_vdim_batch_first!, dtype, mha, (x) =>
        mha.call(x.q!, x.k!, x.v!, { attnMask: x.attnMask!.detach(), averageAttnWeights: false }),
      );
    });
    it(`mha_zero_attn_padding_no_bias (${dtype})`, () => {
      const mha = new MultiheadAttention(6, 3, { addZeroAttn: true, bias: false });
      checkAgainstFixture("mha_zero_attn_padding_no_bias", cases.mha_zero_attn_padding_no_bias!, dtype, mha, (x) =>
        mha.call(x.q!, x.k!, x.v!, { keyPaddingMask: x.keyPaddingMask! }),
      );
    });
    it(`mha_bias_kv_unbatched_float_padding (${dtype})`, () => {
      const mha = new MultiheadAttention(4, 2, { addBiasKv: true, addZeroAttn: true });
      checkAgainstFixture("mha_bias_kv_unbatched_float_padding", cases.mha_bias_kv_unbatched_float_padding!, dtype, mha, (x) =>
        mha.call(x.q!, x.k!, x.v!, { keyPaddingMask: x.keyPaddingMask!.detach() }),
      );
    });
    it(`transformer_encoder_post_norm (${dtype})`, () => {
      const layer = new TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0 });
      checkAgainstFixture("transformer_encoder_post_norm", cases.transformer_encoder_post_norm!, dtype, layer, (x) =>
        layer.call(x.x!, { srcKeyPaddingMask: x.mask! }),
      );
    });
    it(`transformer_encoder_pre_norm_gelu_batch_first (${dtype})`, () => {
      const layer = new TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0, activation: "gelu", normFirst: true, batchFirst: true });
      checkAgainstFixture("transformer_encoder_pre_norm_gelu_batch_first", cases.transformer_encoder_pre_norm_gelu_batch_first!, dtype, layer, (x) =>
        layer.call(x.x!, { srcMask: x.mask!.detach() }),
      );
    });
  }
});

describe("attention", () => {
  it("state dict keys follow PyTorch", () => {
    expect(Object.keys(new MultiheadAttention(8, 2).stateDict())).toEqual(["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]);
    expect(Object.keys(new MultiheadAttention(8, 2, { kdim: 3 }).stateDict())).toEqual([
      "q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias",
    ]);
    expect(Object.keys(new MultiheadAttention(8, 2, { kdim: 3, vdim: 5, addBiasKv: true, bias: false }).stateDict())).toEqual([
      "q_proj_weight", "k_proj_weight", "v_proj_weight", "bias_k", "bias_v", "out_proj.weight",
    ]);
    const withBias = new MultiheadAttention(8, 2, { kdim: 3, addBiasKv: true });
    expect(withBias.getParameter("k_proj_weight").shape).toEqual([8, 3]);
    expect(withBias.getParameter("v_proj_weight").shape).toEqual([8, 8]);
    expect(withBias.biasK!.shape).toEqual([1, 1, 8]);
    expect(withBias.biasV!.shape).toEqual([1, 1, 8]);
    expect(new MultiheadAttention(8, 2).biasK).toBeNull();
    expect(Object.keys(new TransformerEncoderLayer(8, 2, { dimFeedforward: 16 }).stateDict())).toEqual([
      "self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight", "self_attn.out_proj.bias",
      "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias", "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias",
    ]);
  });

  it("a causal mask hides future keys", () => {
    const mha = new MultiheadAttention(4, 1);
    const x = randn([3, 1, 4]);
    const [, weights] = mha.call(x, x, x, { isCausal: true });
    const w = weights!.tolistSync() as number[][][];
    expect(w[0]![0]![1]).toBe(0);
    expect(w[0]![0]![2]).toBe(0);
    expect(w[0]![1]![2]).toBe(0);
    expect(w[0]![2]!.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });

  it("scaledDotProductAttention: a bool mask marks positions that take part", () => {
    const q = randn([2, 3, 4], { dtype: "float64" });
    const k = randn([2, 5, 4], { dtype: "float64" });
    const v = randn([2, 5, 6], { dtype: "float64" });
    const keep = tensor([[true, true, false, true, false]]);
    const out = F.scaledDotProductAttention(q, k, v, { attnMask: keep });
    // The same as attending over the kept keys only.
    const index = tensor([0n, 1n, 3n]);
    const manual = F.scaledDotProductAttention(q, k.indexSelect(1, index), v.indexSelect(1, index));
    expect(out.allclose(manual, 1e-12, 1e-12)).toBe(true);
  });

  it("addBiasKv and addZeroAttn append source steps the masks never hide", () => {
    const mha = new MultiheadAttention(4, 2, { addBiasKv: true, addZeroAttn: true }).double();
    const q = randn([3, 2, 4], { dtype: "float64" });
    const kv = randn([5, 2, 4], { dtype: "float64" });
    const padding = tensor([[false, false, false, true, true], [true, false, false, false, false]]);
    const [out, weights] = mha.call(q, kv, kv, { keyPaddingMask: padding, averageAttnWeights: false });
    expect(out.shape).toEqual([3, 2, 4]);
    expect(weights!.shape).toEqual([2, 2, 3, 7]);
    const w = weights!.tolistSync() as number[][][][];
    expect(w[0]![0]![0]![3]).toBe(0);
    expect(w[1]![1]![2]![0]).toBe(0);
    expect(w[0]![1]![1]![5]).toBeGreaterThan(0);
    expect(w[1]![0]![0]![6]).toBeGreaterThan(0);
    // Even a fully padded sequence still attends to the appended steps.
    const allPadded = tensor([[true, true, true, true, true], [false, false, false, false, false]]);
    const [safe] = mha.call(q, kv, kv, { keyPaddingMask: allPadded });
    expect(Boolean(safe.isnan().any().itemSync())).toBe(false);
  });

  it("explains bad options", () => {
    expect(() => new MultiheadAttention(8, 2, { kdim: 0 })).toThrow("MultiheadAttention: kdim must be a positive integer");
    expect(() => new MultiheadAttention(8, 2, { dropout: 2 })).toThrow("MultiheadAttention: dropout must be in [0, 1], got 2");
    const mha = new MultiheadAttention(8, 2, { kdim: 6, vdim: 5, addBiasKv: true, addZeroAttn: true });
    const q = randn([3, 2, 8]);
    expect(() => mha.call(q, randn([4, 2, 8]), randn([4, 2, 5]))).toThrow(
      "MultiheadAttention(embed_dim=8, num_heads=2): expected key [..., 6] and value [..., 5] with the query's rank, got [4, 2, 8] and [4, 2, 5]",
    );
    // Masks describe the given keys, not the appended steps.
    expect(() => mha.call(q, randn([4, 2, 6]), randn([4, 2, 5]), { attnMask: tensor([[true, false, false, false, false]]) })).toThrow(
      "attnMask must be [3, 4] or [4, 3, 4], got [1, 5]",
    );
    expect(() => mha.call(q, randn([4, 2, 6]), randn([4, 2, 5]), { keyPaddingMask: tensor([[true, false, false, false, false]]) })).toThrow(
      "keyPaddingMask must be [2, 4], got [1, 5]",
    );
  });

  it("explains bad shapes", () => {
    const mha = new MultiheadAttention(8, 2);
    expect(() => mha.call(randn([3, 2, 6]), randn([3, 2, 6]), randn([3, 2, 6]))).toThrow(
      "MultiheadAttention(embed_dim=8, num_heads=2): expected query [L, N, 8], got [3, 2, 6]",
    );
    expect(() => new MultiheadAttention(8, 3)).toThrow("embedDim (8) must be divisible by numHeads (3)");
    const x = randn([3, 2, 8]);
    expect(() => mha.call(x, x, x, { attnMask: tensor([[true]]) })).toThrow("attnMask must be [3, 3] or [4, 3, 3], got [1, 1]");
  });
});
