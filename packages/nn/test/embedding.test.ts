import { describe, expect, it } from "vitest";
import { registerBackend, tensor, zeros, type DType } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { Embedding } from "@trek/nn";
import { checkAgainstFixture, expectClose, loadFixtures, tolerance, type FixtureTensor } from "./helpers.js";

registerBackend("cpu", () => new CpuBackend());

const cases = loadFixtures("embedding");
const DTYPES: DType[] = ["float32", "float64"];

describe("Embedding matches PyTorch", () => {
  for (const dtype of DTYPES) {
    for (const [name, c] of Object.entries(cases)) {
      it(`${name} (${dtype})`, () => {
        const m = c.module as { num: number; dim: number; paddingIdx?: number; maxNorm?: number; normType?: number; scaleGradByFreq?: boolean };
        const layer = new Embedding(m.num, m.dim, {
          paddingIdx: m.paddingIdx ?? null,
          maxNorm: m.maxNorm ?? null,
          normType: m.normType,
          scaleGradByFreq: m.scaleGradByFreq,
        });
        checkAgainstFixture(name, c, dtype, layer, (x) => layer.call(x.indices!));
        // max_norm renormalizes the looked-up rows of the weight in place.
        const after = (c as { weightAfter?: FixtureTensor }).weightAfter;
        if (after) expectClose(layer.weight, after, tolerance(dtype), `${name} ${dtype} weight after the call`);
      });
    }
  }
});

describe("Embedding", () => {
  it("starts the padding row at zero and never trains it", () => {
    const layer = new Embedding(5, 3, { paddingIdx: -1 });
    expect(layer.paddingIdx).toBe(4);
    expect(Array.from(layer.weight.select(0, 4).dataSync() as Float32Array)).toEqual([0, 0, 0]);
    layer.call(tensor([4n, 4n, 1n])).sum().backward();
    expect(Array.from(layer.weight.grad!.select(0, 4).dataSync() as Float32Array)).toEqual([0, 0, 0]);
    expect(Array.from(layer.weight.grad!.select(0, 1).dataSync() as Float32Array)).toEqual([1, 1, 1]);
  });

  it("fromPretrained copies the vectors and freezes them by default", () => {
    const vectors = tensor([[1, 2], [3, 4], [5, 6]]);
    const frozen = Embedding.fromPretrained(vectors);
    expect(frozen.weight.requiresGrad).toBe(false);
    expect(frozen.call(tensor([2n, 0n])).tolistSync()).toEqual([[5, 6], [1, 2]]);
    const trainable = Embedding.fromPretrained(vectors, { freeze: false, paddingIdx: 0 });
    expect(trainable.weight.requiresGrad).toBe(true);
    // The padding row keeps its pretrained values, as in PyTorch.
    expect(trainable.call(tensor([0n])).tolistSync()).toEqual([[1, 2]]);
    vectors.mul_(0);
    expect(frozen.call(tensor([1n])).tolistSync()).toEqual([[3, 4]]);
  });

  it("maxNorm renormalizes only the looked-up rows, and prints like PyTorch", () => {
    const layer = Embedding.fromPretrained(tensor([[3, 4], [6, 8], [0.3, 0.4]], { dtype: "float64" }), { maxNorm: 1 });
    expect(layer.call(tensor([0n, 2n, 0n])).tolistSync()).toEqual([[0.6 / (1 + 2e-8), 0.8 / (1 + 2e-8)].map((v) => expect.closeTo(v, 12)), [0.3, 0.4], [0.6 / (1 + 2e-8), 0.8 / (1 + 2e-8)].map((v) => expect.closeTo(v, 12))]);
    expect(layer.weight.select(1, 0).tolistSync()).toEqual([expect.closeTo(0.6, 6), 6, 0.3]);
    expect(layer.reprTree()).toBe("Embedding(3, 2, max_norm=1.0)");
    expect(new Embedding(4, 2, { paddingIdx: 0, maxNorm: 0.5, normType: 1 }).reprTree()).toBe("Embedding(4, 2, padding_idx=0, max_norm=0.5, norm_type=1.0)");
    expect(() => new Embedding(4, 2, { maxNorm: -1 })).toThrow("Embedding: maxNorm must be non-negative, got -1");
  });

  it("rejects float indices and out-of-range indices clearly", () => {
    const layer = new Embedding(4, 2);
    expect(() => layer.call(zeros([3]))).toThrow("Embedding(4, 2): expected integer indices (int64 or int32), got float32 [3]");
    expect(() => layer.call(tensor([1n, 7n]))).toThrow("embedding: an index is out of range for 4 embeddings");
  });
});

describe("Embedding scaleGradByFreq", () => {
  it("divides each position's gradient by its index's frequency and prints like PyTorch", () => {
    const layer = new Embedding(4, 2, { scaleGradByFreq: true });
    expect(layer.reprTree()).toBe("Embedding(4, 2, scale_grad_by_freq=True)");
    layer.call(tensor([3n, 1n, 3n, 3n])).sum().backward();
    const grad = Array.from(layer.weight.grad!.dataSync() as Float32Array);
    expect(grad).toEqual([0, 0, 1, 1, 0, 0, 1, 1]);
  });
});
