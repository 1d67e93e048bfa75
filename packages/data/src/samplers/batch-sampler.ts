import { DataError } from "../errors.js";
import { samplerLength, type BatchSamplerLike } from "./sampler.js";

/**
 * Groups the indices of `sampler` into lists of `batchSize`, like `torch.utils.data.BatchSampler`.
 * With `dropLast` the final short batch is dropped: `length` = floor(n / batchSize), otherwise
 * ceil(n / batchSize).
 * @example [...new BatchSampler(new SequentialSampler(10), 3, false)]  // [[0,1,2],[3,4,5],[6,7,8],[9]]
 */
export class BatchSampler implements BatchSamplerLike {
  constructor(
    readonly sampler: Iterable<number>,
    readonly batchSize: number,
    readonly dropLast: boolean = false,
  ) {
    if (!Number.isInteger(batchSize) || batchSize <= 0) {
      throw new DataError(`BatchSampler: batchSize should be a positive integer, got ${batchSize}`);
    }
    if (typeof dropLast !== "boolean") throw new DataError(`BatchSampler: dropLast should be a boolean, got ${String(dropLast)}`);
  }

  /** Number of batches per epoch (needs a sampler with a length). */
  get length(): number {
    const n = samplerLength(this.sampler);
    if (n === undefined) throw new DataError("BatchSampler: the sampler has no length, so the number of batches is unknown");
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  *[Symbol.iterator](): Iterator<number[]> {
    let batch: number[] = [];
    for (const index of this.sampler) {
      batch.push(index);
      if (batch.length === this.batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0 && !this.dropLast) yield batch;
  }
}
