/** DataLoader options and their validation (the same rules and messages as PyTorch's). */
import type { Generator } from "@trek/tensor";
import { DataError } from "../errors.js";
import type { WorkerDatasetSpec } from "../workers/spec.js";

/** Builds a batch from samples; `indices` are their dataset indices (undefined for iterable datasets). */
export type CollateFn<S, B> = (samples: S[], indices?: readonly number[]) => B | Promise<B>;

export interface DataLoaderOptions<S = unknown, B = unknown> {
  /** Samples per batch (default 1); null turns batching off (one converted sample per item). */
  batchSize?: number | null;
  /** Reshuffle the data every epoch (a RandomSampler driven by `generator`/`seed`). */
  shuffle?: boolean;
  /** Any iterable of dataset indices (a Sampler); excludes `shuffle`. */
  sampler?: Iterable<number>;
  /** Any iterable of index lists, one per batch; excludes batchSize, shuffle, sampler, dropLast. */
  batchSampler?: Iterable<readonly number[]>;
  /** Worker threads loading batches in parallel (0: load on the main thread). */
  numWorkers?: number;
  /** Builds a batch from a list of samples (default: `defaultCollate`). */
  collateFn?: CollateFn<S, B>;
  /** Accepted for PyTorch parity; batches are created on the default device either way. */
  pinMemory?: boolean;
  /** Drop the last batch when it is smaller than batchSize. */
  dropLast?: boolean;
  /** Milliseconds to wait for a batch from a worker before failing (0: forever). */
  timeout?: number;
  /** Batches loaded in advance per worker (default 2; needs numWorkers > 0). */
  prefetchFactor?: number;
  /** Keep worker threads (and their dataset copies) alive between epochs; `close()` ends them. */
  persistentWorkers?: boolean;
  /** Drives shuffling and every epoch's seed; same generator state → same batches. */
  generator?: Generator;
  /** Shorthand for `generator: new Generator(seed)`. */
  seed?: number;
  /** How workers rebuild the dataset (default: the dataset's own `workerInit()`). */
  worker?: WorkerDatasetSpec;
  /**
   * Modules each worker imports before building the dataset, e.g. one that registers the CPU
   * backend. A default export that is a function is called with `getWorkerInfo()`.
   */
  workerSetup?: readonly (string | URL)[];
}

export function checkOptions(options: DataLoaderOptions<never, unknown>, iterable: boolean): void {
  const { numWorkers = 0, batchSize, batchSampler, sampler, shuffle, dropLast, prefetchFactor, persistentWorkers, timeout } = options;
  if (!Number.isInteger(numWorkers) || numWorkers < 0) {
    throw new DataError(`DataLoader: numWorkers option should be a non-negative integer, got ${numWorkers}`);
  }
  if (timeout !== undefined && !(timeout >= 0)) throw new DataError(`DataLoader: timeout option should be non-negative, got ${timeout}`);
  if (numWorkers === 0 && prefetchFactor !== undefined) {
    throw new DataError("DataLoader: prefetchFactor option could only be specified with numWorkers > 0");
  }
  if (prefetchFactor !== undefined && (!Number.isInteger(prefetchFactor) || prefetchFactor < 1)) {
    throw new DataError(`DataLoader: prefetchFactor should be a positive integer, got ${prefetchFactor}`);
  }
  if (persistentWorkers && numWorkers === 0) throw new DataError("DataLoader: persistentWorkers option needs numWorkers > 0");
  if (batchSize !== undefined && batchSize !== null && (!Number.isInteger(batchSize) || batchSize <= 0)) {
    throw new DataError(`DataLoader: batchSize should be a positive integer or null, got ${batchSize}`);
  }
  if (iterable) {
    if (shuffle) throw new DataError("DataLoader with an IterableDataset: expected unspecified shuffle option, but got shuffle=true");
    if (sampler) throw new DataError("DataLoader with an IterableDataset: expected unspecified sampler option");
    if (batchSampler) throw new DataError("DataLoader with an IterableDataset: expected unspecified batchSampler option");
  }
  if (sampler && shuffle) throw new DataError("DataLoader: sampler option is mutually exclusive with shuffle");
  if (batchSampler) {
    if ((batchSize !== undefined && batchSize !== 1) || shuffle || sampler || dropLast) {
      throw new DataError("DataLoader: batchSampler option is mutually exclusive with batchSize, shuffle, sampler, and dropLast");
    }
  } else if (batchSize === null && dropLast) {
    throw new DataError("DataLoader: batchSize=null option disables auto-batching and is mutually exclusive with dropLast");
  }
}
