import { describe, expect, it } from "vitest";
import { Generator, ones, randn, registerBackend } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { Dropout, Dropout2d, Linear, ReLU, Sequential, functional as F } from "@trek/nn";

registerBackend("cpu", () => new CpuBackend());

describe("Dropout (an overfitting remedy): active in training, off in eval", () => {
  it("zeroes about p of the elements and rescales the rest during training", () => {
    const x = ones([200, 200]);
    const y = new Dropout(0.3).call(x);
    const values = y.dataSync() as Float32Array;
    let zeros = 0;
    for (const v of values) {
      if (v === 0) zeros++;
      else expect(v).toBeCloseTo(1 / 0.7, 5);
    }
    expect(zeros / values.length).toBeCloseTo(0.3, 1);
    // The expectation is preserved.
    expect(y.mean().itemSync()).toBeCloseTo(1, 1);
  });

  it("is the identity in eval mode, so predictions are deterministic", () => {
    const model = new Sequential(new Linear(8, 16), new ReLU(), new Dropout(0.5), new Linear(16, 2));
    const x = randn([4, 8]);
    model.train();
    expect(model.call(x).equal(model.call(x))).toBe(false);
    model.eval();
    const a = model.call(x);
    expect(a.equal(model.call(x))).toBe(true);
    const dropout = model.at(2) as Dropout;
    const h = randn([3, 3]);
    expect(dropout.call(h)).toBe(h);
  });

  it("gradients flow only through kept elements", () => {
    const x = ones([50, 50], { requiresGrad: true });
    const y = F.dropout(x, { p: 0.5, generator: new Generator(3) });
    y.sum().backward();
    const kept = y.ne(0);
    expect(x.grad!.equal(kept.float().mul(2))).toBe(true);
  });

  it("Dropout2d drops whole channels", () => {
    const y = new Dropout2d(0.5).call(ones([4, 16, 3, 3]));
    const perChannel = y.amax([2, 3]).tolistSync() as number[][];
    const channelMin = y.amin([2, 3]).tolistSync() as number[][];
    expect(perChannel.flat()).toEqual(channelMin.flat());
    expect(new Set(perChannel.flat())).toEqual(new Set([0, 2]));
  });

  it("validates p", () => {
    expect(() => new Dropout(1.5)).toThrow("Dropout: probability p must be in [0, 1], got 1.5");
    expect(F.dropout(ones([3]), { p: 1 }).tolistSync()).toEqual([0, 0, 0]);
  });
});
