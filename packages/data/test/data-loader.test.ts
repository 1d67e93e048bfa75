import { describe, expect, it } from "vitest";
import { Generator, arange, defaultGenerator, manualSeed, registerBackend, tensor, type Tensor } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import {
  BatchSampler,
  CollateError,
  DataLoader,
  DataLoaderError,
  IterableDataset,
  SequentialSampler,
  TensorDataset,
  sampleGenerator,
  type Dataset,
} from "@trek/data";
import { AsyncDataset, AugmentedDataset } from "./fixtures/augmented-dataset.js";
import { FailingDataset, RaggedDataset } from "./fixtures/faulty-datasets.js";
import { padCollate, SequenceDataset } from "./fixtures/variable-length.js";
import { epoch } from "./helpers.js";

registerBackend("cpu", () => new CpuBackend());

function range(n: number): Dataset<number> {
  return { length: n, getItem: (i) => i };
}

async function indicesOf(loader: DataLoader<number>): Promise<number[][]> {
  const out: number[][] = [];
  for await (const batch of loader) out.push(Array.from((batch as Tensor).dataSync() as BigInt64Array, Number));
  return out;
}

describe("DataLoader over a map-style dataset", () => {
  it("visits every sample exactly once per epoch, reshuffling each epoch", async () => {
    const loader = new DataLoader(range(37), { batchSize: 5, shuffle: true, seed: 3 });
    const orders: number[][] = [];
    for (let e = 0; e < 3; e++) {
      const batches = await indicesOf(loader);
      expect(batches.map((b) => b.length)).toEqual([5, 5, 5, 5, 5, 5, 5, 2]);
      const flat = batches.flat();
      expect([...flat].sort((a, b) => a - b)).toEqual([...Array(37).keys()]);
      orders.push(flat);
    }
    expect(orders[0]).not.toEqual(orders[1]);
    expect(orders[1]).not.toEqual(orders[2]);
  });

  it("length and dropLast: ceil(n/b) batches, or floor(n/b) with the short one dropped", async () => {
    for (const [n, b] of [[10, 3], [9, 3], [1, 4], [0, 2]] as const) {
      const keep = new DataLoader(range(n), { batchSize: b });
      const drop = new DataLoader(range(n), { batchSize: b, dropLast: true });
      expect(keep.length).toBe(Math.ceil(n / b));
      expect(drop.length).toBe(Math.floor(n / b));
      expect(await indicesOf(keep)).toHaveLength(keep.length);
      const dropped = await indicesOf(drop);
      expect(dropped).toHaveLength(drop.length);
      expect(dropped.every((batch) => batch.length === b)).toBe(true);
    }
  });

  it("the same seed gives the same batches; another seed other batches", async () => {
    const make = (seed: number) => new DataLoader(new AugmentedDataset(20), { batchSize: 4, shuffle: true, seed });
    const a = await epoch(make(5));
    expect(await epoch(make(5))).toEqual(a);
    expect(await epoch(make(6))).not.toEqual(a);
    const g1 = new Generator(8);
    const g2 = new Generator(8);
    expect(await epoch(new DataLoader(range(9), { shuffle: true, generator: g1 }))).toEqual(
      await epoch(new DataLoader(range(9), { shuffle: true, generator: g2 })),
    );
  });

  it("without a generator, manualSeed makes loading reproducible", async () => {
    manualSeed(123);
    const a = await epoch(new DataLoader(new AugmentedDataset(10), { batchSize: 3, shuffle: true }));
    manualSeed(123);
    const b = await epoch(new DataLoader(new AugmentedDataset(10), { batchSize: 3, shuffle: true }));
    expect(a).toEqual(b);
  });

  it("sampleGenerator gives each sample its own stream; outside a loader it is the default generator", async () => {
    const batches = (await epoch(new DataLoader(new AugmentedDataset(6), { batchSize: 6, seed: 1 }))) as { x: { values: number[] } }[];
    const noise = batches[0]!.x.values.filter((_, k) => k % 2 === 1);
    expect(new Set(noise).size).toBe(6);
    expect(sampleGenerator()).toBe(defaultGenerator);
  });

  it("TensorDataset batches are gathered with the same values as per-sample collation", async () => {
    const x = arange(40).reshape(10, 4).float();
    const y = arange(10);
    const ds = new TensorDataset(x, y);
    const fast = await epoch(new DataLoader(ds, { batchSize: 4, shuffle: true, seed: 2 }));
    const slow = await epoch(new DataLoader(ds, { batchSize: 4, shuffle: true, seed: 2, collateFn: (s, i) => defaultCollateOf(s, i) }));
    expect(fast).toEqual(slow);
    expect((fast[0] as { dtype: string }[])[1]!.dtype).toBe("int64");
  });

  it("a plain array is a dataset", async () => {
    const loader = new DataLoader([[1.5, 0], [2.5, 1], [3.5, 0]], { batchSize: 2 });
    expect(await epoch(loader)).toEqual([
      [
        { dtype: "float32", shape: [2], values: [1.5, 2.5] },
        { dtype: "int64", shape: [2], values: [0, 1] },
      ],
      [
        { dtype: "float32", shape: [1], values: [3.5] },
        { dtype: "int64", shape: [1], values: [0] },
      ],
    ]);
  });

  it("async getItem and getItems are awaited", async () => {
    const batches = (await epoch(new DataLoader(new AsyncDataset(5), { batchSize: 5 }))) as { values: number[] }[][];
    expect(batches[0]![0]!.values).toEqual([0, 1, 2, 3, 4]);
    const many: Dataset<number> & { calls: number } = {
      length: 6,
      calls: 0,
      getItem: () => {
        throw new Error("getItems should be used");
      },
      getItems(indices) {
        this.calls++;
        return Promise.resolve(indices.map((i) => i * 2));
      },
    };
    expect((await epoch(new DataLoader(many, { batchSize: 4 }))).length).toBe(2);
    expect(many.calls).toBe(2);
  });

  it("batchSize null yields converted samples one by one", async () => {
    const loader = new DataLoader([new Float32Array([1, 2]), new Float32Array([3, 4])], { batchSize: null });
    expect(loader.length).toBe(2);
    expect(await epoch(loader)).toEqual([
      { dtype: "float32", shape: [2], values: [1, 2] },
      { dtype: "float32", shape: [2], values: [3, 4] },
    ]);
  });

  it("accepts a custom sampler (any iterable) and a custom batchSampler", async () => {
    const reversed = { *[Symbol.iterator]() { for (let i = 5; i >= 0; i--) yield i; } };
    const loader = new DataLoader(range(6), { batchSize: 4, sampler: reversed });
    expect(await indicesOf(loader)).toEqual([[5, 4, 3, 2], [1, 0]]);
    expect(() => loader.length).toThrow(/sampler has no length/);
    const batches = new DataLoader(range(7), { batchSampler: new BatchSampler(new SequentialSampler(7), 3, true) });
    expect(batches.length).toBe(2);
    expect(batches.batchSize).toBeNull();
    expect(await indicesOf(batches)).toEqual([[0, 1, 2], [3, 4, 5]]);
    const lists = new DataLoader(range(7), { batchSampler: [[6, 0], [1]] });
    expect(await indicesOf(lists)).toEqual([[6, 0], [1]]);
  });

  it("a custom collateFn handles variable-length samples", async () => {
    const loader = new DataLoader(new SequenceDataset(5), { batchSize: 3, collateFn: padCollate });
    const batches = await epoch(loader);
    expect(batches[0]).toEqual({ padded: [[0, -1, -1], [10, 11, -1], [20, 21, 22]], lengths: [1, 2, 3] });
    expect(batches[1]).toEqual({ padded: [[30, 31, 32, 33], [40, -1, -1, -1]], lengths: [4, 1] });
  });

  it("a getItem error names the dataset index and the batch", async () => {
    const loader = new DataLoader(new FailingDataset(10, 7), { batchSize: 3 });
    const error = await epoch(loader).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataLoaderError);
    expect((error as Error).message).toMatch(/dataset.getItem\(7\) failed while loading batch 2: Error: corrupt record 7/);
    expect((error as DataLoaderError).datasetIndex).toBe(7);
    expect(((error as Error).cause as Error).message).toBe("corrupt record 7");
  });

  it("inconsistent sample shapes give a collate error naming the index and both shapes", async () => {
    const loader = new DataLoader(new RaggedDataset(8, 5), { batchSize: 4 });
    const error = await epoch(loader).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CollateError);
    expect((error as Error).message).toMatch(/dataset index 5 has shape \[4\] at batch\[0\], but dataset index 4 has shape \[3\]/);
  });

  it("validates options like PyTorch", () => {
    expect(() => new DataLoader(range(3), { sampler: [0, 1], shuffle: true })).toThrow(/sampler option is mutually exclusive with shuffle/);
    expect(() => new DataLoader(range(3), { batchSampler: [[0]], batchSize: 2 })).toThrow(/mutually exclusive with batchSize/);
    expect(() => new DataLoader(range(3), { batchSize: null, dropLast: true })).toThrow(/mutually exclusive with dropLast/);
    expect(() => new DataLoader(range(3), { numWorkers: -1 })).toThrow(/numWorkers option should be a non-negative integer, got -1/);
    expect(() => new DataLoader(range(3), { prefetchFactor: 2 })).toThrow(/prefetchFactor option could only be specified with numWorkers > 0/);
    expect(() => new DataLoader(range(3), { persistentWorkers: true })).toThrow(/persistentWorkers option needs numWorkers > 0/);
    expect(() => new DataLoader(range(3), { batchSize: 0 })).toThrow(/batchSize should be a positive integer or null, got 0/);
    expect(() => new DataLoader(42 as never)).toThrow(/expected a dataset/);
  });
});

class Counter extends IterableDataset<number> {
  closed = false;
  constructor(readonly n: number) {
    super();
  }
  override get length(): number {
    return this.n;
  }
  override *[Symbol.iterator](): Iterator<number> {
    try {
      for (let i = 0; i < this.n; i++) yield i;
    } finally {
      this.closed = true;
    }
  }
}

describe("DataLoader over an iterable dataset", () => {
  it("batches the stream in order, with dropLast and length", async () => {
    expect(await indicesOf(new DataLoader(new Counter(7), { batchSize: 3 }) as DataLoader<number>)).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    const drop = new DataLoader(new Counter(7), { batchSize: 3, dropLast: true });
    expect(drop.length).toBe(2);
    expect(await indicesOf(drop as DataLoader<number>)).toEqual([[0, 1, 2], [3, 4, 5]]);
    expect(new DataLoader(new Counter(7), { batchSize: 3 }).length).toBe(3);
  });

  it("async generators work, and iterable datasets refuse shuffle and samplers", async () => {
    async function* stream() {
      yield 1;
      yield 2;
    }
    const loader = new DataLoader({ [Symbol.asyncIterator]: stream }, { batchSize: 2 });
    expect(await epoch(loader)).toEqual([{ dtype: "int64", shape: [2], values: [1, 2] }]);
    expect(() => loader.length).toThrow(/has no length/);
    expect(() => new DataLoader(new Counter(3), { shuffle: true })).toThrow(/expected unspecified shuffle option/);
    expect(() => new DataLoader(new Counter(3), { sampler: [0] })).toThrow(/expected unspecified sampler option/);
  });

  it("break stops the stream (its finally block runs)", async () => {
    const source = new Counter(100);
    for await (const batch of new DataLoader(source, { batchSize: 4 })) {
      expect((batch as Tensor).shape).toEqual([4]);
      break;
    }
    expect(source.closed).toBe(true);
  });
});

function defaultCollateOf(samples: Tensor[][], _indices?: readonly number[]): Tensor[] {
  // Independent of the loader's fast path: stack each field by hand from its rows.
  return samples[0]!.map((_, field) => tensor(samples.map((s) => s[field]!.tolistSync()) as number[][], { dtype: samples[0]![field]!.dtype }));
}
