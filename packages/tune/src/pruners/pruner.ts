import type { FrozenTrial } from "../frozen-trial.js";
import type { Study } from "../study.js";

/**
 * Decides whether a running trial should stop early, from its intermediate values and those of
 * the study's other trials (`study.getTrials()`). Called by `trial.shouldPrune()` with the
 * trial's current snapshot.
 */
export interface Pruner {
  prune(study: Study, trial: FrozenTrial): boolean;
}
