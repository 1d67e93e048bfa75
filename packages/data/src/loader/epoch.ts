/** What one pass over the data needs, shared by the single-process and worker iterators. */
import { DataLoaderError } from "../errors.js";
import type { SerializedError } from "../workers/protocol.js";
import { reviveError } from "../workers/pool.js";
import { FetchError } from "../workers/fetch.js";
import type { CollateFn } from "./options.js";

export interface EpochPlan {
  readonly dataset: unknown;
  readonly iterable: boolean;
  /** Index lists, one per item the loader yields (single-index lists when batching is off). */
  readonly batches: Iterator<readonly number[]> | null;
  /** Whether samples are collated into batches (false with `batchSize: null`). */
  readonly batched: boolean;
  /** Samples per batch of an iterable dataset. */
  readonly batchSize: number;
  readonly dropLast: boolean;
  /** The user's collate function, or null for the default collate. */
  readonly collateFn: CollateFn<unknown, unknown> | null;
  /** Seed of this epoch, drawn from the loader's generator when the epoch starts. */
  readonly epochSeed: number;
  readonly timeout: number;
}

/** A main-thread `getItem` failure as a loader error naming the index and batch. */
export function fetchFailure(err: unknown, batchIndex: number): unknown {
  if (!(err instanceof FetchError)) return err;
  const cause = err.cause as Error | undefined;
  const what = err.datasetIndex === undefined ? "dataset.getItems" : `dataset.getItem(${err.datasetIndex})`;
  return new DataLoaderError(`DataLoader: ${what} failed while loading batch ${batchIndex}: ${describeError(cause)}`, {
    batchIndex,
    datasetIndex: err.datasetIndex,
    cause,
  });
}

/** A worker's error reply as a loader error naming the worker, batch and index. */
export function workerFailure(error: SerializedError, workerId: number, batchIndex: number): DataLoaderError {
  const at = error.datasetIndex === undefined ? "" : ` at dataset index ${error.datasetIndex}`;
  return new DataLoaderError(
    `DataLoader worker ${workerId} failed while loading batch ${batchIndex}${at}: ${error.name}: ${error.message}`,
    { workerId, batchIndex, datasetIndex: error.datasetIndex, cause: reviveError(error) },
  );
}

function describeError(err: Error | undefined): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

/** Resolves `promise`, or rejects after `ms` milliseconds (0: never). */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: () => string): Promise<T> {
  if (!(ms > 0)) return promise;
  let timer: ReturnType<typeof setTimeout>;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DataLoaderError(`DataLoader: timed out after ${ms} ms waiting for ${what()}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
