import { type Distribution, distributionsEqual, isSingleValue } from "../distributions.js";
import type { FrozenTrial } from "../frozen-trial.js";
import { TrialState } from "../trial-state.js";

/**
 * The parameters that every finished trial of the given states has, with the same distribution
 * in all of them (the space a joint sampler can model). Sorted by name for reproducibility.
 */
export function intersectionSearchSpace(
  trials: readonly FrozenTrial[],
  options: { includePruned?: boolean; excludeSingleValue?: boolean } = {},
): Record<string, Distribution> {
  let space: Map<string, Distribution> | null = null;
  for (const trial of trials) {
    if (!(trial.state === TrialState.Complete || (options.includePruned && trial.state === TrialState.Pruned))) continue;
    if (space === null) {
      space = new Map(Object.entries(trial.distributions));
      continue;
    }
    for (const [name, distribution] of space) {
      const other = trial.distributions[name];
      if (!other || !distributionsEqual(other, distribution)) space.delete(name);
    }
  }
  const result: Record<string, Distribution> = {};
  if (space === null) return result;
  for (const name of [...space.keys()].sort()) {
    const distribution = space.get(name)!;
    if (options.excludeSingleValue && isSingleValue(distribution)) continue;
    result[name] = distribution;
  }
  return result;
}
