import { describe, expect, it } from "vitest";
import { Generator, manualSeed, registerBackend, tensor } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import {
  BatchSampler,
  DataError,
  RandomSampler,
  SequentialSampler,
  SubsetRandomSampler,
  WeightedRandomSampler,
} from "@trek/data";
import { CHI_SQUARE_999, chiSquare, reference } from "./helpers.js";

registerBackend("cpu", () => new CpuBackend());

function counts(values: Iterable<number>, size: number): number[] {
  const out = new Array<number>(size).fill(0);
  for (const v of values) out[v]!++;
  return out;
}

describe("SequentialSampler", () => {
  it("yields 0..n-1 in order, from a length or a dataset", () => {
    expect([...new SequentialSampler(5)]).toEqual([0, 1, 2, 3, 4]);
    expect([...new SequentialSampler({ length: 3 })]).toEqual([0, 1, 2]);
    expect(new SequentialSampler(7).length).toBe(7);
  });
});

describe("RandomSampler", () => {
  it("visits every index exactly once per epoch and reshuffles each epoch", () => {
    const sampler = new RandomSampler(50, { generator: new Generator(1) });
    const epochs = [0, 1, 2].map(() => [...sampler]);
    for (const order of epochs) expect([...order].sort((a, b) => a - b)).toEqual([...Array(50).keys()]);
    expect(epochs[0]).not.toEqual(epochs[1]);
    expect(epochs[1]).not.toEqual(epochs[2]);
  });

  it("is reproducible from a seed, and follows manualSeed without a generator", () => {
    expect([...new RandomSampler(20, { generator: new Generator(3) })]).toEqual([...new RandomSampler(20, { generator: new Generator(3) })]);
    manualSeed(11);
    const a = [...new RandomSampler(20)];
    manualSeed(11);
    const b = [...new RandomSampler(20)];
    expect(a).toEqual(b);
  });

  it("numSamples above n without replacement repeats whole permutations, then a partial one", () => {
    const order = [...new RandomSampler(4, { numSamples: 10, generator: new Generator(0) })];
    expect(order).toHaveLength(10);
    expect([...order.slice(0, 4)].sort()).toEqual([0, 1, 2, 3]);
    expect([...order.slice(4, 8)].sort()).toEqual([0, 1, 2, 3]);
    expect(new Set(order.slice(8)).size).toBe(2);
  });

  it("with replacement draws uniformly (chi-square)", () => {
    const n = 10;
    const draws = [...new RandomSampler(n, { replacement: true, numSamples: 20_000, generator: new Generator(5) })];
    expect(draws).toHaveLength(20_000);
    const stat = chiSquare(counts(draws, n), new Array(n).fill(2000));
    expect(stat).toBeLessThan(CHI_SQUARE_999[9]!);
  });

  it("rejects a bad numSamples", () => {
    expect(() => new RandomSampler(5, { numSamples: 0 })).toThrow(/numSamples should be a positive integer, got 0/);
  });
});

describe("SubsetRandomSampler", () => {
  it("visits each given index exactly once per epoch", () => {
    const indices = [3, 9, 12, 40, 41];
    const sampler = new SubsetRandomSampler(indices, { generator: new Generator(2) });
    for (let e = 0; e < 3; e++) expect([...sampler].sort((a, b) => a - b)).toEqual(indices);
    expect(sampler.length).toBe(5);
  });
});

describe("WeightedRandomSampler", () => {
  const weights = [1, 2, 3, 4, 0, 10];
  const total = 20;

  it("with replacement, frequencies match the weights (chi-square) and zero weights never appear", () => {
    const numSamples = 40_000;
    const draws = [...new WeightedRandomSampler(weights, numSamples, { generator: new Generator(9) })];
    const observed = counts(draws, weights.length);
    expect(observed[4]).toBe(0);
    const positive = [0, 1, 2, 3, 5];
    const stat = chiSquare(
      positive.map((i) => observed[i]!),
      positive.map((i) => (numSamples * weights[i]!) / total),
    );
    expect(stat).toBeLessThan(CHI_SQUARE_999[4]!);
  });

  it("accepts a tensor of weights", () => {
    const sampler = new WeightedRandomSampler(tensor([0, 0, 5]), 10, { generator: new Generator(1) });
    expect([...sampler]).toEqual(new Array(10).fill(2));
  });

  it("without replacement draws distinct indices; the first draw follows the weights", () => {
    const generator = new Generator(4);
    const sampler = new WeightedRandomSampler(weights, 5, { replacement: false, generator });
    for (let e = 0; e < 5; e++) expect([...sampler].sort()).toEqual([0, 1, 2, 3, 5]);
    const first = new WeightedRandomSampler(weights, 1, { replacement: false, generator });
    const epochs = 20_000;
    const observed = counts(
      Array.from({ length: epochs }, () => [...first][0]!),
      weights.length,
    );
    expect(observed[4]).toBe(0);
    const positive = [0, 1, 2, 3, 5];
    const stat = chiSquare(
      positive.map((i) => observed[i]!),
      positive.map((i) => (epochs * weights[i]!) / total),
    );
    expect(stat).toBeLessThan(CHI_SQUARE_999[4]!);
  });

  it("rejects negative, non-finite or all-zero weights, and impossible draws", () => {
    expect(() => new WeightedRandomSampler([1, -1], 2)).toThrow(/weights\[1\] = -1/);
    expect(() => new WeightedRandomSampler([1, Number.NaN], 2)).toThrow(/weights\[1\] = NaN/);
    expect(() => new WeightedRandomSampler([0, 0], 2)).toThrow(/sum to 0/);
    expect(() => new WeightedRandomSampler([1, 0, 1], 3, { replacement: false })).toThrow(/cannot draw 3 samples without replacement from 2/);
  });
});

describe("BatchSampler", () => {
  it("matches PyTorch's batches and lengths for every n, batch size and dropLast", () => {
    expect(reference.batchSampler.length).toBeGreaterThan(100);
    for (const c of reference.batchSampler) {
      const sampler = new BatchSampler(new SequentialSampler(c.n), c.batchSize, c.dropLast);
      expect([...sampler], JSON.stringify(c)).toEqual(c.batches);
      expect(sampler.length).toBe(c.length);
    }
  });

  it("dropLast math: floor(n / b) batches with dropLast, ceil(n / b) without", () => {
    for (let n = 0; n < 30; n++) {
      for (let b = 1; b < 8; b++) {
        expect(new BatchSampler(new SequentialSampler(n), b, true).length).toBe(Math.floor(n / b));
        expect(new BatchSampler(new SequentialSampler(n), b, false).length).toBe(Math.ceil(n / b));
      }
    }
  });

  it("works over any iterable of indices (a user sampler) and reports unknown lengths", () => {
    function* evens() {
      for (let i = 0; i < 10; i += 2) yield i;
    }
    const sampler = new BatchSampler({ [Symbol.iterator]: evens }, 2);
    expect([...sampler]).toEqual([[0, 2], [4, 6], [8]]);
    expect(() => sampler.length).toThrow(/sampler has no length/);
  });

  it("rejects a bad batch size", () => {
    expect(() => new BatchSampler(new SequentialSampler(3), 0)).toThrow(DataError);
    expect(() => new BatchSampler(new SequentialSampler(3), 1.5)).toThrow(/positive integer, got 1.5/);
  });
});
