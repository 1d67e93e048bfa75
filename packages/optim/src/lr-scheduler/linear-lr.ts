/** LinearLR: scales the learning rate by a factor that moves linearly from startFactor to endFactor. */
import type { Optimizer } from "../optimizer.js";
import { LRScheduler } from "./lr-scheduler.js";

export interface LinearLROptions {
  /** Factor at step 0, in (0, 1] (default 1/3). */
  startFactor?: number;
  /** Factor from step totalIters on, in [0, 1] (default 1). */
  endFactor?: number;
  /** Steps over which the factor changes (default 5). */
  totalIters?: number;
  /** Index of the last step when resuming (default -1). */
  lastEpoch?: number;
}

/**
 * `lr = initialLr · (startFactor + (endFactor − startFactor) · min(step, totalIters) / totalIters)`,
 * as `torch.optim.lr_scheduler.LinearLR` (a common warm-up).
 */
export class LinearLR extends LRScheduler {
  startFactor: number;
  endFactor: number;
  totalIters: number;

  constructor(optimizer: Optimizer, options: LinearLROptions = {}) {
    super(optimizer, options.lastEpoch ?? -1);
    this.startFactor = options.startFactor ?? 1 / 3;
    this.endFactor = options.endFactor ?? 1;
    this.totalIters = options.totalIters ?? 5;
    if (!(this.startFactor > 0 && this.startFactor <= 1)) {
      throw new RangeError(`LinearLR: startFactor must be in (0, 1], got ${this.startFactor}`);
    }
    if (!(this.endFactor >= 0 && this.endFactor <= 1)) {
      throw new RangeError(`LinearLR: endFactor must be in [0, 1], got ${this.endFactor}`);
    }
    if (!Number.isInteger(this.totalIters) || this.totalIters < 1) {
      throw new RangeError(`LinearLR: totalIters must be a positive integer, got ${this.totalIters}`);
    }
    this.initialStep();
  }

  override get name(): string {
    return "LinearLR";
  }

  protected getLr(): number[] {
    const { startFactor, endFactor, totalIters, lastEpoch } = this;
    if (lastEpoch === 0) return this.groups.map((g) => g.lr * startFactor);
    if (lastEpoch > totalIters) return this.groups.map((g) => g.lr);
    const ratio = 1 + (endFactor - startFactor) / (totalIters * startFactor + (lastEpoch - 1) * (endFactor - startFactor));
    return this.groups.map((g) => g.lr * ratio);
  }

  protected override closedFormLr(): number[] {
    const { startFactor, endFactor, totalIters, lastEpoch } = this;
    return this.baseLrs.map((base) => base * (startFactor + ((endFactor - startFactor) * Math.min(totalIters, lastEpoch)) / totalIters));
  }
}
