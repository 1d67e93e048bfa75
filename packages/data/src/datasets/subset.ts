/** Subset: a view of a dataset restricted to some indices. */
import { IndexError } from "@trek/tensor";
import { DataError } from "../errors.js";
import type { Dataset } from "./dataset.js";
import type { WorkerDatasetSpec } from "../workers/spec.js";
import { describeDataset } from "../workers/describe.js";

/**
 * The samples of `dataset` at `indices`, in that order, like `torch.utils.data.Subset`.
 * @example const firstHundred = new Subset(ds, Array.from({ length: 100 }, (_, i) => i));
 */
export class Subset<S = unknown> implements Dataset<S> {
  readonly indices: Int32Array;

  constructor(
    readonly dataset: Dataset<S>,
    indices: ArrayLike<number>,
  ) {
    const n = dataset.length;
    this.indices = Int32Array.from(indices as ArrayLike<number>);
    for (let i = 0; i < indices.length; i++) {
      const index = indices[i]!;
      if (!Number.isInteger(index) || index < 0 || index >= n) {
        throw new DataError(`Subset: indices[${i}] = ${index} is out of range for a dataset of length ${n}`);
      }
    }
  }

  get length(): number {
    return this.indices.length;
  }

  getItem(index: number): S | Promise<S> {
    return this.dataset.getItem(this.parentIndex(index));
  }

  getItems(indices: readonly number[]): S[] | Promise<S[]> {
    const parent = indices.map((i) => this.parentIndex(i));
    if (this.dataset.getItems) return this.dataset.getItems(parent);
    const items = parent.map((i) => this.dataset.getItem(i));
    return items.some(isPromise) ? Promise.all(items) : (items as S[]);
  }

  /** Present only when the wrapped dataset can build whole batches itself. */
  get getBatch(): ((indices: readonly number[]) => unknown) | undefined {
    const parentBatch = this.dataset.getBatch;
    if (!parentBatch) return undefined;
    return (indices) => parentBatch.call(this.dataset, indices.map((i) => this.parentIndex(i)));
  }

  async workerInit(): Promise<WorkerDatasetSpec> {
    return { kind: "subset", dataset: await describeDataset(this.dataset), indices: this.indices };
  }

  private parentIndex(index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.indices.length) {
      throw new IndexError(`Subset: index ${index} is out of range for a subset of length ${this.indices.length}`);
    }
    return this.indices[index]!;
  }
}

export function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as Promise<unknown>)?.then === "function";
}
