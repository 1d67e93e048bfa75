import { sourceLength, type Sampler, type SizedSource } from "./sampler.js";

/** Yields 0, 1, …, n-1 in order, like `torch.utils.data.SequentialSampler`. */
export class SequentialSampler implements Sampler {
  readonly length: number;

  constructor(dataSource: SizedSource) {
    this.length = sourceLength("SequentialSampler", dataSource);
  }

  *[Symbol.iterator](): Iterator<number> {
    for (let i = 0; i < this.length; i++) yield i;
  }
}
