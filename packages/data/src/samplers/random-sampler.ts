import type { Generator } from "@trek/tensor";
import { DataError } from "../errors.js";
import { permutation } from "./permutation.js";
import { epochGenerator, sourceLength, type Sampler, type SizedSource } from "./sampler.js";

export interface RandomSamplerOptions {
  /** Draw with replacement (each draw independent and uniform). Default false. */
  replacement?: boolean;
  /** Samples per epoch; default the dataset length. Without replacement, whole permutations repeat. */
  numSamples?: number;
  /** Seeded stream; without one, every epoch seeds from the default generator (see `manualSeed`). */
  generator?: Generator;
}

/**
 * Random order, reshuffled every epoch, like `torch.utils.data.RandomSampler`. Without
 * replacement an epoch is a permutation (repeated whole when `numSamples` > n, then a prefix of
 * one more permutation); with replacement, `numSamples` uniform draws.
 */
export class RandomSampler implements Sampler {
  readonly replacement: boolean;
  readonly size: number;
  readonly generator: Generator | undefined;
  private readonly requestedSamples: number | undefined;

  constructor(dataSource: SizedSource, options: RandomSamplerOptions = {}) {
    this.size = sourceLength("RandomSampler", dataSource);
    this.replacement = options.replacement ?? false;
    this.generator = options.generator;
    const numSamples = options.numSamples;
    if (numSamples !== undefined && (!Number.isInteger(numSamples) || numSamples <= 0)) {
      throw new DataError(`RandomSampler: numSamples should be a positive integer, got ${numSamples}`);
    }
    this.requestedSamples = numSamples;
  }

  /** Samples per epoch. */
  get length(): number {
    return this.requestedSamples ?? this.size;
  }

  *[Symbol.iterator](): Iterator<number> {
    const n = this.size;
    const total = this.length;
    if (n === 0) return;
    const generator = epochGenerator(this.generator);
    if (this.replacement) {
      for (let i = 0; i < total; i++) yield generator.nextInt(0, n);
      return;
    }
    for (let done = 0; done < total; ) {
      const order = permutation(n, generator);
      const take = Math.min(n, total - done);
      for (let i = 0; i < take; i++) yield order[i]!;
      done += take;
    }
  }
}
