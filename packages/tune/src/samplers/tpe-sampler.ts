import { type Distribution, distributionContains, distributionsEqual, isSingleValue, toExternal } from "../distributions.js";
import type { FrozenTrial } from "../frozen-trial.js";
import { crowdingDistances, nonDominatedRanks } from "../multi-objective.js";
import { SeededRandom } from "../random.js";
import type { Study } from "../study.js";
import { TrialState } from "../trial-state.js";
import { ParzenEstimator, type ParzenEstimatorOptions } from "./parzen-estimator.js";
import { sampleUniform } from "./random-sampler.js";
import type { Sampler } from "./sampler.js";
import { intersectionSearchSpace } from "./search-space.js";

/** Options of {@link TpeSampler}. */
export interface TpeSamplerOptions {
  /** Trials sampled at random before TPE takes over (default 10). */
  nStartupTrials?: number;
  /** Candidates drawn from `l(x)` per proposal; the one maximizing `l(x)/g(x)` wins (default 24). */
  nEiCandidates?: number;
  /** How many of `n` observations form the "good" group (default `min(ceil(0.1 n), 25)`). */
  gamma?: (n: number) => number;
  /** Weights of `n` observations ordered oldest first (default: recent 25 full, older ramped down). */
  weights?: (n: number) => number[];
  /** Weight of the prior component in both densities (default 1). */
  priorWeight?: number;
  /** Keep kernels at least range / min(100, n + 1) wide (default true). */
  considerMagicClip?: boolean;
  /** Let the outermost kernels reach to the range ends (default false). */
  considerEndpoints?: boolean;
  /**
   * Model the parameters that all finished trials share jointly (multivariate TPE) instead of
   * one at a time, which captures interactions (default false).
   */
  multivariate?: boolean;
  /**
   * Treat running trials as the worst observations ("constant liar") so that parallel workers
   * do not all propose the same point (default false; turn on with `nJobs > 1` or many workers).
   */
  constantLiar?: boolean;
  /**
   * How candidates are scored with `l(x)/g(x)` on continuous parameters (default `"height"`):
   * - `"height"`: every kernel scaled to the same peak height, so the score compares
   *   weighted counts of nearby good and bad observations and a few narrow kernels cannot
   *   dominate it. This is what Optuna up to 3.1 computes; on our benchmarks
   *   (`benchmarks/tune/tpe-vs-optuna.ts`) it is much better on separable problems.
   * - `"density"`: the normalized Parzen densities of the TPE paper.
   */
  kernelScoring?: "height" | "density";
  /** Seed for reproducible sampling. */
  seed?: number;
}

/** `min(ceil(0.1 n), 25)`: the size of TPE's "good" group. */
export function defaultGamma(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

/** Equal weights for up to 25 observations; beyond, older ones ramp linearly from 1/n up to 1. */
export function defaultWeights(n: number): number[] {
  if (n === 0) return [];
  if (n < 25) return new Array<number>(n).fill(1);
  const ramp = n - 25;
  const weights: number[] = [];
  for (let i = 0; i < ramp; i++) weights.push(ramp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (ramp - 1));
  for (let i = 0; i < 25; i++) weights.push(1);
  return weights;
}

/**
 * Tree-structured Parzen Estimator (Bergstra et al. 2011; Optuna's defaults). Finished trials are
 * split into a good group (the best `gamma(n)`) and the rest; a Parzen density is fitted to each
 * (`l(x)` good, `g(x)` rest) and the candidate from `l` with the highest `l(x)/g(x)` is proposed,
 * which maximizes expected improvement. Pruned trials count as worse than complete ones (the
 * further they got, the better). Multi-objective studies rank trials by non-dominated sorting.
 */
export class TpeSampler implements Sampler {
  private readonly random: SeededRandom;
  private readonly nStartupTrials: number;
  private readonly nEiCandidates: number;
  private readonly gamma: (n: number) => number;
  private readonly weights: (n: number) => number[];
  private readonly multivariate: boolean;
  private readonly constantLiar: boolean;
  private readonly independentOptions: ParzenEstimatorOptions;
  private readonly jointOptions: ParzenEstimatorOptions;

  constructor(options: TpeSamplerOptions = {}) {
    this.random = new SeededRandom(options.seed);
    this.nStartupTrials = options.nStartupTrials ?? 10;
    this.nEiCandidates = options.nEiCandidates ?? 24;
    this.gamma = options.gamma ?? defaultGamma;
    this.weights = options.weights ?? defaultWeights;
    this.multivariate = options.multivariate ?? false;
    this.constantLiar = options.constantLiar ?? false;
    if (!Number.isInteger(this.nStartupTrials) || this.nStartupTrials < 0) throw new RangeError(`TpeSampler: nStartupTrials must be a non-negative integer, got ${this.nStartupTrials}`);
    if (!Number.isInteger(this.nEiCandidates) || this.nEiCandidates < 1) throw new RangeError(`TpeSampler: nEiCandidates must be a positive integer, got ${this.nEiCandidates}`);
    const priorWeight = options.priorWeight ?? 1;
    if (!(priorWeight >= 0)) throw new RangeError(`TpeSampler: priorWeight must be >= 0, got ${priorWeight}`);
    const kernelScoring = options.kernelScoring ?? "height";
    if (kernelScoring !== "height" && kernelScoring !== "density") throw new RangeError(`TpeSampler: kernelScoring must be "height" or "density", got ${JSON.stringify(kernelScoring)}`);
    const common = { priorWeight, considerMagicClip: options.considerMagicClip ?? true, considerEndpoints: options.considerEndpoints ?? false, kernelScoring };
    this.independentOptions = { ...common, bandwidth: "neighbors" };
    this.jointOptions = { ...common, bandwidth: "scott" };
  }

  inferRelativeSearchSpace(study: Study): Record<string, Distribution> {
    if (!this.multivariate) return {};
    return intersectionSearchSpace(study.getTrials(), { includePruned: true, excludeSingleValue: true });
  }

  sampleRelative(study: Study, trial: FrozenTrial, searchSpace: Record<string, Distribution>): Record<string, number> {
    const names = Object.keys(searchSpace);
    if (names.length === 0 || this.finishedCount(study) < this.nStartupTrials) return {};
    return this.sampleWithEstimators(study, trial, names, searchSpace, this.jointOptions);
  }

  sampleIndependent(study: Study, trial: FrozenTrial, paramName: string, distribution: Distribution): number {
    if (isSingleValue(distribution)) return distribution.type === "categorical" ? 0 : distribution.low;
    if (this.finishedCount(study) < this.nStartupTrials) return sampleUniform(this.random, distribution);
    return this.sampleWithEstimators(study, trial, [paramName], { [paramName]: distribution }, this.independentOptions)[paramName]!;
  }

  private finishedCount(study: Study): number {
    let count = 0;
    for (const trial of study.getTrials()) if (trial.state === TrialState.Complete || trial.state === TrialState.Pruned) count++;
    return count;
  }

  private sampleWithEstimators(
    study: Study,
    trial: FrozenTrial,
    names: readonly string[],
    space: Record<string, Distribution>,
    options: ParzenEstimatorOptions,
  ): Record<string, number> {
    const { below, above } = this.splitObservations(study, trial, names, space);
    const belowWeights = this.weights(below.length);
    const aboveWeights = this.weights(above.length);
    const good = new ParzenEstimator(names, space, below, belowWeights, options);
    const bad = new ParzenEstimator(names, space, above, aboveWeights, options);
    const candidates = good.sample(this.random, this.nEiCandidates);
    const logGood = good.logPdf(candidates);
    const logBad = bad.logPdf(candidates);
    let best = 0;
    let bestScore = -Infinity;
    for (let i = 0; i < candidates.length; i++) {
      const score = logGood[i]! - logBad[i]!;
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    }
    return candidates[best]!;
  }

  /**
   * Trials that have every parameter in `names` (with a value inside the current range), split
   * into the good group and the rest, each ordered by trial number (oldest first) so that the
   * weights favour recent trials.
   */
  private splitObservations(study: Study, current: FrozenTrial, names: readonly string[], space: Record<string, Distribution>): { below: Record<string, number>[]; above: Record<string, number>[] } {
    const signs = study.directions.map((direction) => (direction === "minimize" ? 1 : -1));
    const single = signs.length === 1;
    interface Observation {
      trial: FrozenTrial;
      params: Record<string, number>;
      /** 0 complete, 1 pruned, 2 running (constant liar). */
      group: number;
      /** Pruned trials: the last reported step (further is better). */
      step: number;
      /** Objective (or last intermediate) value, sign-adjusted so that smaller is better. */
      score: number;
    }
    const observations: Observation[] = [];
    for (const trial of study.getTrials()) {
      if (trial.number === current.number) continue;
      let group: number;
      let step = -1;
      let score = Infinity;
      if (trial.state === TrialState.Complete) {
        group = 0;
        if (single) score = signs[0]! * trial.values![0]!;
      } else if (trial.state === TrialState.Pruned) {
        group = 1;
        const last = trial.lastStep;
        if (last !== null) {
          step = last;
          const lastValue = trial.intermediateValues.get(last)!;
          if (!Number.isNaN(lastValue) && single) score = signs[0]! * lastValue;
        }
      } else if (trial.state === TrialState.Running && this.constantLiar) {
        group = 2;
      } else {
        continue;
      }
      const params: Record<string, number> = {};
      let usable = true;
      for (const name of names) {
        const distribution = trial.distributions[name];
        const value = trial.internalParams[name];
        const wanted = space[name]!;
        // Same range: usable as is; a different range (dynamic search space): only values inside it.
        if (!distribution || value === undefined || distribution.type !== wanted.type || (!distributionsEqual(distribution, wanted) && !distributionContains(wanted, toExternal(distribution, value)))) {
          usable = false;
          break;
        }
        params[name] = value;
      }
      if (usable) observations.push({ trial, params, group, step, score });
    }

    const nBelow = Math.min(this.gamma(observations.length), observations.length);
    let ranked: Observation[];
    if (single) {
      ranked = [...observations].sort((a, b) => a.group - b.group || b.step - a.step || compareScores(a.score, b.score) || a.trial.number - b.trial.number);
    } else {
      ranked = rankMultiObjective(observations, study, nBelow);
    }
    const belowSet = new Set(ranked.slice(0, nBelow));
    const below: Record<string, number>[] = [];
    const above: Record<string, number>[] = [];
    for (const observation of observations.sort((a, b) => a.trial.number - b.trial.number)) {
      (belowSet.has(observation) ? below : above).push(observation.params);
    }
    return { below, above };
  }
}

function compareScores(a: number, b: number): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** Complete trials by Pareto rank, ties broken by crowding distance; pruned and running last. */
function rankMultiObjective<T extends { trial: FrozenTrial; group: number }>(observations: T[], study: Study, nBelow: number): T[] {
  const complete = observations.filter((o) => o.group === 0);
  const rest = observations.filter((o) => o.group !== 0).sort((a, b) => a.group - b.group || a.trial.number - b.trial.number);
  const points = complete.map((o) => o.trial.values!);
  const ranks = nonDominatedRanks(points, study.directions);
  const byRank = new Map<number, number[]>();
  ranks.forEach((rank, index) => byRank.set(rank, [...(byRank.get(rank) ?? []), index]));
  const ordered: T[] = [];
  for (const rank of [...byRank.keys()].sort((a, b) => a - b)) {
    const members = byRank.get(rank)!;
    if (ordered.length < nBelow && ordered.length + members.length > nBelow) {
      const distances = crowdingDistances(members.map((i) => points[i]!));
      const order = members.map((_, k) => k).sort((a, b) => distances[b]! - distances[a]! || members[a]! - members[b]!);
      for (const k of order) ordered.push(complete[members[k]!]!);
    } else {
      for (const i of members) ordered.push(complete[i]!);
    }
  }
  return [...ordered, ...rest];
}
