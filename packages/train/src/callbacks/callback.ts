/**
 * The callback contract of `fit`: an object with optional, sync or async hooks. It is matched by
 * shape, so other packages (e.g. @trek/tune's `pruningCallback`) implement it without importing
 * this package.
 */
import type { Module } from "@trek/nn";
import type { Optimizer } from "@trek/optim";

/** Numbers logged per batch or epoch, keyed camelCase: `loss`, `accuracy`, `valLoss`, `valAccuracy`, `lr`, … */
export type Logs = Record<string, number>;

/** What callbacks can see of (and change in) a running `fit`. */
export interface TrainingContext {
  /** The model being trained. */
  readonly model: Module;
  /** Its optimizer. */
  readonly optimizer: Optimizer;
  /** Total number of epochs `fit` was asked for. */
  readonly epochs: number;
  /** Batches per epoch, when the loader knows its length. */
  readonly stepsPerEpoch: number | undefined;
  /** Whether validation runs after each epoch. */
  readonly hasValidation: boolean;
  /** The log keys of the epoch logs (`loss`, metric names, and their `val` forms), in order. */
  readonly logKeys: readonly string[];
  /** Set to true to end training after the current batch (Keras's `model.stop_training`). */
  stopTraining: boolean;
}

/**
 * Hooks `fit` calls, in order: `setContext`, `onTrainBegin`, then per epoch `onEpochBegin`,
 * `onBatchBegin`/`onBatchEnd` per batch, `onEpochEnd`; finally `onTrainEnd` — or `onTrainAbort`
 * when `fit` fails (a callback's exception included, which then propagates out of `fit`).
 * Epochs and batches are 0-based. Every hook may be async; `fit` awaits it.
 */
export interface Callback {
  /** Receives the model, optimizer and the `stopTraining` flag before training starts. */
  setContext?(context: TrainingContext): void;
  onTrainBegin?(logs: Logs): void | Promise<void>;
  /** Called with the last epoch's logs. */
  onTrainEnd?(logs: Logs): void | Promise<void>;
  /** Called instead of `onTrainEnd` when `fit` throws, before the error propagates. */
  onTrainAbort?(error: unknown): void | Promise<void>;
  onEpochBegin?(epoch: number, logs: Logs): void | Promise<void>;
  /** `logs` holds the epoch's training values and, with a validation loader, the `val…` ones. */
  onEpochEnd?(epoch: number, logs: Logs): void | Promise<void>;
  onBatchBegin?(batch: number, logs: Logs): void | Promise<void>;
  /** `logs` holds `size` (samples in the batch) and running means of the loss and metrics so far this epoch. */
  onBatchEnd?(batch: number, logs: Logs): void | Promise<void>;
}

type HookName = Exclude<keyof Callback, "setContext">;

/** Runs one hook on every callback, in order, awaiting each. */
export async function runHook<K extends HookName>(callbacks: readonly Callback[], hook: K, ...args: Parameters<NonNullable<Callback[K]>>): Promise<void> {
  for (const callback of callbacks) {
    const fn = callback[hook] as ((...a: unknown[]) => void | Promise<void>) | undefined;
    if (typeof fn === "function") await fn.apply(callback, args);
  }
}
