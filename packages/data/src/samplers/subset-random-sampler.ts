import type { Generator } from "@trek/tensor";
import { permutation } from "./permutation.js";
import { epochGenerator, type Sampler } from "./sampler.js";

/**
 * The given indices in a new random order every epoch, without replacement, like
 * `torch.utils.data.SubsetRandomSampler`.
 */
export class SubsetRandomSampler implements Sampler {
  readonly indices: readonly number[];

  constructor(
    indices: ArrayLike<number>,
    readonly options: { generator?: Generator } = {},
  ) {
    this.indices = Array.from(indices);
  }

  get length(): number {
    return this.indices.length;
  }

  *[Symbol.iterator](): Iterator<number> {
    const order = permutation(this.indices.length, epochGenerator(this.options.generator));
    for (let i = 0; i < order.length; i++) yield this.indices[order[i]!]!;
  }
}
