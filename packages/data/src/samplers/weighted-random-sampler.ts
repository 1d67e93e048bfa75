import { isTensor, type Generator, type Tensor } from "@trek/tensor";
import { DataError } from "../errors.js";
import { epochGenerator, type Sampler } from "./sampler.js";

export interface WeightedRandomSamplerOptions {
  /** Draw with replacement (default true, like PyTorch). */
  replacement?: boolean;
  generator?: Generator;
}

/**
 * Index `i` is drawn with probability `weights[i] / sum(weights)` (weights need not sum to 1),
 * like `torch.utils.data.WeightedRandomSampler`. Without replacement an index is drawn at most
 * once per epoch (successive draws renormalise over what is left).
 * @example new WeightedRandomSampler(classWeightsPerSample, dataset.length)  // balance classes
 */
export class WeightedRandomSampler implements Sampler {
  readonly weights: Float64Array;
  readonly length: number;
  readonly replacement: boolean;
  private readonly cumulative: Float64Array;

  constructor(
    weights: ArrayLike<number> | Tensor,
    numSamples: number,
    readonly options: WeightedRandomSamplerOptions = {},
  ) {
    const values = isTensor(weights) ? Float64Array.from(weights.to("float64").dataSync() as Float64Array) : Float64Array.from(weights);
    if (values.length === 0) throw new DataError("WeightedRandomSampler: weights must not be empty");
    let positive = 0;
    const cumulative = new Float64Array(values.length);
    let total = 0;
    for (let i = 0; i < values.length; i++) {
      const w = values[i]!;
      if (!Number.isFinite(w) || w < 0) {
        throw new DataError(`WeightedRandomSampler: weights must be finite and non-negative, got weights[${i}] = ${w}`);
      }
      if (w > 0) positive++;
      total += w;
      cumulative[i] = total;
    }
    if (total <= 0) throw new DataError("WeightedRandomSampler: the weights sum to 0");
    if (!Number.isInteger(numSamples) || numSamples <= 0) {
      throw new DataError(`WeightedRandomSampler: numSamples should be a positive integer, got ${numSamples}`);
    }
    this.replacement = options.replacement ?? true;
    if (!this.replacement && numSamples > positive) {
      throw new DataError(
        `WeightedRandomSampler: cannot draw ${numSamples} samples without replacement from ${positive} non-zero weights`,
      );
    }
    this.weights = values;
    this.cumulative = cumulative;
    this.length = numSamples;
  }

  *[Symbol.iterator](): Iterator<number> {
    const generator = epochGenerator(this.options.generator);
    if (this.replacement) {
      const cumulative = this.cumulative;
      const total = cumulative[cumulative.length - 1]!;
      for (let k = 0; k < this.length; k++) {
        // Inverse CDF by binary search: the first i with cumulative[i] > u·total.
        const target = generator.nextDouble() * total;
        let low = 0;
        let high = cumulative.length - 1;
        while (low < high) {
          const mid = (low + high) >> 1;
          if (cumulative[mid]! > target) high = mid;
          else low = mid + 1;
        }
        yield low;
      }
      return;
    }
    yield* weightedWithoutReplacement(this.weights, this.length, generator);
  }
}

/**
 * Successive weighted draws without replacement via exponential keys (Efraimidis–Spirakis):
 * sorting by u^(1/w) descending gives the same distribution as drawing one at a time.
 */
function weightedWithoutReplacement(weights: Float64Array, count: number, generator: Generator): number[] {
  const keys: { index: number; key: number }[] = [];
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i]!;
    if (w <= 0) continue;
    let u = generator.nextDouble();
    while (u === 0) u = generator.nextDouble();
    keys.push({ index: i, key: Math.log(u) / w });
  }
  keys.sort((a, b) => b.key - a.key);
  return keys.slice(0, count).map((k) => k.index);
}
