import type { AttrValue, FrozenTrial } from "./frozen-trial.js";
import { FIXED_PARAMS_KEY } from "./storages/storage.js";
import type { Study } from "./study.js";
import { TrialState } from "./trial-state.js";

/** Options of {@link RetryFailedTrialCallback}. */
export interface RetryFailedTrialCallbackOptions {
  /** How many times one configuration is retried (default: no limit). */
  maxRetry?: number;
  /** Copy the failed trial's intermediate values into the retry (default false). */
  inheritIntermediateValues?: boolean;
}

/** System attribute: number of the first trial of a chain of retries. */
export const FAILED_TRIAL_KEY = "failedTrial";
/** System attribute: numbers of the earlier attempts, oldest first. */
export const RETRY_HISTORY_KEY = "retryHistory";

/**
 * A `failedTrialCallback` for heartbeat storages that re-enqueues a trial whose worker died,
 * with the same parameters, so another worker runs it again. Retries are linked through the
 * `failedTrial` and `retryHistory` system attributes.
 *
 * @example
 * const storage = new JournalFileStorage("study.log", {
 *   heartbeatInterval: 10,
 *   failedTrialCallback: new RetryFailedTrialCallback({ maxRetry: 2 }).callback,
 * });
 */
export class RetryFailedTrialCallback {
  private readonly maxRetry: number;
  private readonly inheritIntermediateValues: boolean;

  constructor(options: RetryFailedTrialCallbackOptions = {}) {
    this.maxRetry = options.maxRetry ?? Infinity;
    this.inheritIntermediateValues = options.inheritIntermediateValues ?? false;
    if (!(this.maxRetry >= 0)) throw new RangeError(`RetryFailedTrialCallback: maxRetry must be >= 0, got ${this.maxRetry}`);
  }

  /** The function to pass as `failedTrialCallback` (bound to this instance). */
  readonly callback = async (study: Study, trial: FrozenTrial): Promise<void> => {
    const history = RetryFailedTrialCallback.retryHistory(trial);
    if (history.length >= this.maxRetry) return;
    const fixed = trial.systemAttrs[FIXED_PARAMS_KEY];
    const params = { ...((fixed && typeof fixed === "object" && !Array.isArray(fixed) ? fixed : {}) as Record<string, AttrValue>), ...(trial.params as Record<string, AttrValue>) };
    await study.storage.createNewTrial(study.studyId, {
      state: TrialState.Waiting,
      userAttrs: { ...trial.userAttrs },
      systemAttrs: {
        [FIXED_PARAMS_KEY]: params,
        [FAILED_TRIAL_KEY]: RetryFailedTrialCallback.failedTrialNumber(trial) ?? trial.number,
        [RETRY_HISTORY_KEY]: [...history, trial.number],
      },
      ...(this.inheritIntermediateValues ? { intermediateValues: trial.intermediateValues } : {}),
    });
  };

  /** The number of the original trial this one retries, or `null` when it is not a retry. */
  static failedTrialNumber(trial: FrozenTrial): number | null {
    const value = trial.systemAttrs[FAILED_TRIAL_KEY];
    return typeof value === "number" ? value : null;
  }

  /** Numbers of the earlier attempts of this configuration, oldest first. */
  static retryHistory(trial: FrozenTrial): number[] {
    const value = trial.systemAttrs[RETRY_HISTORY_KEY];
    return Array.isArray(value) ? value.filter((n): n is number => typeof n === "number") : [];
  }
}
