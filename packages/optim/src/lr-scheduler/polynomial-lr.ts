/** PolynomialLR: decays the learning rate polynomially to 0 over totalIters steps. */
import type { Optimizer } from "../optimizer.js";
import { checkNonNegative } from "../validation.js";
import { LRScheduler } from "./lr-scheduler.js";

export interface PolynomialLROptions {
  /** Steps over which the rate decays to 0 (default 5). */
  totalIters?: number;
  /** Power of the polynomial (default 1: linear decay). */
  power?: number;
  /** Index of the last step when resuming (default -1). */
  lastEpoch?: number;
}

/**
 * `lr = initialLr · (1 − min(step, totalIters) / totalIters)^power`, as
 * `torch.optim.lr_scheduler.PolynomialLR`.
 */
export class PolynomialLR extends LRScheduler {
  totalIters: number;
  power: number;

  constructor(optimizer: Optimizer, options: PolynomialLROptions = {}) {
    super(optimizer, options.lastEpoch ?? -1);
    this.totalIters = options.totalIters ?? 5;
    this.power = options.power ?? 1;
    if (!Number.isInteger(this.totalIters) || this.totalIters < 1) {
      throw new RangeError(`PolynomialLR: totalIters must be a positive integer, got ${this.totalIters}`);
    }
    checkNonNegative("PolynomialLR", "power", this.power);
    this.initialStep();
  }

  override get name(): string {
    return "PolynomialLR";
  }

  protected getLr(): number[] {
    const { totalIters, power, lastEpoch } = this;
    if (lastEpoch === 0 || lastEpoch > totalIters) return this.groups.map((g) => g.lr);
    const decay = ((1 - lastEpoch / totalIters) / (1 - (lastEpoch - 1) / totalIters)) ** power;
    return this.groups.map((g) => g.lr * decay);
  }

  protected override closedFormLr(): number[] {
    const { totalIters, power, lastEpoch } = this;
    return this.baseLrs.map((base) => base * (1 - Math.min(totalIters, lastEpoch) / totalIters) ** power);
  }
}
