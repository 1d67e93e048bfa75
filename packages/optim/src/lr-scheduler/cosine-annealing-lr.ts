/** CosineAnnealingLR: the learning rate follows half a cosine from initialLr down to etaMin. */
import type { Optimizer } from "../optimizer.js";
import { checkNonNegative } from "../validation.js";
import { LRScheduler } from "./lr-scheduler.js";

export interface CosineAnnealingLROptions {
  /** Steps of half a period: the rate reaches etaMin at step tMax (and rises again after). */
  tMax: number;
  /** Lowest learning rate (default 0). */
  etaMin?: number;
  /** Index of the last step when resuming (default -1). */
  lastEpoch?: number;
}

/**
 * `lr = etaMin + (initialLr − etaMin)(1 + cos(π · step / tMax)) / 2`, applied recursively from
 * the current rate as in `torch.optim.lr_scheduler.CosineAnnealingLR`, so other changes to
 * `lr` are carried along.
 */
export class CosineAnnealingLR extends LRScheduler {
  tMax: number;
  etaMin: number;

  constructor(optimizer: Optimizer, options: CosineAnnealingLROptions) {
    super(optimizer, options?.lastEpoch ?? -1);
    if (!(options.tMax > 0)) throw new RangeError(`CosineAnnealingLR: tMax must be > 0, got ${String(options.tMax)}`);
    this.tMax = options.tMax;
    this.etaMin = options.etaMin ?? 0;
    checkNonNegative("CosineAnnealingLR", "etaMin", this.etaMin);
    this.initialStep();
  }

  override get name(): string {
    return "CosineAnnealingLR";
  }

  protected getLr(): number[] {
    const { tMax, etaMin, lastEpoch } = this;
    if (lastEpoch === 0) return this.groups.map((g) => g.lr);
    if (this.stepCount === 1 && lastEpoch > 0) {
      return this.baseLrs.map((base) => etaMin + ((base - etaMin) * (1 + Math.cos((lastEpoch * Math.PI) / tMax))) / 2);
    }
    if ((lastEpoch - 1 - tMax) % (2 * tMax) === 0) {
      return this.groups.map((g, i) => g.lr + ((this.baseLrs[i]! - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2);
    }
    return this.groups.map(
      (g) =>
        ((1 + Math.cos((Math.PI * lastEpoch) / tMax)) / (1 + Math.cos((Math.PI * (lastEpoch - 1)) / tMax))) * (g.lr - etaMin) + etaMin,
    );
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((base) => this.etaMin + ((base - this.etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / this.tMax))) / 2);
  }
}
