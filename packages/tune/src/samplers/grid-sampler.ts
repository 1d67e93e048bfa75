import { type CategoricalChoice, type Distribution, describeDistribution, distributionContains, toInternal } from "../distributions.js";
import type { FrozenTrial } from "../frozen-trial.js";
import { SeededRandom } from "../random.js";
import type { Study } from "../study.js";
import { TrialState } from "../trial-state.js";
import type { Sampler } from "./sampler.js";

/** Options of {@link GridSampler}. */
export interface GridSamplerOptions {
  /** Seed for the order in which grid points are visited. */
  seed?: number;
}

const GRID_ID_KEY = "grid:id";

/**
 * Visits every combination of the given values once, in random order, then stops the study.
 * Parallel workers skip points that are running or done. Every parameter the objective
 * suggests must be in the grid, with grid values inside the suggested range.
 */
export class GridSampler implements Sampler {
  private readonly names: string[];
  private readonly values: CategoricalChoice[][];
  private readonly gridSize: number;
  private readonly random: SeededRandom;

  constructor(searchSpace: Record<string, readonly CategoricalChoice[]>, options: GridSamplerOptions = {}) {
    this.names = Object.keys(searchSpace).sort();
    if (this.names.length === 0) throw new RangeError("GridSampler: the search space must have at least one parameter");
    this.values = this.names.map((name) => {
      const values = searchSpace[name]!;
      if (!Array.isArray(values) || values.length === 0) throw new RangeError(`GridSampler: the values of ${JSON.stringify(name)} must be a non-empty array`);
      return [...values];
    });
    this.gridSize = this.values.reduce((size, values) => size * values.length, 1);
    this.random = new SeededRandom(options.seed);
  }

  /** Number of grid points. */
  get size(): number {
    return this.gridSize;
  }

  beforeTrial(study: Study, trial: FrozenTrial): void {
    if (typeof trial.systemAttrs[GRID_ID_KEY] === "number") return;
    const unvisited = this.unvisited(study, trial.number);
    // All points taken (e.g. parallel workers overshooting): revisit one rather than fail.
    const pool = unvisited.length > 0 ? unvisited : Array.from({ length: this.gridSize }, (_, i) => i);
    const gridId = pool[this.random.randomInt(pool.length)]!;
    study.setTrialSystemAttr(trial.number, GRID_ID_KEY, gridId);
    if (unvisited.length <= 1) study.stop();
  }

  inferRelativeSearchSpace(): Record<string, Distribution> {
    return {};
  }

  sampleRelative(): Record<string, number> {
    return {};
  }

  sampleIndependent(_study: Study, trial: FrozenTrial, paramName: string, distribution: Distribution): number {
    const index = this.names.indexOf(paramName);
    if (index < 0) throw new RangeError(`GridSampler: parameter ${JSON.stringify(paramName)} is not in the grid (${this.names.join(", ")})`);
    const gridId = trial.systemAttrs[GRID_ID_KEY];
    if (typeof gridId !== "number") throw new Error(`GridSampler: trial ${trial.number} has no grid point`);
    const value = this.point(gridId)[index]!;
    if (!distributionContains(distribution, value)) {
      throw new RangeError(`GridSampler: grid value ${JSON.stringify(value)} of ${JSON.stringify(paramName)} is not in ${describeDistribution(distribution)}`);
    }
    return toInternal(distribution, value);
  }

  /** The parameter values of grid point `gridId` (in sorted name order). */
  private point(gridId: number): CategoricalChoice[] {
    const point: CategoricalChoice[] = new Array(this.names.length);
    let rest = gridId;
    for (let i = this.names.length - 1; i >= 0; i--) {
      const values = this.values[i]!;
      point[i] = values[rest % values.length]!;
      rest = Math.floor(rest / values.length);
    }
    return point;
  }

  private unvisited(study: Study, currentNumber: number): number[] {
    const visited = new Set<number>();
    for (const trial of study.getTrials()) {
      if (trial.number === currentNumber || trial.state === TrialState.Waiting) continue;
      const gridId = trial.systemAttrs[GRID_ID_KEY];
      if (typeof gridId === "number") visited.add(gridId);
    }
    const result: number[] = [];
    for (let i = 0; i < this.gridSize; i++) if (!visited.has(i)) result.push(i);
    return result;
  }
}
