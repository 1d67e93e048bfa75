import { describe, expect, it } from "vitest";
import { registerBackend, randn, tensor, zeros, type DType, type Tensor } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import {
  LayerNorm,
  Linear,
  Module,
  Transformer,
  TransformerDecoder,
  TransformerDecoderLayer,
  TransformerEncoder,
  TransformerEncoderLayer,
} from "@trek/nn";
import { checkAgainstFixture, expectClose, loadFixtures, tolerance, type FixtureCase, type FixtureTensor } from "./helpers.js";

registerBackend("cpu", () => new CpuBackend());

const cases = loadFixtures("transformer");
const DTYPES: DType[] = ["float32", "float64"];

interface Config {
  kind: "TransformerEncoder" | "TransformerDecoder" | "TransformerDecoderLayer" | "Transformer";
  dModel: number;
  nhead: number;
  dimFeedforward: number;
  numLayers?: number;
  numEncoderLayers?: number;
  numDecoderLayers?: number;
  norm?: boolean;
  normFirst?: boolean;
  batchFirst?: boolean;
  activation?: "relu" | "gelu";
  positional: string[];
}

/** The module a fixture describes, built with dropout 0. */
function build(c: Config): Module {
  const layerOptions = { dimFeedforward: c.dimFeedforward, dropout: 0, activation: c.activation, normFirst: c.normFirst, batchFirst: c.batchFirst };
  switch (c.kind) {
    case "TransformerEncoder":
      return new TransformerEncoder(new TransformerEncoderLayer(c.dModel, c.nhead, layerOptions), c.numLayers!, {
        norm: c.norm ? new LayerNorm(c.dModel) : null,
      });
    case "TransformerDecoder":
      return new TransformerDecoder(new TransformerDecoderLayer(c.dModel, c.nhead, layerOptions), c.numLayers!, {
        norm: c.norm ? new LayerNorm(c.dModel) : null,
      });
    case "TransformerDecoderLayer":
      return new TransformerDecoderLayer(c.dModel, c.nhead, layerOptions);
    case "Transformer":
      return new Transformer({
        dModel: c.dModel,
        nhead: c.nhead,
        numEncoderLayers: c.numEncoderLayers,
        numDecoderLayers: c.numDecoderLayers,
        ...layerOptions,
      });
  }
}

describe("Transformer stacks, decoder layer and Transformer match PyTorch", () => {
  for (const [name, raw] of Object.entries(cases)) {
    if (name === "square_subsequent_mask") continue;
    const c = raw as FixtureCase;
    const config = c.module as unknown as Config;
    for (const dtype of DTYPES) {
      it(`${name} (${dtype})`, () => {
        const module = build(config);
        checkAgainstFixture(name, c, dtype, module, (x) => {
          const options: Record<string, Tensor> = {};
          for (const [key, value] of Object.entries(x)) if (!config.positional.includes(key)) options[key] = value;
          const args = config.positional.map((key) => x[key]!);
          return (module.call as (...a: unknown[]) => Tensor)(...args, options);
        });
      });
    }
  }

  it("generateSquareSubsequentMask", () => {
    const c = cases.square_subsequent_mask as unknown as { module: { size: number }; output: FixtureTensor };
    for (const dtype of DTYPES) {
      const mask = Transformer.generateSquareSubsequentMask(c.module.size, { dtype });
      expect(mask.dtype).toBe(dtype);
      expectClose(mask, c.output, tolerance(dtype), `square_subsequent_mask ${dtype}`);
    }
    expect(Transformer.generateSquareSubsequentMask(2).dtype).toBe("float32");
    expect(Transformer.generateSquareSubsequentMask(2).tolistSync()).toEqual([[0, -Infinity], [0, 0]]);
  });
});

const SELF_ATTN = ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"];
const FEED_FORWARD = ["linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias"];

describe("TransformerEncoder", () => {
  it("deep-copies the layer: PyTorch's keys, equal starting values, independent parameters", () => {
    const layer = new TransformerEncoderLayer(8, 2, { dimFeedforward: 16 });
    const encoder = new TransformerEncoder(layer, 2, { norm: new LayerNorm(8) });
    const layerKeys = [...SELF_ATTN.map((k) => `self_attn.${k}`), ...FEED_FORWARD, "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias"];
    expect(Object.keys(encoder.stateDict())).toEqual([
      ...layerKeys.map((k) => `layers.0.${k}`),
      ...layerKeys.map((k) => `layers.1.${k}`),
      "norm.weight",
      "norm.bias",
    ]);
    expect(encoder.numLayers).toBe(2);
    const p0 = encoder.getParameter("layers.0.linear1.weight");
    const p1 = encoder.getParameter("layers.1.linear1.weight");
    expect(p0).not.toBe(p1);
    expect(p0).not.toBe(layer.linear1.weight);
    expect(p0.equal(layer.linear1.weight)).toBe(true);
    expect(p1.equal(layer.linear1.weight)).toBe(true);
    p0.detach().add_(1);
    expect(p1.equal(layer.linear1.weight)).toBe(true);
    expect(encoder.parameters().length).toBe(2 * 12 + 2);
  });

  it("copies dtype, training mode and frozen parameters", () => {
    const layer = new TransformerEncoderLayer(4, 1, { dimFeedforward: 8, dtype: "float64" }).eval();
    layer.linear2.requiresGrad_(false);
    const encoder = new TransformerEncoder(layer, 2);
    const copy = encoder.layers.at(1) as TransformerEncoderLayer;
    expect(copy.linear1.weight.dtype).toBe("float64");
    expect(copy.training).toBe(false);
    expect(copy.dropout.training).toBe(false);
    expect(copy.linear2.weight.requiresGrad).toBe(false);
    expect(copy.linear1.weight.requiresGrad).toBe(true);
    expect(encoder.norm).toBeNull();
  });

  it("prints like PyTorch", () => {
    const encoder = new TransformerEncoder(new TransformerEncoderLayer(4, 1, { dimFeedforward: 8 }), 1, { norm: new LayerNorm(4) });
    const text = encoder.reprTree();
    expect(text.startsWith("TransformerEncoder(\n  (layers): ModuleList(\n    (0): TransformerEncoderLayer(\n      (self_attn): MultiheadAttention(")).toBe(true);
    expect(text.endsWith("  (norm): LayerNorm((4,), eps=1e-05, elementwise_affine=True)\n)")).toBe(true);
    expect(String(encoder)).toContain("Parameters: ");
  });

  it("explains bad input", () => {
    const encoder = new TransformerEncoder(new TransformerEncoderLayer(8, 2, { dimFeedforward: 16 }), 2);
    expect(() => encoder.call(randn([5, 2, 6]))).toThrow("TransformerEncoder(num_layers=2, d_model=8): expected src [S, N, 8] or [S, 8], got [5, 2, 6]");
    expect(() => new TransformerEncoder(new Linear(2, 2) as never, 2)).toThrow("TransformerEncoder: expected a TransformerEncoderLayer to copy, got Linear");
    expect(() => new TransformerEncoder(new TransformerEncoderLayer(8, 2), 0)).toThrow("TransformerEncoder: numLayers must be a positive integer, got 0");
    const layer = new TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true });
    expect(() => layer.call(randn([2, 8]).reshape(16))).toThrow("TransformerEncoderLayer(d_model=8, nhead=2): expected src [N, S, 8] or [S, 8], got [16]");
  });
});

describe("TransformerDecoderLayer and TransformerDecoder", () => {
  it("state dict keys follow PyTorch", () => {
    const keys = [
      ...SELF_ATTN.map((k) => `self_attn.${k}`),
      ...SELF_ATTN.map((k) => `multihead_attn.${k}`),
      ...FEED_FORWARD,
      "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias", "norm3.weight", "norm3.bias",
    ];
    const layer = new TransformerDecoderLayer(8, 2, { dimFeedforward: 16 });
    expect(Object.keys(layer.stateDict())).toEqual(keys);
    expect(layer.namedChildren().map(([n]) => n)).toEqual([
      "self_attn", "multihead_attn", "linear1", "dropout", "linear2", "norm1", "norm2", "norm3", "dropout1", "dropout2", "dropout3",
    ]);
    const decoder = new TransformerDecoder(layer, 2, { norm: new LayerNorm(8) });
    expect(Object.keys(decoder.stateDict())).toEqual([...keys.map((k) => `layers.0.${k}`), ...keys.map((k) => `layers.1.${k}`), "norm.weight", "norm.bias"]);
  });

  it("uses PyTorch's defaults", () => {
    const layer = new TransformerDecoderLayer(16, 4);
    expect(layer.linear1.weight.shape).toEqual([2048, 16]);
    expect(layer.dropout.p).toBe(0.1);
    expect(layer.norm1.eps).toBe(1e-5);
    expect(layer.normFirst).toBe(false);
    expect(layer.batchFirst).toBe(false);
    expect(layer.selfAttn.numHeads).toBe(4);
    expect(layer.multiheadAttn.dropout).toBe(0.1);
  });

  it("tgtIsCausal is the square subsequent mask", () => {
    const layer = new TransformerDecoderLayer(8, 2, { dimFeedforward: 16, dropout: 0, dtype: "float64" });
    const tgt = randn([4, 2, 8], { dtype: "float64" });
    const memory = randn([3, 2, 8], { dtype: "float64" });
    const causal = layer.call(tgt, memory, { tgtIsCausal: true });
    const masked = layer.call(tgt, memory, { tgtMask: Transformer.generateSquareSubsequentMask(4, { dtype: "float64" }) });
    expect(causal.allclose(masked, 1e-12, 1e-12)).toBe(true);
  });

  it("explains bad input", () => {
    const layer = new TransformerDecoderLayer(8, 2, { dimFeedforward: 16 });
    expect(() => layer.call(randn([4, 2, 7]), randn([5, 2, 8]))).toThrow(
      "TransformerDecoderLayer(d_model=8, nhead=2): expected tgt [T, N, 8] or [T, 8], got [4, 2, 7]",
    );
    expect(() => layer.call(randn([4, 2, 8]), randn([5, 3, 8]))).toThrow(
      "TransformerDecoderLayer(d_model=8, nhead=2): expected memory [S, 2, 8] to match tgt [4, 2, 8], got [5, 3, 8]",
    );
    expect(() => layer.call(randn([4, 8]), randn([5, 2, 8]))).toThrow("expected memory [S, 8] to match tgt [4, 8], got [5, 2, 8]");
    const batchFirst = new TransformerDecoder(new TransformerDecoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true }), 3);
    expect(() => batchFirst.call(randn([2, 4, 8]), randn([3, 5, 8]))).toThrow(
      "TransformerDecoder(num_layers=3, d_model=8): expected memory [2, S, 8] to match tgt [2, 4, 8], got [3, 5, 8]",
    );
    expect(() => new TransformerDecoderLayer(8, 2, { activation: "tanh" as never })).toThrow(
      'TransformerDecoderLayer: activation must be "relu", "gelu" or a function, got tanh',
    );
    expect(() => new TransformerDecoder(new TransformerDecoderLayer(8, 2), 1, { norm: zeros([2]) as never })).toThrow(
      "TransformerDecoder: norm must be a Module (such as a LayerNorm) or null",
    );
  });
});

describe("Transformer", () => {
  it("builds PyTorch's structure: encoder and decoder stacks with final norms", () => {
    const model = new Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 2, numDecoderLayers: 1, dimFeedforward: 16 });
    const keys = Object.keys(model.stateDict());
    expect(keys.filter((k) => k.startsWith("encoder.layers.")).length).toBe(2 * 12);
    expect(keys.filter((k) => k.startsWith("decoder.layers.")).length).toBe(18);
    expect(keys.slice(0, 2)).toEqual(["encoder.layers.0.self_attn.in_proj_weight", "encoder.layers.0.self_attn.in_proj_bias"]);
    expect(keys).toContain("encoder.norm.weight");
    expect(keys.slice(-2)).toEqual(["decoder.norm.weight", "decoder.norm.bias"]);
    expect(model.encoder).toBeInstanceOf(TransformerEncoder);
    expect(model.decoder).toBeInstanceOf(TransformerDecoder);
    // Xavier-uniform for matrices: |w| ≤ √(6 / (fanIn + fanOut)).
    const w = model.getParameter("encoder.layers.0.linear1.weight");
    expect(w.abs().max().itemSync()).toBeLessThanOrEqual(Math.sqrt(6 / 24));
    // Different layers start from different values after the reset.
    expect(w.equal(model.getParameter("encoder.layers.1.linear1.weight"))).toBe(false);
  });

  it("PyTorch's defaults", () => {
    const model = new Transformer({ numEncoderLayers: 1, numDecoderLayers: 1 });
    expect(model.dModel).toBe(512);
    expect(model.nhead).toBe(8);
    expect((model.encoder as TransformerEncoder).layers.at(0)).toBeInstanceOf(TransformerEncoderLayer);
    expect(model.getParameter("encoder.layers.0.linear1.weight").shape).toEqual([2048, 512]);
  });

  it("accepts custom encoder and decoder", () => {
    const encoder = new TransformerEncoder(new TransformerEncoderLayer(8, 2, { dimFeedforward: 16 }), 1);
    const model = new Transformer({ dModel: 8, nhead: 2, numDecoderLayers: 1, dimFeedforward: 16, customEncoder: encoder });
    expect(model.encoder).toBe(encoder);
    expect(model.call(randn([5, 2, 8]), randn([3, 2, 8])).shape).toEqual([3, 2, 8]);
  });

  it("explains bad input", () => {
    const model = new Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 16 });
    expect(() => model.call(randn([5, 2, 8]), randn([3, 4, 8]))).toThrow(
      "Transformer(d_model=8, nhead=2): expected tgt [T, 2, 8] to match src [5, 2, 8], got [3, 4, 8]",
    );
    expect(() => model.call(randn([5, 2, 6]), randn([3, 2, 8]))).toThrow("Transformer(d_model=8, nhead=2): expected src [S, N, 8] or [S, 8], got [5, 2, 6]");
    expect(() => Transformer.generateSquareSubsequentMask(-1)).toThrow("size must be a non-negative integer, got -1");
    expect(() => model.call(randn([5, 2, 8]), randn([3, 2, 8]), { tgtMask: tensor([[true]]) })).toThrow("attnMask must be [3, 3] or [4, 3, 3], got [1, 1]");
  });
});
