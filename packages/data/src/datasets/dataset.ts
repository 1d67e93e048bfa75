/** The two dataset shapes the loader understands, as in PyTorch: map-style and iterable. */
import type { WorkerDatasetSpec } from "../workers/spec.js";

/**
 * A map-style dataset: `length` samples addressed by index, like `torch.utils.data.Dataset`
 * (`__len__` + `__getitem__`). `getItem` may be synchronous or return a promise.
 *
 * Optional members let a dataset go faster or run in worker threads:
 * - `getItems(indices)`: fetch several samples at once (PyTorch's `__getitems__`).
 * - `getBatch(indices)`: return an already-collated batch; used instead of `getItem` + collate
 *   when the loader uses the default collate. Must equal what `defaultCollate` would produce.
 * - `workerInit()`: describe how to rebuild this dataset inside a worker (see `WorkerDatasetSpec`).
 */
export interface Dataset<S = unknown> {
  readonly length: number;
  getItem(index: number): S | Promise<S>;
  getItems?(indices: readonly number[]): S[] | Promise<S[]>;
  getBatch?(indices: readonly number[]): unknown;
  workerInit?(): WorkerDatasetSpec | Promise<WorkerDatasetSpec>;
}

/**
 * An iterable-style dataset (a stream of samples), like `torch.utils.data.IterableDataset`.
 * Subclasses implement `[Symbol.iterator]` or `[Symbol.asyncIterator]`. In worker threads every
 * worker iterates its own copy: use `getWorkerInfo()` to give each worker its own shard.
 */
export abstract class IterableDataset<S = unknown> {
  /** Number of samples if known (lets `DataLoader.length` work); undefined otherwise. */
  get length(): number | undefined {
    return undefined;
  }
  /** Describes how to rebuild this dataset in a worker; override (or pass the loader's `worker` option). */
  workerInit?(): WorkerDatasetSpec | Promise<WorkerDatasetSpec>;
}
export interface IterableDataset<S> {
  [Symbol.iterator]?(): Iterator<S>;
  [Symbol.asyncIterator]?(): AsyncIterator<S>;
}

/** Anything iterable-style: an `IterableDataset` or any (async) iterable that is not map-style. */
export type IterableSource<S> = IterableDataset<S> | Iterable<S> | AsyncIterable<S>;

/** Whether `value` is a map-style dataset (has `length` and `getItem`). */
export function isMapDataset<S>(value: unknown): value is Dataset<S> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Dataset).getItem === "function" &&
    typeof (value as Dataset).length === "number"
  );
}

/** Whether `value` is iterable-style (and not map-style, not a plain array). */
export function isIterableDataset<S>(value: unknown): value is IterableSource<S> {
  if (typeof value !== "object" || value === null || Array.isArray(value) || isMapDataset(value)) return false;
  return (
    typeof (value as Iterable<S>)[Symbol.iterator] === "function" ||
    typeof (value as AsyncIterable<S>)[Symbol.asyncIterator] === "function"
  );
}

/** A short name for error messages. */
export function datasetName(dataset: unknown): string {
  if (Array.isArray(dataset)) return `Array(${dataset.length})`;
  const name = (dataset as { constructor?: { name?: string } })?.constructor?.name;
  return name && name !== "Object" ? name : "dataset";
}
