/** ExponentialLR: multiplies the learning rate by `gamma` every step. */
import type { Optimizer } from "../optimizer.js";
import { checkNonNegative } from "../validation.js";
import { LRScheduler } from "./lr-scheduler.js";

export interface ExponentialLROptions {
  /** Decay factor per step. */
  gamma: number;
  /** Index of the last step when resuming (default -1). */
  lastEpoch?: number;
}

/** `lr = initialLr · gamma^step`, as `torch.optim.lr_scheduler.ExponentialLR`. */
export class ExponentialLR extends LRScheduler {
  gamma: number;

  constructor(optimizer: Optimizer, options: ExponentialLROptions) {
    super(optimizer, options?.lastEpoch ?? -1);
    checkNonNegative("ExponentialLR", "gamma", options.gamma);
    this.gamma = options.gamma;
    this.initialStep();
  }

  override get name(): string {
    return "ExponentialLR";
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((lr) => lr * this.gamma ** this.lastEpoch);
  }
}
