import type { FrozenTrial } from "../frozen-trial.js";
import type { Study } from "../study.js";
import { TrialState } from "../trial-state.js";
import { assertNonNegativeInteger, assertPositiveInteger, bestIntermediateValue, isPruningStep, percentile } from "./intermediate-values.js";
import type { Pruner } from "./pruner.js";

/** Options of {@link PercentilePruner} and `MedianPruner`. */
export interface PercentilePrunerOptions {
  /** No pruning until this many trials have completed (default 5). */
  nStartupTrials?: number;
  /** No pruning before this step of a trial (default 0). */
  nWarmupSteps?: number;
  /** Consider pruning every this many steps after the warm-up (default 1). */
  intervalSteps?: number;
  /** No pruning at a step that fewer than this many completed trials reported (default 1). */
  nMinTrials?: number;
}

/**
 * Prunes a trial whose best intermediate value so far is worse than the given percentile of the
 * completed trials' values at the same step (for minimization, above the percentile). A trial
 * that reports NaN is pruned.
 */
export class PercentilePruner implements Pruner {
  private readonly percentileValue: number;
  private readonly nStartupTrials: number;
  private readonly nWarmupSteps: number;
  private readonly intervalSteps: number;
  private readonly nMinTrials: number;

  /**
   * @param percentile - In [0, 100]; a trial stays when it is among the best `percentile` %
   *   (e.g. 25 keeps only trials in the best quarter).
   */
  constructor(percentile: number, options: PercentilePrunerOptions = {}) {
    if (!(percentile >= 0 && percentile <= 100)) throw new RangeError(`PercentilePruner: percentile must be in [0, 100], got ${percentile}`);
    this.percentileValue = percentile;
    this.nStartupTrials = options.nStartupTrials ?? 5;
    this.nWarmupSteps = options.nWarmupSteps ?? 0;
    this.intervalSteps = options.intervalSteps ?? 1;
    this.nMinTrials = options.nMinTrials ?? 1;
    assertNonNegativeInteger("PercentilePruner", "nStartupTrials", this.nStartupTrials);
    assertNonNegativeInteger("PercentilePruner", "nWarmupSteps", this.nWarmupSteps);
    assertPositiveInteger("PercentilePruner", "intervalSteps", this.intervalSteps);
    assertPositiveInteger("PercentilePruner", "nMinTrials", this.nMinTrials);
  }

  prune(study: Study, trial: FrozenTrial): boolean {
    const step = trial.lastStep;
    if (step === null) return false;
    const completed = study.getTrials({ states: [TrialState.Complete] });
    if (completed.length < this.nStartupTrials) return false;
    if (!isPruningStep(step, this.nWarmupSteps, this.intervalSteps)) return false;
    const direction = study.direction;
    const best = bestIntermediateValue(trial, direction);
    if (Number.isNaN(best)) return true;

    const others: number[] = [];
    for (const other of completed) {
      const value = other.intermediateValues.get(step);
      if (value !== undefined && !Number.isNaN(value)) others.push(value);
    }
    if (others.length < this.nMinTrials) return false;
    others.sort((a, b) => a - b);
    // For maximization the "best p %" are the top ones: mirror the percentile.
    const threshold = percentile(others, direction === "minimize" ? this.percentileValue : 100 - this.percentileValue);
    return direction === "minimize" ? best > threshold : best < threshold;
  }
}
