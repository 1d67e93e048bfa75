/** EarlyStopping: ends training when a monitored value stops improving, optionally rewinding to its best epoch. */
import { keep, withoutRecording, type Tensor } from "@trek/tensor";
import type { Callback, Logs, TrainingContext } from "./callback.js";
import { improves, readMonitor, resolveMode, type MonitorMode } from "./monitor.js";

/** Options of {@link EarlyStopping}. */
export interface EarlyStoppingOptions {
  /** The log key to watch (default `"valLoss"`). */
  monitor?: string;
  /** Smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** Epochs without improvement to tolerate before stopping (default 0). */
  patience?: number;
  /** Direction of improvement (default `"auto"`: maximize accuracy-like keys, minimize others). */
  mode?: MonitorMode;
  /** A value the monitored quantity must beat for an epoch to count as an improvement. */
  baseline?: number;
  /**
   * Keep a copy of the weights (parameters and buffers) of the best epoch and load it back when
   * training ends, whether it stopped early or ran all epochs (default false).
   */
  restoreBestWeights?: boolean;
  /** Epochs to ignore at the start, e.g. a warm-up (default 0). */
  startFromEpoch?: number;
}

/**
 * Stops `fit` once `monitor` has not improved for `patience` epochs, like Keras's `EarlyStopping`.
 * @example
 * await fit(model, train, { epochs: 50, optimizer, loss: "crossEntropy", valLoader: val,
 *   callbacks: [new EarlyStopping({ monitor: "valLoss", patience: 3, restoreBestWeights: true })] });
 */
export class EarlyStopping implements Callback {
  readonly monitor: string;
  readonly patience: number;
  readonly minDelta: number;
  readonly restoreBestWeights: boolean;
  /** The best monitored value so far. */
  best = Number.NaN;
  /** The 0-based epoch of `best` (-1 before any). */
  bestEpoch = -1;
  /** The 0-based epoch training stopped at (-1 when it ran to the end). */
  stoppedEpoch = -1;
  private readonly mode: "min" | "max";
  private readonly baseline: number | undefined;
  private readonly startFromEpoch: number;
  private wait = 0;
  private lastEpoch = -1;
  private warned = false;
  private context: TrainingContext | undefined;
  private bestWeights: Map<string, Tensor> | null = null;

  constructor(options: EarlyStoppingOptions = {}) {
    this.monitor = options.monitor ?? "valLoss";
    this.patience = options.patience ?? 0;
    this.minDelta = Math.abs(options.minDelta ?? 0);
    this.restoreBestWeights = options.restoreBestWeights ?? false;
    this.mode = resolveMode("EarlyStopping", this.monitor, options.mode ?? "auto");
    this.baseline = options.baseline;
    this.startFromEpoch = options.startFromEpoch ?? 0;
    if (!Number.isInteger(this.patience) || this.patience < 0) throw new RangeError(`EarlyStopping: patience must be a non-negative integer, got ${this.patience}`);
  }

  setContext(context: TrainingContext): void {
    this.context = context;
  }

  onTrainBegin(): void {
    this.wait = 0;
    this.best = Number.NaN;
    this.bestEpoch = -1;
    this.stoppedEpoch = -1;
    this.lastEpoch = -1;
    this.releaseWeights();
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    this.lastEpoch = epoch;
    if (epoch < this.startFromEpoch) return;
    const value = readMonitor("EarlyStopping", this.monitor, epoch, logs);
    if (typeof value === "string") {
      if (!this.warned) console.warn(`${value}; early stopping is not checked for such epochs`);
      this.warned = true;
      return;
    }
    const reference = Number.isNaN(this.best) ? (this.mode === "min" ? Infinity : -Infinity) : this.best;
    const beatsBaseline = this.baseline === undefined || improves(value, this.baseline, this.mode, 0);
    if (improves(value, reference, this.mode, this.minDelta) && beatsBaseline) {
      this.best = value;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.restoreBestWeights) this.snapshot();
      return;
    }
    this.wait++;
    // patience 0 stops at the first epoch without improvement, patience n after n of them.
    if (this.wait >= Math.max(this.patience, 1)) {
      this.stoppedEpoch = epoch;
      if (this.context) this.context.stopTraining = true;
    }
  }

  onTrainEnd(): void {
    if (this.restoreBestWeights && this.bestWeights && this.context && this.bestEpoch !== this.lastEpoch) {
      const state = Object.fromEntries(this.bestWeights);
      this.context.model.loadStateDict(state);
    }
    this.releaseWeights();
  }

  onTrainAbort(): void {
    this.releaseWeights();
  }

  private snapshot(): void {
    if (!this.context) return;
    this.releaseWeights();
    const copies = new Map<string, Tensor>();
    withoutRecording(() => {
      for (const [key, handle] of Object.entries(this.context!.model.stateDict())) {
        copies.set(key, keep(handle.clone()));
        handle.dispose();
      }
    });
    this.bestWeights = copies;
  }

  private releaseWeights(): void {
    if (!this.bestWeights) return;
    for (const t of this.bestWeights.values()) t.dispose();
    this.bestWeights = null;
  }
}
