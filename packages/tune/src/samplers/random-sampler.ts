import type { Distribution } from "../distributions.js";
import { roundToDistribution } from "../distributions.js";
import { SeededRandom } from "../random.js";
import type { Sampler } from "./sampler.js";

/** Options of {@link RandomSampler}. */
export interface RandomSamplerOptions {
  /** Seed for reproducible sampling. */
  seed?: number;
}

/**
 * Draws one value uniformly from a distribution (in log space for log ranges, uniformly over the
 * grid for stepped ones), returned in stored form.
 */
export function sampleUniform(random: SeededRandom, distribution: Distribution): number {
  switch (distribution.type) {
    case "categorical":
      return random.randomInt(distribution.choices.length);
    case "float":
      if (distribution.log) return roundToDistribution(distribution, Math.exp(random.uniform(Math.log(distribution.low), Math.log(distribution.high))));
      if (distribution.step !== null) {
        const count = Math.round((distribution.high - distribution.low) / distribution.step) + 1;
        return roundToDistribution(distribution, distribution.low + random.randomInt(count) * distribution.step);
      }
      return roundToDistribution(distribution, random.uniform(distribution.low, distribution.high));
    case "int": {
      if (distribution.log) {
        // Every integer k owns [k - 0.5, k + 0.5) in the log-uniform draw.
        const value = Math.exp(random.uniform(Math.log(distribution.low - 0.5), Math.log(distribution.high + 0.5)));
        return roundToDistribution(distribution, value);
      }
      const count = (distribution.high - distribution.low) / distribution.step + 1;
      return distribution.low + random.randomInt(count) * distribution.step;
    }
  }
}

/** Samples every parameter independently and uniformly: the baseline every sampler must beat. */
export class RandomSampler implements Sampler {
  private readonly random: SeededRandom;

  constructor(options: RandomSamplerOptions = {}) {
    this.random = new SeededRandom(options.seed);
  }

  inferRelativeSearchSpace(): Record<string, Distribution> {
    return {};
  }

  sampleRelative(): Record<string, number> {
    return {};
  }

  sampleIndependent(_study: unknown, _trial: unknown, _name: string, distribution: Distribution): number {
    return sampleUniform(this.random, distribution);
  }

  /** @internal Shares the generator with samplers that fall back to random sampling. */
  get rng(): SeededRandom {
    return this.random;
  }
}
