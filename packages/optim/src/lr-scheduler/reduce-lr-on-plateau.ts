/** ReduceLROnPlateau: lowers the learning rate when a metric has stopped improving. */
import { Optimizer } from "../optimizer.js";
import { formatValue } from "../validation.js";
import type { SchedulerStateDict } from "./lr-scheduler.js";

export interface ReduceLROnPlateauOptions {
  /** "min" (default): lower is better, e.g. a loss; "max": higher is better, e.g. accuracy. */
  mode?: "min" | "max";
  /** Factor applied to the rate on a plateau, < 1 (default 0.1). */
  factor?: number;
  /** Steps without improvement tolerated before reducing (default 10). */
  patience?: number;
  /** Smallest change that counts as an improvement (default 1e-4). */
  threshold?: number;
  /** "rel" (default): relative to the best value; "abs": absolute. */
  thresholdMode?: "rel" | "abs";
  /** Steps to wait after a reduction before counting again (default 0). */
  cooldown?: number;
  /** Lower bound of the rate, for every group or one per group (default 0). */
  minLr?: number | number[];
  /** Reductions smaller than this are skipped (default 1e-8). */
  eps?: number;
}

/**
 * As `torch.optim.lr_scheduler.ReduceLROnPlateau`: call `step(metric)` after each evaluation.
 */
export class ReduceLROnPlateau {
  readonly optimizer: Optimizer;
  mode: "min" | "max";
  factor: number;
  patience: number;
  threshold: number;
  thresholdMode: "rel" | "abs";
  cooldown: number;
  minLrs: number[];
  eps: number;
  /** The best metric seen (±Infinity before the first). */
  best: number;
  /** Steps since the last improvement. */
  numBadEpochs = 0;
  /** Steps of cooldown left. */
  cooldownCounter = 0;
  lastEpoch = 0;
  private lastLr: number[];

  constructor(optimizer: Optimizer, options: ReduceLROnPlateauOptions = {}) {
    const name = "ReduceLROnPlateau";
    if (!(optimizer instanceof Optimizer)) throw new TypeError(`${name}: expected an Optimizer, got ${formatValue(optimizer)}`);
    this.optimizer = optimizer;
    this.mode = options.mode ?? "min";
    this.factor = options.factor ?? 0.1;
    this.patience = options.patience ?? 10;
    this.threshold = options.threshold ?? 1e-4;
    this.thresholdMode = options.thresholdMode ?? "rel";
    this.cooldown = options.cooldown ?? 0;
    this.eps = options.eps ?? 1e-8;
    if (this.mode !== "min" && this.mode !== "max") throw new RangeError(`${name}: mode must be "min" or "max", got ${formatValue(this.mode)}`);
    if (this.thresholdMode !== "rel" && this.thresholdMode !== "abs") {
      throw new RangeError(`${name}: thresholdMode must be "rel" or "abs", got ${formatValue(this.thresholdMode)}`);
    }
    if (!(this.factor < 1 && this.factor >= 0)) throw new RangeError(`${name}: factor must be in [0, 1), got ${formatValue(this.factor)}`);
    const groups = optimizer.paramGroups.length;
    const minLr = options.minLr ?? 0;
    if (Array.isArray(minLr)) {
      if (minLr.length !== groups) throw new RangeError(`${name}: expected ${groups} minLr values (one per group), got ${minLr.length}`);
      this.minLrs = [...minLr];
    } else {
      this.minLrs = Array.from({ length: groups }, () => minLr);
    }
    this.best = this.worst();
    this.lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  /** Records a new value of the metric and reduces the learning rates on a plateau. */
  step(metric: number): void {
    const current = Number(metric);
    if (Number.isNaN(current)) throw new RangeError(`ReduceLROnPlateau.step: the metric is NaN (got ${formatValue(metric)})`);
    this.lastEpoch += 1;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0; // bad steps during cooldown do not count
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The learning rate of every group after the last step. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** The scheduler's state (plain numbers and strings). */
  stateDict(): SchedulerStateDict {
    return {
      mode: this.mode,
      factor: this.factor,
      patience: this.patience,
      threshold: this.threshold,
      thresholdMode: this.thresholdMode,
      cooldown: this.cooldown,
      minLrs: [...this.minLrs],
      eps: this.eps,
      best: this.best,
      numBadEpochs: this.numBadEpochs,
      cooldownCounter: this.cooldownCounter,
      lastEpoch: this.lastEpoch,
      lastLr: [...this.lastLr],
    };
  }

  /** Restores a state saved by `stateDict()`; a `best` of null (±Infinity after JSON) means none yet. */
  loadStateDict(state: SchedulerStateDict): void {
    if (state === null || typeof state !== "object") {
      throw new TypeError(`ReduceLROnPlateau.loadStateDict: expected an object from stateDict(), got ${formatValue(state)}`);
    }
    const own = this.stateDict();
    for (const [key, value] of Object.entries(state)) {
      if (!(key in own)) throw new Error(`ReduceLROnPlateau.loadStateDict: unknown entry "${key}"; was the state saved by another scheduler?`);
      (this as unknown as Record<string, unknown>)[key] = Array.isArray(value) ? [...value] : value;
    }
    if (this.best === null) this.best = this.worst();
  }

  private worst(): number {
    return this.mode === "min" ? Infinity : -Infinity;
  }

  private isBetter(value: number, best: number): boolean {
    if (this.mode === "min") return this.thresholdMode === "rel" ? value < best * (1 - this.threshold) : value < best - this.threshold;
    return this.thresholdMode === "rel" ? value > best * (this.threshold + 1) : value > best + this.threshold;
  }

  private reduceLr(): void {
    this.optimizer.paramGroups.forEach((group, i) => {
      const oldLr = group.lr;
      const newLr = Math.max(oldLr * this.factor, this.minLrs[i]!);
      if (oldLr - newLr > this.eps) group.lr = newLr;
    });
  }
}
