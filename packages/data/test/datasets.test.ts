import { describe, expect, it } from "vitest";
import { Generator, arange, registerBackend, tensor, zeros } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { ConcatDataset, DataError, Subset, TensorDataset, randomSplit, type Dataset } from "@trek/data";
import { reference } from "./helpers.js";

registerBackend("cpu", () => new CpuBackend());

function range(n: number): Dataset<number> {
  return { length: n, getItem: (i) => i };
}

describe("TensorDataset", () => {
  it("returns row views of every tensor and whole batches by gathering", () => {
    const x = arange(12).reshape(4, 3).float();
    const y = tensor([10n, 11n, 12n, 13n]);
    const ds = new TensorDataset(x, y);
    expect(ds.length).toBe(4);
    const [row, label] = ds.getItem(2);
    expect(row!.tolistSync()).toEqual([6, 7, 8]);
    expect(label!.itemSync()).toBe(12);
    const [xb, yb] = ds.getBatch([3, 0, 3]);
    expect(xb!.tolistSync()).toEqual([[9, 10, 11], [0, 1, 2], [9, 10, 11]]);
    expect(yb!.dtype).toBe("int64");
    expect(yb!.tolistSync()).toEqual([13, 10, 13]);
  });

  it("describes itself to workers once, through shared memory", async () => {
    const ds = new TensorDataset(arange(6).reshape(3, 2).float(), tensor([1n, 2n, 3n]));
    const spec = (await ds.workerInit()) as { kind: string; tensors: { dtype: string; shape: number[]; data: ArrayBufferView }[] };
    expect(spec.kind).toBe("tensors");
    expect(spec.tensors.map((t) => [t.dtype, t.shape])).toEqual([["float32", [3, 2]], ["int64", [3]]]);
    for (const t of spec.tensors) expect(t.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(spec.tensors[0]!.data as Float32Array)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(await ds.workerInit()).toBe(spec); // cached: later loaders and epochs reuse the same memory
  });

  it("rejects tensors of different lengths and out-of-range indices, naming both", () => {
    expect(() => new TensorDataset(zeros(4, 2), zeros(5))).toThrow(/tensor 0 has shape \[4, 2\], tensor 1 has shape \[5\]/);
    const ds = new TensorDataset(zeros(4, 2));
    expect(() => ds.getItem(4)).toThrow(/index 4 is out of range for a dataset of length 4/);
    expect(() => ds.getBatch([0, -1])).toThrow(/index -1 is out of range/);
  });
});

describe("Subset and ConcatDataset", () => {
  it("Subset maps indices into the parent and validates them", () => {
    const sub = new Subset(range(10), [7, 2, 5]);
    expect(sub.length).toBe(3);
    expect([0, 1, 2].map((i) => sub.getItem(i))).toEqual([7, 2, 5]);
    expect(() => new Subset(range(3), [0, 3])).toThrow(/indices\[1\] = 3 is out of range for a dataset of length 3/);
    expect(() => sub.getItem(3)).toThrow(/index 3 is out of range for a subset of length 3/);
  });

  it("Subset of a TensorDataset keeps the fast batch path", () => {
    const sub = new Subset(new TensorDataset(arange(5).float()), [4, 1]);
    expect(sub.getBatch!([1, 0])).toHaveLength(1);
    expect((sub.getBatch!([1, 0]) as ReturnType<TensorDataset["getBatch"]>)[0]!.tolistSync()).toEqual([1, 4]);
  });

  it("ConcatDataset reads across the boundaries of its parts", () => {
    const all = new ConcatDataset([range(3), { length: 0, getItem: () => -1 }, { length: 2, getItem: (i) => 100 + i }]);
    expect(all.length).toBe(5);
    expect([0, 1, 2, 3, 4].map((i) => all.getItem(i))).toEqual([0, 1, 2, 100, 101]);
    expect(all.cumulativeSizes).toEqual([3, 3, 5]);
    expect(() => all.getItem(5)).toThrow(/index 5 is out of range for a dataset of length 5/);
    expect(() => new ConcatDataset([])).toThrow(DataError);
  });
});

describe("randomSplit", () => {
  it("turns fractions into the same lengths as PyTorch", () => {
    for (const c of reference.randomSplit) {
      const parts = randomSplit(range(c.n), c.fractions, { generator: new Generator(0) });
      expect(parts.map((p) => p.length), JSON.stringify(c)).toEqual(c.lengths);
    }
  });

  it("splits into disjoint subsets that cover the dataset, reproducibly for a seed", () => {
    const parts = randomSplit(range(50), [20, 25, 5], { generator: new Generator(42) });
    const seen = parts.flatMap((p) => Array.from({ length: p.length }, (_, i) => p.getItem(i) as number));
    expect([...seen].sort((a, b) => a - b)).toEqual([...Array(50).keys()]);
    const again = randomSplit(range(50), [20, 25, 5], { generator: new Generator(42) });
    expect(Array.from(again[0]!.indices)).toEqual(Array.from(parts[0]!.indices));
    const other = randomSplit(range(50), [20, 25, 5], { generator: new Generator(43) });
    expect(Array.from(other[0]!.indices)).not.toEqual(Array.from(parts[0]!.indices));
  });

  it("rejects lengths that do not add up", () => {
    expect(() => randomSplit(range(10), [3, 3])).toThrow(/sum of input lengths \(6\) does not equal the length of the dataset \(10\)/);
    expect(() => randomSplit(range(10), [2.5, 7.5])).toThrow(/must be a non-negative integer/);
  });
});
