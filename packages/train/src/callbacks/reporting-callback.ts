/**
 * A report-and-prune hook for hyperparameter tuners, without depending on any: a trial-like
 * object receives the monitored value after each epoch and may ask to stop the run.
 */
import type { Callback, Logs } from "./callback.js";
import { readMonitor } from "./monitor.js";

/** What a tuner's trial offers (Optuna's shape: @trek/tune's `Trial` fits it). */
export interface TrialReporter {
  /** Records an intermediate value at a step (the 0-based epoch). */
  report(value: number, step: number): unknown;
  /** Whether the tuner's pruner wants the trial stopped now. */
  shouldPrune(): boolean | Promise<boolean>;
}

/** Options of {@link reportingCallback}. */
export interface ReportingCallbackOptions {
  /** The log key to report (default `"valLoss"`). */
  monitor?: string;
  /** When pruned: `"throw"` a {@link TrialPrunedError} out of `fit` (default) or `"stop"` training quietly. */
  onPrune?: "throw" | "stop";
}

/**
 * Thrown out of `fit` when a tuner prunes the trial. Its `name` is `"TrialPruned"`, which
 * @trek/tune's studies recognize as a pruned (not failed) trial.
 */
export class TrialPrunedError extends Error {
  override readonly name = "TrialPruned";
  constructor(message = "trial was pruned") {
    super(message);
  }
}

/**
 * Reports `logs[monitor]` to `trial` after each epoch (step = 0-based epoch) and ends the run
 * when `trial.shouldPrune()` says so. @trek/tune users can also use its own `pruningCallback`.
 * @example
 * await fit(model, train, { epochs: 10, optimizer, loss: "crossEntropy", valLoader: val,
 *   callbacks: [reportingCallback(trial, { monitor: "valAccuracy" })] });
 */
export function reportingCallback(trial: TrialReporter, options: ReportingCallbackOptions = {}): Callback {
  if (!trial || typeof trial.report !== "function" || typeof trial.shouldPrune !== "function") {
    throw new TypeError("reportingCallback: expected a trial with report(value, step) and shouldPrune()");
  }
  const monitor = options.monitor ?? "valLoss";
  const onPrune = options.onPrune ?? "throw";
  let stop: (() => void) | undefined;
  let warned = false;
  return {
    setContext(context) {
      stop = () => (context.stopTraining = true);
    },
    async onEpochEnd(epoch: number, logs: Logs) {
      const value = readMonitor("reportingCallback", monitor, epoch, logs);
      if (typeof value === "string") {
        if (!warned) console.warn(`${value}; not reporting such epochs`);
        warned = true;
        return;
      }
      await trial.report(value, epoch);
      if (!(await trial.shouldPrune())) return;
      if (onPrune === "stop") stop?.();
      else throw new TrialPrunedError(`trial pruned at epoch ${epoch} (${monitor} = ${value})`);
    },
  };
}
