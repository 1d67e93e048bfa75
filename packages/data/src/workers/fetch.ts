/** Fetching the samples of one batch, identically on the main thread and in workers. */
import { mixSeeds } from "./seeds.js";
import { newStreamToken, setSampleSeed } from "./context.js";

/** The map-style surface fetching needs (the loader has already validated the dataset). */
export interface FetchableDataset {
  readonly length: number;
  getItem(index: number): unknown;
  getItems?(indices: readonly number[]): unknown;
}

/** A `getItem` failure, tagged with the dataset index that caused it. */
export class FetchError extends Error {
  override name = "FetchError";
  constructor(
    readonly datasetIndex: number | undefined,
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/**
 * The samples at `indices`. Sample k of batch b draws its randomness (via `sampleGenerator()`)
 * from `mixSeeds(epochSeed, b, k)`, so the values do not depend on which thread fetched it.
 */
export async function fetchSamples(
  dataset: FetchableDataset,
  indices: readonly number[],
  epochSeed: number,
  batchIndex: number,
): Promise<unknown[]> {
  try {
    if (dataset.getItems) {
      setSampleSeed(mixSeeds(epochSeed, batchIndex, 0));
      try {
        return (await dataset.getItems(indices)) as unknown[];
      } catch (err) {
        throw new FetchError(undefined, err);
      }
    }
    const n = indices.length;
    const samples = new Array<unknown>(n);
    let anyPromise = false;
    for (let k = 0; k < n; k++) {
      setSampleSeed(mixSeeds(epochSeed, batchIndex, k), newStreamToken());
      let value: unknown;
      try {
        value = dataset.getItem(indices[k]!);
      } catch (err) {
        throw new FetchError(indices[k], err);
      }
      if (typeof (value as Promise<unknown>)?.then === "function") {
        anyPromise = true;
        const index = indices[k];
        value = (value as Promise<unknown>).then(undefined, (err: unknown) => {
          throw new FetchError(index, err);
        });
      }
      samples[k] = value;
    }
    setSampleSeed(null);
    return anyPromise ? await Promise.all(samples) : samples;
  } finally {
    setSampleSeed(null);
  }
}
