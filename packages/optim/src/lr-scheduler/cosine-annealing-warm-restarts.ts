/** CosineAnnealingWarmRestarts: cosine annealing that restarts, with periods growing by tMult (SGDR). */
import type { Optimizer } from "../optimizer.js";
import { checkNonNegative } from "../validation.js";
import { LRScheduler } from "./lr-scheduler.js";

export interface CosineAnnealingWarmRestartsOptions {
  /** Steps until the first restart. */
  t0: number;
  /** Factor by which each period is longer than the last (default 1). */
  tMult?: number;
  /** Lowest learning rate (default 0). */
  etaMin?: number;
  /** Index of the last step when resuming (default -1). */
  lastEpoch?: number;
}

/**
 * `lr = etaMin + (initialLr − etaMin)(1 + cos(π · tCur / tI)) / 2`, where tCur counts steps
 * since the last restart and tI is the current period, as
 * `torch.optim.lr_scheduler.CosineAnnealingWarmRestarts`. `step(epoch)` accepts fractional
 * epochs (e.g. `epoch + batch / batches`).
 */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  t0: number;
  tI: number;
  tMult: number;
  etaMin: number;
  tCur: number;

  constructor(optimizer: Optimizer, options: CosineAnnealingWarmRestartsOptions) {
    const lastEpoch = options?.lastEpoch ?? -1;
    super(optimizer, lastEpoch);
    const { t0, tMult = 1, etaMin = 0 } = options;
    if (!Number.isInteger(t0) || t0 <= 0) throw new RangeError(`CosineAnnealingWarmRestarts: expected a positive integer t0, got ${String(t0)}`);
    if (!Number.isInteger(tMult) || tMult < 1) throw new RangeError(`CosineAnnealingWarmRestarts: expected an integer tMult ≥ 1, got ${String(tMult)}`);
    checkNonNegative("CosineAnnealingWarmRestarts", "etaMin", etaMin);
    this.t0 = t0;
    this.tI = t0;
    this.tMult = tMult;
    this.etaMin = etaMin;
    this.tCur = lastEpoch;
    this.initialStep();
  }

  override get name(): string {
    return "CosineAnnealingWarmRestarts";
  }

  protected getLr(): number[] {
    return this.baseLrs.map((base) => this.etaMin + ((base - this.etaMin) * (1 + Math.cos((Math.PI * this.tCur) / this.tI))) / 2);
  }

  override step(epoch?: number): void {
    if (epoch === undefined && this.lastEpoch < 0) epoch = 0;
    if (epoch === undefined) {
      epoch = this.lastEpoch + 1;
      this.tCur += 1;
      if (this.tCur >= this.tI) {
        this.tCur -= this.tI;
        this.tI *= this.tMult;
      }
    } else {
      if (!(epoch >= 0)) throw new RangeError(`CosineAnnealingWarmRestarts: expected a non-negative epoch, got ${epoch}`);
      if (epoch >= this.t0) {
        if (this.tMult === 1) {
          this.tCur = epoch % this.t0;
        } else {
          const n = Math.trunc(Math.log((epoch / this.t0) * (this.tMult - 1) + 1) / Math.log(this.tMult));
          this.tCur = epoch - (this.t0 * (this.tMult ** n - 1)) / (this.tMult - 1);
          this.tI = this.t0 * this.tMult ** n;
        }
      } else {
        this.tI = this.t0;
        this.tCur = epoch;
      }
    }
    this.lastEpoch = Math.floor(epoch);
    this.stepCount++;
    const values = this.getLr();
    this.groups.forEach((group, i) => (group.lr = values[i]!));
    this.lastLr = this.groups.map((group) => group.lr);
  }
}
