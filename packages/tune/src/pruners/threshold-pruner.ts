import type { FrozenTrial } from "../frozen-trial.js";
import { assertNonNegativeInteger, assertPositiveInteger, isPruningStep } from "./intermediate-values.js";
import type { Pruner } from "./pruner.js";

/** Options of {@link ThresholdPruner}. */
export interface ThresholdPrunerOptions {
  /** Prune when the latest value is below this. */
  lower?: number;
  /** Prune when the latest value is above this. */
  upper?: number;
  /** No pruning before this step (default 0). */
  nWarmupSteps?: number;
  /** Check every this many steps after the warm-up (default 1). */
  intervalSteps?: number;
}

/** Prunes a trial whose latest intermediate value leaves `[lower, upper]` or is NaN. */
export class ThresholdPruner implements Pruner {
  private readonly lower: number;
  private readonly upper: number;
  private readonly nWarmupSteps: number;
  private readonly intervalSteps: number;

  constructor(options: ThresholdPrunerOptions) {
    if (options.lower === undefined && options.upper === undefined) throw new RangeError("ThresholdPruner: give lower, upper or both");
    this.lower = options.lower ?? -Infinity;
    this.upper = options.upper ?? Infinity;
    if (Number.isNaN(this.lower) || Number.isNaN(this.upper)) throw new RangeError("ThresholdPruner: lower and upper must not be NaN");
    if (this.lower > this.upper) throw new RangeError(`ThresholdPruner: lower (${this.lower}) must be <= upper (${this.upper})`);
    this.nWarmupSteps = options.nWarmupSteps ?? 0;
    this.intervalSteps = options.intervalSteps ?? 1;
    assertNonNegativeInteger("ThresholdPruner", "nWarmupSteps", this.nWarmupSteps);
    assertPositiveInteger("ThresholdPruner", "intervalSteps", this.intervalSteps);
  }

  prune(_study: unknown, trial: FrozenTrial): boolean {
    const step = trial.lastStep;
    if (step === null || !isPruningStep(step, this.nWarmupSteps, this.intervalSteps)) return false;
    const value = trial.intermediateValues.get(step)!;
    return Number.isNaN(value) || value < this.lower || value > this.upper;
  }
}
