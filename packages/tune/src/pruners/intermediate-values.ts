import type { FrozenTrial } from "../frozen-trial.js";
import type { StudyDirection } from "../trial-state.js";

/** The best value a trial reported so far (NaN values ignored; NaN when there is none). */
export function bestIntermediateValue(trial: FrozenTrial, direction: StudyDirection): number {
  let best = NaN;
  for (const value of trial.intermediateValues.values()) {
    if (Number.isNaN(value)) continue;
    if (Number.isNaN(best) || (direction === "minimize" ? value < best : value > best)) best = value;
  }
  return best;
}

/**
 * Whether `step` is a step at which pruning is considered: after the warm-up and on the
 * interval grid counted from the end of the warm-up.
 */
export function isPruningStep(step: number, warmupSteps: number, intervalSteps: number): boolean {
  return step >= warmupSteps && (step - warmupSteps) % intervalSteps === 0;
}

/** The `q`-th percentile (0–100) with linear interpolation between order statistics. */
export function percentile(sortedValues: readonly number[], q: number): number {
  if (sortedValues.length === 0) return NaN;
  const position = (q / 100) * (sortedValues.length - 1);
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const fraction = position - lower;
  return sortedValues[lower]! + (sortedValues[upper]! - sortedValues[lower]!) * fraction;
}

export function assertNonNegativeInteger(owner: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${owner}: ${name} must be a non-negative integer, got ${value}`);
}

export function assertPositiveInteger(owner: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${owner}: ${name} must be a positive integer, got ${value}`);
}
