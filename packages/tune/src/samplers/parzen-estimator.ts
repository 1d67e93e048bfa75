import { type Distribution, roundToDistribution } from "../distributions.js";
import type { SeededRandom } from "../random.js";
import { logNormalMass, logSumExp } from "./normal-distribution.js";

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** How the kernels' widths are chosen. */
export type BandwidthRule =
  /** Per dimension, from the distance to the neighbouring observations (TPE's original rule). */
  | "neighbors"
  /** One width per dimension shrinking as `n^(-1/(d+4))` (Scott's rule; for joint models). */
  | "scott";

/** Options of {@link ParzenEstimator}. */
export interface ParzenEstimatorOptions {
  /** Weight of the prior component (uniform-ish over the whole range). 0 disables it. */
  priorWeight: number;
  /** Keep kernel widths above range / min(100, n + 1) so that no kernel collapses. */
  considerMagicClip: boolean;
  /** Let the outermost observations use their distance to the range ends as width. */
  considerEndpoints: boolean;
  bandwidth: BandwidthRule;
  /**
   * How continuous kernels enter `logPdf`: `"density"` as normalized densities, `"height"` with
   * every kernel scaled to the same peak height (its density times its width), so that a
   * narrow kernel counts no more than its weight. See `TpeSamplerOptions.kernelScoring`.
   */
  kernelScoring: "density" | "height";
}

/** A numeric dimension as the estimator models it (log ranges in log space). */
interface NumericDimension {
  kind: "numeric";
  distribution: Distribution & { type: "float" | "int" };
  log: boolean;
  /** Bucket width for stepped/integer dimensions on a linear scale; 0 when continuous. */
  step: number;
  /** Modelled range (with half a step added on both sides of a stepped dimension). */
  low: number;
  high: number;
  mus: Float64Array;
  sigmas: Float64Array;
  /** Per kernel: log of its mass inside [low, high], plus log σ when scored as a density. */
  logNormalizers: Float64Array;
}

interface CategoricalDimension {
  kind: "categorical";
  nChoices: number;
  /** log probability of each choice per component, row-major [component][choice]. */
  logProbabilities: Float64Array;
  probabilities: Float64Array;
}

type Dimension = NumericDimension | CategoricalDimension;

/**
 * A mixture of product kernels, one component per observation plus an optional prior: the
 * `l(x)` and `g(x)` densities of TPE. Numeric dimensions use normal kernels truncated to the
 * range (discretized into buckets for integer and stepped parameters); categorical dimensions use
 * a smoothed one-hot distribution per observation.
 *
 * Observations and samples are in stored form (categorical = choice index).
 */
export class ParzenEstimator {
  readonly nComponents: number;
  private readonly logWeights: Float64Array;
  private readonly weights: Float64Array;
  private readonly dimensions: Dimension[];
  private readonly names: readonly string[];

  /**
   * @param observations - One row per observation: the value of each of `names`, stored form.
   * @param observationWeights - Relative weight of each observation (e.g. favouring recent trials).
   */
  constructor(
    names: readonly string[],
    distributions: Readonly<Record<string, Distribution>>,
    observations: readonly Readonly<Record<string, number>>[],
    observationWeights: ArrayLike<number>,
    options: ParzenEstimatorOptions,
  ) {
    this.names = names;
    const nObservations = observations.length;
    const withPrior = options.priorWeight > 0 || nObservations === 0;
    this.nComponents = nObservations + (withPrior ? 1 : 0);
    this.weights = new Float64Array(this.nComponents);
    let total = 0;
    for (let i = 0; i < nObservations; i++) {
      this.weights[i] = observationWeights[i]!;
      total += observationWeights[i]!;
    }
    if (withPrior) {
      this.weights[nObservations] = options.priorWeight > 0 ? options.priorWeight : 1;
      total += this.weights[nObservations]!;
    }
    this.logWeights = new Float64Array(this.nComponents);
    for (let i = 0; i < this.nComponents; i++) {
      this.weights[i]! /= total;
      this.logWeights[i] = Math.log(this.weights[i]!);
    }
    this.dimensions = names.map((name) =>
      buildDimension(distributions[name]!, observations.map((row) => row[name]!), withPrior, options, names.length),
    );
  }

  /** Draws `count` samples (stored form), one record per sample. */
  sample(random: SeededRandom, count: number): Record<string, number>[] {
    const samples: Record<string, number>[] = [];
    for (let s = 0; s < count; s++) {
      const component = random.weightedIndex(this.weights, 1);
      const sample: Record<string, number> = {};
      for (let d = 0; d < this.dimensions.length; d++) {
        const dimension = this.dimensions[d]!;
        sample[this.names[d]!] = dimension.kind === "categorical" ? sampleCategorical(random, dimension, component) : sampleNumeric(random, dimension, component);
      }
      samples.push(sample);
    }
    return samples;
  }

  /** log density (or log probability mass for discrete dimensions) of each sample. */
  logPdf(samples: readonly Readonly<Record<string, number>>[]): Float64Array {
    const result = new Float64Array(samples.length);
    const componentLogs = new Float64Array(this.nComponents);
    for (let s = 0; s < samples.length; s++) {
      componentLogs.set(this.logWeights);
      for (let d = 0; d < this.dimensions.length; d++) {
        const dimension = this.dimensions[d]!;
        const value = samples[s]![this.names[d]!]!;
        if (dimension.kind === "categorical") {
          const offset = value;
          for (let k = 0; k < this.nComponents; k++) componentLogs[k]! += dimension.logProbabilities[k * dimension.nChoices + offset]!;
        } else {
          addNumericLogDensity(dimension, value, componentLogs);
        }
      }
      result[s] = logSumExp(componentLogs, this.nComponents);
    }
    return result;
  }
}

function transform(dimension: { log: boolean }, value: number): number {
  return dimension.log ? Math.log(value) : value;
}

function buildDimension(distribution: Distribution, values: number[], withPrior: boolean, options: ParzenEstimatorOptions, nDimensions: number): Dimension {
  const nObservations = values.length;
  const nComponents = nObservations + (withPrior ? 1 : 0);
  if (distribution.type === "categorical") {
    const nChoices = distribution.choices.length;
    const probabilities = new Float64Array(nComponents * nChoices);
    // Each observation puts most of its mass on its own choice; the rest is spread evenly so that
    // no choice ever gets probability zero. The prior component is uniform.
    const smoothing = options.priorWeight > 0 ? options.priorWeight / (nObservations + 1) : 1 / (nObservations + 1);
    for (let k = 0; k < nObservations; k++) {
      const rowTotal = 1 + smoothing * nChoices;
      for (let c = 0; c < nChoices; c++) probabilities[k * nChoices + c] = smoothing / rowTotal;
      probabilities[k * nChoices + values[k]!]! += 1 / rowTotal;
    }
    if (withPrior) for (let c = 0; c < nChoices; c++) probabilities[nObservations * nChoices + c] = 1 / nChoices;
    const logProbabilities = probabilities.map(Math.log);
    return { kind: "categorical", nChoices, probabilities, logProbabilities };
  }

  const log = distribution.log;
  // Integer log ranges are modelled continuously in log space and rounded afterwards.
  const step = log ? 0 : distribution.type === "int" ? distribution.step : (distribution.step ?? 0);
  const halfStep = step / 2;
  const low = log ? Math.log(distribution.type === "int" ? distribution.low - 0.5 : distribution.low) : distribution.low - halfStep;
  const high = log ? Math.log(distribution.type === "int" ? distribution.high + 0.5 : distribution.high) : distribution.high + halfStep;
  const range = high - low;
  const mus = new Float64Array(nComponents);
  for (let k = 0; k < nObservations; k++) mus[k] = transform({ log }, values[k]!);
  const sigmas = new Float64Array(nComponents);
  const maxSigma = range;
  const minSigma = options.considerMagicClip ? range / Math.min(100, nComponents + 1) : 1e-12 * Math.max(range, 1);

  if (options.bandwidth === "scott") {
    const sigma = 0.2 * Math.max(nObservations, 1) ** (-1 / (nDimensions + 4)) * range;
    sigmas.fill(sigma);
  } else if (nObservations > 0) {
    // Width of each kernel: the larger gap to its neighbours (prior mean included).
    const all = withPrior ? [...mus.subarray(0, nObservations), low + range / 2] : [...mus];
    const order = all.map((_, i) => i).sort((a, b) => all[a]! - all[b]!);
    const n = order.length;
    for (let position = 0; position < n; position++) {
      const index = order[position]!;
      const left = position === 0 ? low : all[order[position - 1]!]!;
      const right = position === n - 1 ? high : all[order[position + 1]!]!;
      let sigma = Math.max(all[index]! - left, right - all[index]!);
      if (!options.considerEndpoints && n >= 2) {
        if (position === 0) sigma = all[order[1]!]! - all[index]!;
        else if (position === n - 1) sigma = all[index]! - all[order[n - 2]!]!;
      }
      if (index < nObservations) sigmas[index] = sigma;
    }
  }
  for (let k = 0; k < nObservations; k++) sigmas[k] = Math.min(Math.max(sigmas[k]!, minSigma), maxSigma);
  if (withPrior) {
    mus[nObservations] = low + range / 2;
    sigmas[nObservations] = Math.max(range, minSigma);
  }
  const logNormalizers = new Float64Array(nComponents);
  for (let k = 0; k < nComponents; k++) logNormalizers[k] = logNormalMass((low - mus[k]!) / sigmas[k]!, (high - mus[k]!) / sigmas[k]!);
  // Stepped dimensions score bucket masses, which need no width normalization.
  const continuousNormalizers = Float64Array.from(logNormalizers, (value, k) => (options.kernelScoring === "density" ? value + Math.log(sigmas[k]!) : value));
  return { kind: "numeric", distribution: distribution as NumericDimension["distribution"], log, step, low, high, mus, sigmas, logNormalizers: step > 0 ? logNormalizers : continuousNormalizers };
}

function sampleCategorical(random: SeededRandom, dimension: CategoricalDimension, component: number): number {
  return random.weightedIndex(dimension.probabilities.subarray(component * dimension.nChoices, (component + 1) * dimension.nChoices), 1);
}

function sampleNumeric(random: SeededRandom, dimension: NumericDimension, component: number): number {
  const mu = dimension.mus[component]!;
  const sigma = dimension.sigmas[component]!;
  // Every kernel is centred inside the range and no wider than it, so at least ~34 % of its
  // mass lies inside: plain rejection is exact and cheap.
  let x = NaN;
  for (let attempt = 0; attempt < 100; attempt++) {
    const candidate = mu + sigma * random.normal();
    if (candidate >= dimension.low && candidate <= dimension.high) {
      x = candidate;
      break;
    }
  }
  if (Number.isNaN(x)) x = random.uniform(dimension.low, dimension.high);
  return roundToDistribution(dimension.distribution, dimension.log ? Math.exp(x) : x);
}

function addNumericLogDensity(dimension: NumericDimension, value: number, componentLogs: Float64Array): void {
  const { mus, sigmas, logNormalizers, step } = dimension;
  const n = componentLogs.length;
  if (step > 0) {
    const lower = value - step / 2;
    const upper = value + step / 2;
    for (let k = 0; k < n; k++) {
      const sigma = sigmas[k]!;
      componentLogs[k]! += logNormalMass((lower - mus[k]!) / sigma, (upper - mus[k]!) / sigma) - logNormalizers[k]!;
    }
    return;
  }
  const x = dimension.log ? Math.log(value) : value;
  for (let k = 0; k < n; k++) {
    const z = (x - mus[k]!) / sigmas[k]!;
    componentLogs[k]! += -0.5 * z * z - LOG_SQRT_2PI - logNormalizers[k]!;
  }
}
