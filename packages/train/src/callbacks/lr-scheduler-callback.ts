/** LRSchedulerCallback: steps a learning-rate scheduler from inside `fit`. */
import { ReduceLROnPlateau } from "@trek/optim";
import type { Callback, Logs } from "./callback.js";
import { readMonitor } from "./monitor.js";

/** What the callback steps: any `@trek/optim` scheduler (or anything with `step()`). */
export interface SchedulerLike {
  step(metric?: number): void;
}

/** Options of {@link LRSchedulerCallback}. */
export interface LRSchedulerCallbackOptions {
  /** Step after every epoch (default) or after every batch (e.g. `OneCycleLR`). */
  interval?: "epoch" | "batch";
  /** For `ReduceLROnPlateau`: the log key passed to `step(value)` (default `"valLoss"`). */
  monitor?: string;
}

/**
 * Calls `scheduler.step()` after each epoch (or batch), and `step(logs[monitor])` for
 * `ReduceLROnPlateau`. The learning rate in use is logged by `fit` itself as `lr`.
 * @example
 * const scheduler = new StepLR(optimizer, { stepSize: 10, gamma: 0.5 });
 * await fit(model, train, { epochs: 30, optimizer, loss: "crossEntropy", callbacks: [new LRSchedulerCallback(scheduler)] });
 */
export class LRSchedulerCallback implements Callback {
  readonly scheduler: SchedulerLike;
  private readonly interval: "epoch" | "batch";
  private readonly monitor: string;
  private readonly plateau: boolean;

  constructor(scheduler: SchedulerLike, options: LRSchedulerCallbackOptions = {}) {
    if (!scheduler || typeof scheduler.step !== "function") throw new TypeError("LRSchedulerCallback: expected a scheduler with a step() method");
    const interval = options.interval ?? "epoch";
    if (interval !== "epoch" && interval !== "batch") throw new RangeError(`LRSchedulerCallback: interval must be "epoch" or "batch", got ${JSON.stringify(interval)}`);
    this.scheduler = scheduler;
    this.interval = interval;
    this.monitor = options.monitor ?? "valLoss";
    this.plateau = scheduler instanceof ReduceLROnPlateau;
    if (this.plateau && interval === "batch") throw new RangeError("LRSchedulerCallback: ReduceLROnPlateau steps on epoch values; use interval \"epoch\"");
  }

  onBatchEnd(): void {
    if (this.interval === "batch") this.scheduler.step();
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    if (this.interval !== "epoch") return;
    if (!this.plateau) {
      this.scheduler.step();
      return;
    }
    const value = readMonitor("LRSchedulerCallback", this.monitor, epoch, logs);
    if (typeof value === "string") throw new Error(`${value}; ReduceLROnPlateau needs it every epoch`);
    this.scheduler.step(value);
  }
}
