/** ConstantLR: scales the learning rate by a constant factor for the first totalIters steps. */
import type { Optimizer } from "../optimizer.js";
import { LRScheduler } from "./lr-scheduler.js";

export interface ConstantLROptions {
  /** Factor applied until step totalIters, in [0, 1] (default 1/3). */
  factor?: number;
  /** Steps during which the factor applies (default 5). */
  totalIters?: number;
  /** Index of the last step when resuming (default -1). */
  lastEpoch?: number;
}

/**
 * `lr = initialLr · factor` for steps 0 … totalIters − 1, then `initialLr`, as
 * `torch.optim.lr_scheduler.ConstantLR` (a simple warm-up).
 */
export class ConstantLR extends LRScheduler {
  factor: number;
  totalIters: number;

  constructor(optimizer: Optimizer, options: ConstantLROptions = {}) {
    super(optimizer, options.lastEpoch ?? -1);
    this.factor = options.factor ?? 1 / 3;
    this.totalIters = options.totalIters ?? 5;
    if (!(this.factor >= 0 && this.factor <= 1)) {
      throw new RangeError(`ConstantLR: factor must be in [0, 1], got ${this.factor}`);
    }
    if (!Number.isInteger(this.totalIters) || this.totalIters < 1) {
      throw new RangeError(`ConstantLR: totalIters must be a positive integer, got ${this.totalIters}`);
    }
    this.initialStep();
  }

  override get name(): string {
    return "ConstantLR";
  }

  protected getLr(): number[] {
    const { factor, totalIters, lastEpoch } = this;
    if (lastEpoch === 0) return this.groups.map((g) => g.lr * factor);
    if (lastEpoch !== totalIters) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * (1 / factor));
  }

  protected override closedFormLr(): number[] {
    const { factor, totalIters, lastEpoch } = this;
    return this.baseLrs.map((base) => base * (factor + (lastEpoch >= totalIters ? 1 : 0) * (1 - factor)));
  }
}
