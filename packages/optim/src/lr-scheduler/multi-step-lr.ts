/** MultiStepLR: multiplies the learning rate by `gamma` at each milestone. */
import type { Optimizer } from "../optimizer.js";
import { checkNonNegative } from "../validation.js";
import { LRScheduler } from "./lr-scheduler.js";

export interface MultiStepLROptions {
  /** Steps at which to decay; a step listed twice decays twice. */
  milestones: number[];
  /** Decay factor (default 0.1). */
  gamma?: number;
  /** Index of the last step when resuming (default -1). */
  lastEpoch?: number;
}

/** `lr = initialLr · gamma^(milestones passed)`, as `torch.optim.lr_scheduler.MultiStepLR`. */
export class MultiStepLR extends LRScheduler {
  /** The milestones in increasing order (with repeats). */
  milestones: number[];
  gamma: number;

  constructor(optimizer: Optimizer, options: MultiStepLROptions) {
    super(optimizer, options?.lastEpoch ?? -1);
    if (!Array.isArray(options.milestones) || options.milestones.some((m) => !Number.isInteger(m))) {
      throw new TypeError(`MultiStepLR: milestones must be a list of integers, got ${String(options.milestones)}`);
    }
    this.milestones = [...options.milestones].sort((a, b) => a - b);
    this.gamma = options.gamma ?? 0.1;
    checkNonNegative("MultiStepLR", "gamma", this.gamma);
    this.initialStep();
  }

  override get name(): string {
    return "MultiStepLR";
  }

  protected getLr(): number[] {
    const hits = this.milestones.filter((m) => m === this.lastEpoch).length;
    if (hits === 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma ** hits);
  }

  protected override closedFormLr(): number[] {
    const passed = this.milestones.filter((m) => m <= this.lastEpoch).length;
    return this.baseLrs.map((lr) => lr * this.gamma ** passed);
  }
}
