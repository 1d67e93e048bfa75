import type { FrozenTrial } from "../frozen-trial.js";
import type { Study } from "../study.js";
import { TrialState } from "../trial-state.js";
import { assertNonNegativeInteger } from "./intermediate-values.js";
import type { Pruner } from "./pruner.js";

/** Options of {@link SuccessiveHalvingPruner}. */
export interface SuccessiveHalvingPrunerOptions {
  /**
   * Steps a trial runs before the first rung (`r`). `"auto"` (default) takes 1 % of the
   * steps of the first completed trial (at least 1) and prunes nothing until then.
   */
  minResource?: number | "auto";
  /** `η`: a rung keeps the best 1/η of the trials that reached it (default 4). */
  reductionFactor?: number;
  /** `s`: rung `k` is at step `r · η^(s + k)` (default 0). */
  minEarlyStoppingRate?: number;
  /** A trial is stopped at a rung that fewer than this many trials reached (default 0). */
  bootstrapCount?: number;
}

const RUNG_KEY_PREFIX = "completedRung";

/**
 * Asynchronous successive halving (ASHA, Li et al. 2018): a trial reaching rung `k`
 * (step `r · η^(s+k)`) records its value there and continues only when it is within the best
 * `1/η` of all trials that reached that rung so far. Trials never wait for each other, so it
 * works with any number of parallel workers.
 */
export class SuccessiveHalvingPruner implements Pruner {
  private readonly minResource: number | "auto";
  private readonly reductionFactor: number;
  private readonly minEarlyStoppingRate: number;
  private readonly bootstrapCount: number;

  constructor(options: SuccessiveHalvingPrunerOptions = {}) {
    this.minResource = options.minResource ?? "auto";
    this.reductionFactor = options.reductionFactor ?? 4;
    this.minEarlyStoppingRate = options.minEarlyStoppingRate ?? 0;
    this.bootstrapCount = options.bootstrapCount ?? 0;
    if (this.minResource !== "auto" && !(Number.isInteger(this.minResource) && this.minResource >= 1)) {
      throw new RangeError(`SuccessiveHalvingPruner: minResource must be "auto" or a positive integer, got ${String(this.minResource)}`);
    }
    if (!(Number.isInteger(this.reductionFactor) && this.reductionFactor >= 2)) throw new RangeError(`SuccessiveHalvingPruner: reductionFactor must be an integer >= 2, got ${this.reductionFactor}`);
    assertNonNegativeInteger("SuccessiveHalvingPruner", "minEarlyStoppingRate", this.minEarlyStoppingRate);
    assertNonNegativeInteger("SuccessiveHalvingPruner", "bootstrapCount", this.bootstrapCount);
  }

  prune(study: Study, trial: FrozenTrial): boolean {
    return this.pruneAmong(study, trial, study.getTrials());
  }

  /** @internal Prunes `trial` competing only with `competitors` (used by Hyperband's brackets). */
  pruneAmong(study: Study, trial: FrozenTrial, competitors: readonly FrozenTrial[]): boolean {
    const step = trial.lastStep;
    if (step === null) return false;
    const minResource = this.minResource === "auto" ? estimateMinResource(competitors) : this.minResource;
    if (minResource === null) return false;
    const value = trial.intermediateValues.get(step)!;
    const direction = study.direction;
    let rung = currentRung(trial);
    for (;;) {
      const promotionStep = minResource * this.reductionFactor ** (this.minEarlyStoppingRate + rung);
      if (step < promotionStep) return false;
      if (Number.isNaN(value)) return true;
      const key = `${RUNG_KEY_PREFIX}${rung}`;
      const rungValues: number[] = [value];
      for (const other of competitors) {
        if (other.number === trial.number) continue;
        const recorded = other.systemAttrs[key];
        if (typeof recorded === "number" || typeof recorded === "string") rungValues.push(Number(recorded));
      }
      study.setTrialSystemAttr(trial.number, key, Number.isFinite(value) ? value : String(value));
      if (rungValues.length <= this.bootstrapCount) return true;
      if (!isPromotable(value, rungValues, this.reductionFactor, direction)) return true;
      rung++;
    }
  }
}

function currentRung(trial: FrozenTrial): number {
  let rung = 0;
  while (Object.hasOwn(trial.systemAttrs, `${RUNG_KEY_PREFIX}${rung}`)) rung++;
  return rung;
}

function estimateMinResource(trials: readonly FrozenTrial[]): number | null {
  let maxStep: number | null = null;
  for (const trial of trials) {
    if (trial.state !== TrialState.Complete) continue;
    const last = trial.lastStep;
    if (last !== null && (maxStep === null || last > maxStep)) maxStep = last;
  }
  return maxStep === null ? null : Math.max(Math.floor(maxStep / 100), 1);
}

/** Within the best `floor(n / η)` (at least the best one) of the values at a rung. */
function isPromotable(value: number, rungValues: number[], reductionFactor: number, direction: "minimize" | "maximize"): boolean {
  const sorted = rungValues.filter((v) => !Number.isNaN(v)).sort((a, b) => (direction === "minimize" ? a - b : b - a));
  const promotable = Math.max(Math.floor(sorted.length / reductionFactor), 1);
  const cutoff = sorted[promotable - 1]!;
  return direction === "minimize" ? value <= cutoff : value >= cutoff;
}
