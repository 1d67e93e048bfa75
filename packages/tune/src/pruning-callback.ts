import { TrialPruned } from "./errors.js";
import { logWarning } from "./logging.js";
import type { Trial } from "./trial.js";

/** Options of {@link pruningCallback}. */
export interface PruningCallbackOptions {
  /** The log key to report each epoch, e.g. `"valLoss"` or `"valAccuracy"` (default `"valLoss"`). */
  monitor?: string;
}

/**
 * The training-callback shape `pruningCallback` returns: it matches `@trek/train`'s callback
 * interface by shape, so neither package imports the other.
 */
export interface TrainingPruningCallback {
  onEpochEnd(epoch: number, logs?: Record<string, number>): void;
}

/**
 * A callback for `fit(…, { callbacks: [...] })` that reports `logs[monitor]` after every epoch
 * (0-based epoch as the step) and throws {@link TrialPruned} when the study's pruner says so;
 * the error propagates out of `fit` and `study.optimize` records the trial as pruned.
 * An epoch whose logs lack `monitor` is skipped with a warning naming the keys present.
 *
 * @example
 * await study.optimize(async (trial) => {
 *   const history = await fit(model, data, { epochs: 20, callbacks: [pruningCallback(trial, { monitor: "valLoss" })] });
 *   return history.valLoss.at(-1)!;
 * });
 */
export function pruningCallback(trial: Trial, options: PruningCallbackOptions = {}): TrainingPruningCallback {
  const monitor = options.monitor ?? "valLoss";
  let warned = false;
  return {
    onEpochEnd(epoch: number, logs: Record<string, number> = {}): void {
      const value = logs[monitor];
      if (typeof value !== "number") {
        if (!warned) {
          logWarning(`pruningCallback: the logs of epoch ${epoch} have no ${JSON.stringify(monitor)} (keys: ${Object.keys(logs).join(", ") || "none"}); skipping pruning for such epochs`);
          warned = true;
        }
        return;
      }
      trial.report(value, epoch);
      if (trial.shouldPrune()) throw new TrialPruned(`trial ${trial.number} was pruned at epoch ${epoch} (${monitor} = ${value})`);
    },
  };
}
