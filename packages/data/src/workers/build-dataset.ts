/** Rebuilds a dataset from its description inside a worker thread. */
import { gatherRows } from "../collate/host-collate.js";
import { hostTensor, type HostTensor } from "../collate/host-tree.js";
import type { HostArraySpec } from "./spec.js";
import type { WorkerDatasetInit } from "./protocol.js";

/** A map-style dataset as seen in the worker; `getBatch` returns host tensors. */
export interface WorkerMapDataset {
  readonly length: number;
  getItem(index: number): unknown;
  getItems?(indices: readonly number[]): unknown;
  getBatch?(indices: readonly number[]): unknown;
}

export async function buildDataset(init: WorkerDatasetInit): Promise<unknown> {
  switch (init.kind) {
    case "module":
      return buildFromModule(init.module, init.export, init.args);
    case "tensors":
      return new SharedTensorDataset(init.tensors);
    case "array": {
      const items = init.items;
      return { length: items.length, getItem: (i: number) => items[i] };
    }
    case "subset": {
      const parent = (await buildDataset(init.dataset)) as WorkerMapDataset;
      const indices = init.indices;
      const map = (list: readonly number[]) => list.map((i) => indices[i]!);
      const subset: WorkerMapDataset = {
        length: indices.length,
        getItem: (i) => parent.getItem(indices[i]!),
      };
      if (parent.getBatch) {
        const parentBatch = parent.getBatch.bind(parent);
        (subset as { getBatch?: unknown }).getBatch = (list: readonly number[]) => parentBatch(map(list));
      }
      return subset;
    }
    case "concat": {
      const parts: WorkerMapDataset[] = [];
      for (const d of init.datasets) parts.push((await buildDataset(d)) as WorkerMapDataset);
      const ends: number[] = [];
      let total = 0;
      for (const p of parts) ends.push((total += p.length));
      return {
        length: total,
        getItem(i: number) {
          let k = 0;
          while (ends[k]! <= i) k++;
          return parts[k]!.getItem(k === 0 ? i : i - ends[k - 1]!);
        },
      };
    }
  }
}

async function buildFromModule(url: string, exportName: string, args: unknown[]): Promise<unknown> {
  const mod = (await import(url)) as Record<string, unknown>;
  const factory = mod[exportName];
  if (typeof factory !== "function") {
    const available = Object.keys(mod).join(", ") || "none";
    throw new TypeError(`worker dataset module ${url} has no function or class export "${exportName}" (exports: ${available})`);
  }
  const isClass = /^class[\s{]/.test(Function.prototype.toString.call(factory));
  const dataset = isClass
    ? new (factory as new (...a: unknown[]) => unknown)(...args)
    : await (factory as (...a: unknown[]) => unknown)(...args);
  if (dataset === null || typeof dataset !== "object") {
    throw new TypeError(`worker dataset export "${exportName}" of ${url} returned ${String(dataset)}, not a dataset`);
  }
  return dataset;
}

/** A TensorDataset rebuilt over shared memory: rows are views, batches are gathered copies. */
class SharedTensorDataset implements WorkerMapDataset {
  readonly length: number;
  private readonly rowLengths: number[];

  constructor(private readonly tensors: HostArraySpec[]) {
    this.length = tensors[0]!.shape[0]!;
    this.rowLengths = tensors.map((t) => t.shape.slice(1).reduce((a, b) => a * b, 1));
  }

  getItem(index: number): HostTensor[] {
    if (!(index >= 0 && index < this.length)) {
      throw new RangeError(`TensorDataset: index ${index} is out of range for a dataset of length ${this.length}`);
    }
    return this.tensors.map((t, k) => {
      const n = this.rowLengths[k]!;
      return hostTensor(t.dtype, t.shape.slice(1), (t.data as Float32Array).subarray(index * n, index * n + n));
    });
  }

  getBatch(indices: readonly number[]): HostTensor[] {
    for (const index of indices) {
      if (!(index >= 0 && index < this.length)) {
        throw new RangeError(`TensorDataset: index ${index} is out of range for a dataset of length ${this.length}`);
      }
    }
    return this.tensors.map((t) => gatherRows(t, indices));
  }
}
