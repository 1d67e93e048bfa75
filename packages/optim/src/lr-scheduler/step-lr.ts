/** StepLR: multiplies the learning rate by `gamma` every `stepSize` steps. */
import type { Optimizer } from "../optimizer.js";
import { checkNonNegative } from "../validation.js";
import { LRScheduler } from "./lr-scheduler.js";

export interface StepLROptions {
  /** Steps between decays. */
  stepSize: number;
  /** Decay factor (default 0.1). */
  gamma?: number;
  /** Index of the last step when resuming (default -1). */
  lastEpoch?: number;
}

/** `lr = initialLr · gamma^⌊step / stepSize⌋`, as `torch.optim.lr_scheduler.StepLR`. */
export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;

  constructor(optimizer: Optimizer, options: StepLROptions) {
    super(optimizer, options?.lastEpoch ?? -1);
    if (!Number.isInteger(options.stepSize) || options.stepSize < 1) {
      throw new RangeError(`StepLR: stepSize must be a positive integer, got ${String(options.stepSize)}`);
    }
    this.stepSize = options.stepSize;
    this.gamma = options.gamma ?? 0.1;
    checkNonNegative("StepLR", "gamma", this.gamma);
    this.initialStep();
  }

  override get name(): string {
    return "StepLR";
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((lr) => lr * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }
}
