/** CyclicLR: cycles the learning rate between two bounds (Smith 2017, "cyclical learning rates"). */
import { Optimizer } from "../optimizer.js";
import { checkNonNegative, formatValue } from "../validation.js";
import { LRScheduler } from "./lr-scheduler.js";
import { perGroup, setMomentum } from "./one-cycle-lr.js";

/** A cycle's amplitude factor, of the cycle number (from 1) or of the step, see `scaleMode`. */
export type CyclicScaleFn = (x: number) => number;

export interface CyclicLROptions {
  /** Lower learning-rate bound, for every group or one per group; it replaces the groups' `lr`. */
  baseLr: number | number[];
  /** Upper learning-rate bound, for every group or one per group (reached only as scaling allows). */
  maxLr: number | number[];
  /** Steps of the increasing half of a cycle (default 2000). */
  stepSizeUp?: number;
  /** Steps of the decreasing half (default stepSizeUp). */
  stepSizeDown?: number;
  /**
   * "triangular" (default): constant amplitude; "triangular2": the amplitude halves every
   * cycle; "exp_range": the amplitude is scaled by gamma^step. Ignored when scaleFn is given.
   */
  mode?: "triangular" | "triangular2" | "exp_range";
  /** Base of "exp_range" scaling (default 1). */
  gamma?: number;
  /** A custom amplitude scaling, used instead of mode; not saved in stateDict(). */
  scaleFn?: CyclicScaleFn;
  /** What scaleFn receives: the cycle number ("cycle", the default) or the step ("iterations"). */
  scaleMode?: "cycle" | "iterations";
  /** Cycle momentum (or Adam's beta1) inversely to the rate (default true). */
  cycleMomentum?: boolean;
  /** Momentum at the peak rate, for every group or one per group (default 0.8). */
  baseMomentum?: number | number[];
  /** Momentum at the lowest rate, for every group or one per group (default 0.9). */
  maxMomentum?: number | number[];
  /** Index of the last step when resuming (default -1). */
  lastEpoch?: number;
}

const MODES = ["triangular", "triangular2", "exp_range"];

/**
 * As `torch.optim.lr_scheduler.CyclicLR`: step it after every batch. With `cycleMomentum` the
 * momentum (SGD, RMSprop) or beta1 (Adam-style optimizers, as PyTorch ≥ 2.1 allows) moves
 * between maxMomentum and baseMomentum, opposite to the rate.
 */
export class CyclicLR extends LRScheduler {
  maxLrs: number[];
  totalSize: number;
  stepRatio: number;
  mode: string;
  gamma: number;
  scaleFn: CyclicScaleFn | null;
  scaleMode: "cycle" | "iterations";
  cycleMomentum: boolean;
  useBeta1: boolean;
  baseMomentums: number[] = [];
  maxMomentums: number[] = [];

  constructor(optimizer: Optimizer, options: CyclicLROptions) {
    const name = "CyclicLR";
    if (!(optimizer instanceof Optimizer)) throw new TypeError(`${name}: expected an Optimizer, got ${formatValue(optimizer)}`);
    const lastEpoch = options?.lastEpoch ?? -1;
    const groups = optimizer.paramGroups;
    const baseLrs = perGroup(name, "baseLr", options.baseLr, groups.length);
    const maxLrs = perGroup(name, "maxLr", options.maxLr, groups.length);
    baseLrs.forEach((lr) => checkNonNegative(name, "baseLr", lr));
    maxLrs.forEach((lr) => checkNonNegative(name, "maxLr", lr));
    const stepSizeUp = options.stepSizeUp ?? 2000;
    const stepSizeDown = options.stepSizeDown ?? stepSizeUp;
    for (const [key, value] of [["stepSizeUp", stepSizeUp], ["stepSizeDown", stepSizeDown]] as const) {
      if (typeof value !== "number" || !(value > 0) || value === Infinity) throw new RangeError(`${name}: ${key} must be a positive number, got ${formatValue(value)}`);
    }
    const scaleFn = options.scaleFn ?? null;
    if (scaleFn !== null && typeof scaleFn !== "function") throw new TypeError(`${name}: scaleFn must be a function, got ${formatValue(scaleFn)}`);
    const mode = options.mode ?? "triangular";
    if (scaleFn === null && !MODES.includes(mode)) {
      throw new RangeError(`${name}: mode must be "triangular", "triangular2" or "exp_range" (or give a scaleFn), got ${formatValue(mode)}`);
    }
    const scaleMode = scaleFn === null ? (mode === "exp_range" ? "iterations" : "cycle") : (options.scaleMode ?? "cycle");
    if (scaleMode !== "cycle" && scaleMode !== "iterations") {
      throw new RangeError(`${name}: scaleMode must be "cycle" or "iterations", got ${formatValue(scaleMode)}`);
    }
    const gamma = options.gamma ?? 1;
    if (typeof gamma !== "number" || Number.isNaN(gamma)) throw new RangeError(`${name}: invalid gamma: ${formatValue(gamma)}`);
    if (lastEpoch === -1) groups.forEach((group, i) => (group.lr = baseLrs[i]!));

    const cycleMomentum = options.cycleMomentum ?? true;
    let useBeta1 = false;
    let maxMomentums: number[] = [];
    if (cycleMomentum) {
      const defaults = optimizer.defaults as unknown as Record<string, unknown>;
      if (!("momentum" in defaults) && !("betas" in defaults)) {
        throw new Error(`${name}: cycleMomentum needs an optimizer with momentum or betas, and ${optimizer.name} has neither; pass cycleMomentum: false`);
      }
      useBeta1 = "betas" in defaults;
      const baseMomentums = perGroup(name, "baseMomentum", options.baseMomentum ?? 0.8, groups.length);
      maxMomentums = perGroup(name, "maxMomentum", options.maxMomentum ?? 0.9, groups.length);
      if (lastEpoch === -1) groups.forEach((group, i) => setMomentum(group, useBeta1, baseMomentums[i]!));
    }
    super(optimizer, lastEpoch);
    this.baseLrs = [...baseLrs];
    this.maxLrs = [...maxLrs];
    this.totalSize = stepSizeUp + stepSizeDown;
    this.stepRatio = stepSizeUp / this.totalSize;
    this.mode = mode;
    this.gamma = gamma;
    this.scaleFn = scaleFn;
    this.scaleMode = scaleMode;
    this.cycleMomentum = cycleMomentum;
    this.useBeta1 = useBeta1;
    if (cycleMomentum) {
      this.baseMomentums = this.groups.map((group) => (useBeta1 ? (group.betas as number[])[0]! : (group.momentum as number)));
      this.maxMomentums = [...maxMomentums];
    }
    this.initialStep();
  }

  override get name(): string {
    return "CyclicLR";
  }

  /** The amplitude factor of `x` (a cycle number or a step). */
  protected scale(x: number): number {
    if (this.scaleFn !== null) return this.scaleFn(x);
    if (this.mode === "triangular2") return 1 / 2 ** (x - 1);
    if (this.mode === "exp_range") return this.gamma ** x;
    return 1;
  }

  protected getLr(): number[] {
    const cycle = Math.floor(1 + this.lastEpoch / this.totalSize);
    const x = 1 + this.lastEpoch / this.totalSize - cycle;
    const scaleFactor = x <= this.stepRatio ? x / this.stepRatio : (x - 1) / (this.stepRatio - 1);
    const amplitude = this.scale(this.scaleMode === "cycle" ? cycle : this.lastEpoch);
    const lrs = this.baseLrs.map((base, i) => base + (this.maxLrs[i]! - base) * scaleFactor * amplitude);
    if (this.cycleMomentum) {
      this.groups.forEach((group, i) => {
        const high = this.maxMomentums[i]!;
        setMomentum(group, this.useBeta1, high - (high - this.baseMomentums[i]!) * scaleFactor * amplitude);
      });
    }
    return lrs;
  }

  protected override stateExclusions(): readonly string[] {
    return ["scaleFn"];
  }
}
