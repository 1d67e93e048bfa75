import type { Distribution } from "../distributions.js";
import type { FrozenTrial } from "../frozen-trial.js";
import { crowdingDistances, dominates, nonDominatedRanks } from "../multi-objective.js";
import { SeededRandom } from "../random.js";
import type { Study } from "../study.js";
import { type StudyDirection, TrialState } from "../trial-state.js";
import { sampleUniform } from "./random-sampler.js";
import type { Sampler } from "./sampler.js";
import { intersectionSearchSpace } from "./search-space.js";

/** Options of {@link NsgaIISampler}. */
export interface NsgaIISamplerOptions {
  /** Trials per generation (default 50). */
  populationSize?: number;
  /** Probability that a parameter of a child is re-drawn at random (default 1 / number of parameters). */
  mutationProb?: number;
  /** Probability that a child mixes two parents rather than copying one (default 0.9). */
  crossoverProb?: number;
  /** In a crossover, probability of taking each parameter from the second parent (default 0.5). */
  swappingProb?: number;
  /** Seed for reproducible sampling. */
  seed?: number;
}

const GENERATION_KEY = "nsga2:generation";

/**
 * NSGA-II (Deb et al. 2002) for multi-objective studies (single-objective works too). Trials
 * are grouped into generations of `populationSize`; the parents of a generation are the elite of
 * the previous parents and the previous generation by non-dominated rank and crowding distance.
 * A child takes each parameter from one of two tournament-selected parents (uniform crossover);
 * mutated or missing parameters are drawn at random. The first generation is random.
 */
export class NsgaIISampler implements Sampler {
  private readonly random: SeededRandom;
  private readonly populationSize: number;
  private readonly mutationProb: number | null;
  private readonly crossoverProb: number;
  private readonly swappingProb: number;
  /** Parent population per generation, derived from stored trials and kept for reuse. */
  private readonly parentsByGeneration = new Map<number, FrozenTrial[]>();

  constructor(options: NsgaIISamplerOptions = {}) {
    this.random = new SeededRandom(options.seed);
    this.populationSize = options.populationSize ?? 50;
    this.mutationProb = options.mutationProb ?? null;
    this.crossoverProb = options.crossoverProb ?? 0.9;
    this.swappingProb = options.swappingProb ?? 0.5;
    if (!(Number.isInteger(this.populationSize) && this.populationSize >= 2)) throw new RangeError(`NsgaIISampler: populationSize must be an integer >= 2, got ${this.populationSize}`);
    for (const [name, value] of [["mutationProb", this.mutationProb], ["crossoverProb", this.crossoverProb], ["swappingProb", this.swappingProb]] as const) {
      if (value !== null && !(value >= 0 && value <= 1)) throw new RangeError(`NsgaIISampler: ${name} must be in [0, 1], got ${value}`);
    }
  }

  beforeTrial(study: Study, trial: FrozenTrial): void {
    study.setTrialSystemAttr(trial.number, GENERATION_KEY, this.currentGeneration(study));
  }

  inferRelativeSearchSpace(study: Study): Record<string, Distribution> {
    return intersectionSearchSpace(study.getTrials(), { excludeSingleValue: true });
  }

  sampleRelative(study: Study, trial: FrozenTrial, searchSpace: Record<string, Distribution>): Record<string, number> {
    const generation = Number(trial.systemAttrs[GENERATION_KEY] ?? this.currentGeneration(study));
    if (generation === 0) return {};
    const parents = this.parentPopulation(study, generation).filter((parent) => Object.keys(searchSpace).every((name) => parent.internalParams[name] !== undefined));
    if (parents.length < 2) return {};
    const first = this.tournament(parents, study.directions);
    let second = this.tournament(parents, study.directions);
    for (let attempt = 0; attempt < 10 && second === first; attempt++) second = this.tournament(parents, study.directions);
    const names = Object.keys(searchSpace);
    const mutationProb = this.mutationProb ?? 1 / Math.max(1, names.length);
    const crossover = this.random.random() < this.crossoverProb;
    const child: Record<string, number> = {};
    for (const name of names) {
      const source = crossover && this.random.random() < this.swappingProb ? second : first;
      if (this.random.random() < mutationProb) continue; // left to sampleIndependent: a random draw
      child[name] = source.internalParams[name]!;
    }
    return child;
  }

  sampleIndependent(_study: Study, _trial: FrozenTrial, _name: string, distribution: Distribution): number {
    return sampleUniform(this.random, distribution);
  }

  /** The first generation that does not yet have `populationSize` complete trials. */
  private currentGeneration(study: Study): number {
    const counts = new Map<number, number>();
    for (const trial of study.getTrials({ states: [TrialState.Complete] })) {
      const generation = trial.systemAttrs[GENERATION_KEY];
      if (typeof generation === "number") counts.set(generation, (counts.get(generation) ?? 0) + 1);
    }
    let generation = 0;
    while ((counts.get(generation) ?? 0) >= this.populationSize) generation++;
    return generation;
  }

  private parentPopulation(study: Study, generation: number): FrozenTrial[] {
    const cached = this.parentsByGeneration.get(generation);
    if (cached) return cached;
    const previousParents = generation <= 1 ? [] : this.parentPopulation(study, generation - 1);
    const previousGeneration = study
      .getTrials({ states: [TrialState.Complete] })
      .filter((trial) => trial.systemAttrs[GENERATION_KEY] === generation - 1);
    const parents = selectElite([...previousParents, ...previousGeneration], this.populationSize, study.directions);
    this.parentsByGeneration.set(generation, parents);
    return parents;
  }

  /** Binary tournament: the dominating one of two random candidates, else either at random. */
  private tournament(population: readonly FrozenTrial[], directions: readonly StudyDirection[]): FrozenTrial {
    const a = population[this.random.randomInt(population.length)]!;
    const b = population[this.random.randomInt(population.length)]!;
    if (dominates(a.values!, b.values!, directions)) return a;
    if (dominates(b.values!, a.values!, directions)) return b;
    return this.random.random() < 0.5 ? a : b;
  }
}

/** The best `size` trials by non-dominated rank, the last front cut by crowding distance. */
function selectElite(trials: readonly FrozenTrial[], size: number, directions: readonly StudyDirection[]): FrozenTrial[] {
  const unique = [...new Map(trials.map((trial) => [trial.number, trial])).values()];
  if (unique.length <= size) return unique;
  const ranks = nonDominatedRanks(unique.map((trial) => trial.values!), directions);
  const fronts = new Map<number, FrozenTrial[]>();
  unique.forEach((trial, i) => fronts.set(ranks[i]!, [...(fronts.get(ranks[i]!) ?? []), trial]));
  const elite: FrozenTrial[] = [];
  for (const rank of [...fronts.keys()].sort((a, b) => a - b)) {
    const front = fronts.get(rank)!;
    if (elite.length + front.length <= size) {
      elite.push(...front);
      continue;
    }
    const distances = crowdingDistances(front.map((trial) => trial.values!));
    const order = front.map((_, i) => i).sort((a, b) => distances[b]! - distances[a]! || front[a]!.number - front[b]!.number);
    for (const i of order.slice(0, size - elite.length)) elite.push(front[i]!);
    break;
  }
  return elite;
}
