import { type Distribution, roundToDistribution } from "../distributions.js";
import type { FrozenTrial } from "../frozen-trial.js";
import { SeededRandom } from "../random.js";
import type { Study } from "../study.js";
import { TrialState } from "../trial-state.js";
import { sampleUniform } from "./random-sampler.js";
import type { Sampler } from "./sampler.js";
import { intersectionSearchSpace } from "./search-space.js";
import { symmetricEigen } from "./symmetric-eigen.js";

/** Options of {@link CmaEsSampler}. */
export interface CmaEsSamplerOptions {
  /** Initial mean, per parameter in objective form (default: the middle of each range). */
  x0?: Record<string, number>;
  /** Initial step size relative to the ranges, each mapped to [0, 1] (default 1/6). */
  sigma0?: number;
  /** Population size λ (default `4 + floor(3 ln n)`). */
  populationSize?: number;
  /** Trials sampled independently before CMA-ES starts (default 1, to learn the search space). */
  nStartupTrials?: number;
  /** Seed for reproducible sampling. */
  seed?: number;
}

const GENERATION_KEY = "cmaes:generation";

interface CmaState {
  names: string[];
  distributions: Distribution[];
  n: number;
  lambda: number;
  mu: number;
  weights: Float64Array;
  muEff: number;
  cc: number;
  cs: number;
  c1: number;
  cmu: number;
  damps: number;
  chiN: number;
  mean: Float64Array;
  sigma: number;
  covariance: Float64Array;
  pc: Float64Array;
  ps: Float64Array;
  /** Eigenvectors (columns) and square roots of eigenvalues of the covariance. */
  basis: Float64Array;
  scales: Float64Array;
  generation: number;
}

/**
 * CMA-ES (Hansen's (μ/μ_w, λ) covariance matrix adaptation evolution strategy) over the numeric
 * parameters shared by all trials, each mapped to [0, 1] (log ranges in log space). Each trial is
 * one individual of the current generation, tagged in its system attributes; a generation is
 * complete once λ of its trials are, and its update is replayed identically by every process from
 * the stored trials. Categorical parameters are sampled at random.
 */
export class CmaEsSampler implements Sampler {
  private readonly random: SeededRandom;
  private readonly x0: Record<string, number> | undefined;
  private readonly sigma0: number;
  private readonly populationSize: number | undefined;
  private readonly nStartupTrials: number;
  private state: CmaState | null = null;

  constructor(options: CmaEsSamplerOptions = {}) {
    this.random = new SeededRandom(options.seed);
    this.x0 = options.x0;
    this.sigma0 = options.sigma0 ?? 1 / 6;
    this.populationSize = options.populationSize;
    this.nStartupTrials = options.nStartupTrials ?? 1;
    if (!(this.sigma0 > 0)) throw new RangeError(`CmaEsSampler: sigma0 must be > 0, got ${this.sigma0}`);
    if (this.populationSize !== undefined && !(Number.isInteger(this.populationSize) && this.populationSize >= 2)) {
      throw new RangeError(`CmaEsSampler: populationSize must be an integer >= 2, got ${this.populationSize}`);
    }
  }

  inferRelativeSearchSpace(study: Study): Record<string, Distribution> {
    if (this.state) return Object.fromEntries(this.state.names.map((name, i) => [name, this.state!.distributions[i]!]));
    const completed = study.getTrials({ states: [TrialState.Complete] });
    if (completed.length < Math.max(this.nStartupTrials, 1)) return {};
    const space = intersectionSearchSpace(completed, { excludeSingleValue: true });
    for (const [name, distribution] of Object.entries(space)) if (distribution.type === "categorical") delete space[name];
    return space;
  }

  sampleRelative(study: Study, trial: FrozenTrial, searchSpace: Record<string, Distribution>): Record<string, number> {
    if (study.isMultiObjective) throw new Error("CmaEsSampler supports single-objective studies only; use NsgaIISampler or TpeSampler");
    if (!this.state) this.state = this.initialState(searchSpace);
    const state = this.state;
    this.catchUp(study, state);
    study.setTrialSystemAttr(trial.number, GENERATION_KEY, state.generation);
    const x = this.sampleInBounds(state);
    const params: Record<string, number> = {};
    for (let i = 0; i < state.n; i++) params[state.names[i]!] = fromUnit(state.distributions[i]!, x[i]!);
    return params;
  }

  sampleIndependent(_study: Study, _trial: FrozenTrial, _name: string, distribution: Distribution): number {
    return sampleUniform(this.random, distribution);
  }

  /** The current generation (number of completed updates). */
  get generation(): number {
    return this.state?.generation ?? 0;
  }

  private initialState(space: Record<string, Distribution>): CmaState {
    const names = Object.keys(space);
    const distributions = names.map((name) => space[name]!);
    const n = names.length;
    const lambda = this.populationSize ?? 4 + Math.floor(3 * Math.log(n));
    const mu = Math.floor(lambda / 2);
    const weights = new Float64Array(mu);
    let sum = 0;
    for (let i = 0; i < mu; i++) {
      weights[i] = Math.log(mu + 0.5) - Math.log(i + 1);
      sum += weights[i]!;
    }
    let sumSquares = 0;
    for (let i = 0; i < mu; i++) {
      weights[i]! /= sum;
      sumSquares += weights[i]! * weights[i]!;
    }
    const muEff = 1 / sumSquares;
    const cc = (4 + muEff / n) / (n + 4 + (2 * muEff) / n);
    const cs = (muEff + 2) / (n + muEff + 5);
    const c1 = 2 / ((n + 1.3) ** 2 + muEff);
    const cmu = Math.min(1 - c1, (2 * (muEff - 2 + 1 / muEff)) / ((n + 2) ** 2 + muEff));
    const damps = 1 + 2 * Math.max(0, Math.sqrt((muEff - 1) / (n + 1)) - 1) + cs;
    const chiN = Math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n));
    const mean = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const given = this.x0?.[names[i]!];
      mean[i] = given === undefined ? 0.5 : toUnit(distributions[i]!, given);
    }
    const covariance = new Float64Array(n * n);
    const basis = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      covariance[i * n + i] = 1;
      basis[i * n + i] = 1;
    }
    return {
      names,
      distributions,
      n,
      lambda,
      mu,
      weights,
      muEff,
      cc,
      cs,
      c1,
      cmu,
      damps,
      chiN,
      mean,
      sigma: this.sigma0,
      covariance,
      pc: new Float64Array(n),
      ps: new Float64Array(n),
      basis,
      scales: new Float64Array(n).fill(1),
      generation: 0,
    };
  }

  /** Applies the update of every generation that has λ complete trials, in order. */
  private catchUp(study: Study, state: CmaState): void {
    for (;;) {
      const members = study
        .getTrials({ states: [TrialState.Complete] })
        .filter((trial) => trial.systemAttrs[GENERATION_KEY] === state.generation && state.names.every((name) => trial.internalParams[name] !== undefined));
      if (members.length < state.lambda) return;
      const population = members.slice(0, state.lambda).sort((a, b) => (study.direction === "minimize" ? a.values![0]! - b.values![0]! : b.values![0]! - a.values![0]!) || a.number - b.number);
      this.update(
        state,
        population.map((trial) => Float64Array.from(state.names, (name, i) => toUnit(state.distributions[i]!, trial.internalParams[name]!))),
      );
    }
  }

  private update(state: CmaState, sortedSolutions: Float64Array[]): void {
    const { n, mu, weights, cc, cs, c1, cmu, damps, chiN, muEff } = state;
    const oldMean = Float64Array.from(state.mean);
    const mean = new Float64Array(n);
    for (let i = 0; i < mu; i++) for (let d = 0; d < n; d++) mean[d]! += weights[i]! * sortedSolutions[i]![d]!;
    const meanShift = new Float64Array(n); // y_w = (m' − m) / σ
    for (let d = 0; d < n; d++) meanShift[d] = (mean[d]! - oldMean[d]!) / state.sigma;

    // C^{-1/2} y_w = B D^{-1} Bᵀ y_w
    const projected = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let d = 0; d < n; d++) dot += state.basis[d * n + j]! * meanShift[d]!;
      projected[j] = dot / state.scales[j]!;
    }
    const whitened = new Float64Array(n);
    for (let d = 0; d < n; d++) {
      let sum = 0;
      for (let j = 0; j < n; j++) sum += state.basis[d * n + j]! * projected[j]!;
      whitened[d] = sum;
    }
    const csFactor = Math.sqrt(cs * (2 - cs) * muEff);
    let psNormSquared = 0;
    for (let d = 0; d < n; d++) {
      state.ps[d] = (1 - cs) * state.ps[d]! + csFactor * whitened[d]!;
      psNormSquared += state.ps[d]! * state.ps[d]!;
    }
    const psNorm = Math.sqrt(psNormSquared);
    const hSigma = psNorm / Math.sqrt(1 - (1 - cs) ** (2 * (state.generation + 1))) / chiN < 1.4 + 2 / (n + 1) ? 1 : 0;
    const ccFactor = Math.sqrt(cc * (2 - cc) * muEff);
    for (let d = 0; d < n; d++) state.pc[d] = (1 - cc) * state.pc[d]! + hSigma * ccFactor * meanShift[d]!;

    const deltaH = (1 - hSigma) * cc * (2 - cc);
    const steps = sortedSolutions.slice(0, mu).map((x) => Float64Array.from(x, (value, d) => (value - oldMean[d]!) / state.sigma));
    for (let r = 0; r < n; r++) {
      for (let c = r; c < n; c++) {
        let rankMu = 0;
        for (let i = 0; i < mu; i++) rankMu += weights[i]! * steps[i]![r]! * steps[i]![c]!;
        const value = (1 - c1 - cmu) * state.covariance[r * n + c]! + c1 * (state.pc[r]! * state.pc[c]! + deltaH * state.covariance[r * n + c]!) + cmu * rankMu;
        state.covariance[r * n + c] = value;
        state.covariance[c * n + r] = value;
      }
    }
    state.sigma *= Math.exp(Math.min(1, (cs / damps) * (psNorm / chiN - 1)));
    state.sigma = Math.min(Math.max(state.sigma, 1e-12), 10);
    state.mean = mean;
    const { values, vectors } = symmetricEigen(state.covariance, n);
    state.basis = vectors;
    for (let j = 0; j < n; j++) state.scales[j] = Math.sqrt(Math.max(values[j]!, 1e-20));
    state.generation++;
  }

  private sampleInBounds(state: CmaState): Float64Array {
    const { n } = state;
    const x = new Float64Array(n);
    const z = new Float64Array(n);
    for (let attempt = 0; attempt < 100; attempt++) {
      for (let j = 0; j < n; j++) z[j] = state.scales[j]! * this.random.normal();
      let inside = true;
      for (let d = 0; d < n; d++) {
        let sum = 0;
        for (let j = 0; j < n; j++) sum += state.basis[d * n + j]! * z[j]!;
        x[d] = state.mean[d]! + state.sigma * sum;
        if (x[d]! < 0 || x[d]! > 1) inside = false;
      }
      if (inside) return x;
    }
    for (let d = 0; d < n; d++) x[d] = Math.min(1, Math.max(0, x[d]!));
    return x;
  }
}

function unitBounds(distribution: Distribution): [number, number] {
  if (distribution.type === "categorical") throw new Error("CmaEsSampler: categorical parameters are sampled independently");
  if (distribution.log) return [Math.log(distribution.low), Math.log(distribution.high)];
  const half = distribution.type === "int" ? distribution.step / 2 : distribution.step === null ? 0 : distribution.step / 2;
  return [distribution.low - half, distribution.high + half];
}

/** Maps a stored value into [0, 1] (log ranges in log space; grid cells of equal width). */
function toUnit(distribution: Distribution, value: number): number {
  const [low, high] = unitBounds(distribution);
  const x = distribution.type !== "categorical" && distribution.log ? Math.log(value) : value;
  return high === low ? 0.5 : (x - low) / (high - low);
}

function fromUnit(distribution: Distribution, unit: number): number {
  const [low, high] = unitBounds(distribution);
  const x = low + unit * (high - low);
  const numeric = distribution as Distribution & { type: "float" | "int" };
  return roundToDistribution(numeric, numeric.log ? Math.exp(x) : x);
}
