import type { Distribution } from "../distributions.js";
import type { FrozenTrial } from "../frozen-trial.js";
import type { Study } from "../study.js";
import type { TrialState } from "../trial-state.js";

/**
 * Proposes parameter values. All values a sampler returns are in stored (internal) form:
 * numbers for float/int parameters, the choice index for categorical ones.
 *
 * At `ask()` the study calls `inferRelativeSearchSpace` and `sampleRelative` once to propose
 * parameters jointly (multivariate TPE, CMA-ES, NSGA-II); every parameter the objective then
 * suggests that was not proposed jointly goes through `sampleIndependent`. Samplers read the
 * study's trials with `study.getTrials()` (a synchronous view of storage, refreshed at `ask`).
 */
export interface Sampler {
  /** Parameters to sample jointly for `trial`; `{}` for purely independent samplers. */
  inferRelativeSearchSpace(study: Study, trial: FrozenTrial): Record<string, Distribution>;
  /** Joint proposal for (a subset of) `searchSpace`. */
  sampleRelative(study: Study, trial: FrozenTrial, searchSpace: Record<string, Distribution>): Record<string, number>;
  /** Proposal for one parameter on its own. */
  sampleIndependent(study: Study, trial: FrozenTrial, paramName: string, distribution: Distribution): number;
  /** Called when a trial starts, before any sampling. */
  beforeTrial?(study: Study, trial: FrozenTrial): void;
  /** Called when a trial finishes, before its state is stored. */
  afterTrial?(study: Study, trial: FrozenTrial, state: TrialState, values: readonly number[] | null): void;
}
