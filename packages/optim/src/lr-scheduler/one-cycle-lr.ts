/** OneCycleLR: the 1cycle policy (Smith & Topin): warm up to maxLr, then anneal far below the start. */
import type { Optimizer } from "../optimizer.js";
import type { ParamGroup } from "../types.js";
import { LRScheduler } from "./lr-scheduler.js";

export interface OneCycleLROptions {
  /** Peak learning rate, for every group or one per group. */
  maxLr: number | number[];
  /** Steps in the cycle; or give epochs and stepsPerEpoch. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent increasing the rate (default 0.3). */
  pctStart?: number;
  /** "cos" (default) or "linear" annealing. */
  annealStrategy?: "cos" | "linear";
  /** Cycle momentum (or Adam's beta1) inversely to the rate (default true). */
  cycleMomentum?: boolean;
  /** Lowest momentum, reached at the peak rate (default 0.85). */
  baseMomentum?: number | number[];
  /** Highest momentum, at the start and end (default 0.95). */
  maxMomentum?: number | number[];
  /** initialLr = maxLr / divFactor (default 25). */
  divFactor?: number;
  /** minLr = initialLr / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** Use a third phase that anneals from initialLr to minLr after a symmetric rise and fall (default false). */
  threePhase?: boolean;
  /** Index of the last step when resuming (default -1). */
  lastEpoch?: number;
}

type GroupKey = "initialLr" | "maxLr" | "minLr" | "maxMomentum" | "baseMomentum";

interface Phase {
  endStep: number;
  startLr: GroupKey;
  endLr: GroupKey;
  startMomentum: GroupKey;
  endMomentum: GroupKey;
}

/**
 * As `torch.optim.lr_scheduler.OneCycleLR`: step it after every batch, `totalSteps` times at
 * most. It stores `initialLr`, `maxLr`, `minLr` (and the momentum bounds) in each group.
 */
export class OneCycleLR extends LRScheduler {
  totalSteps: number;
  annealStrategy: "cos" | "linear";
  cycleMomentum: boolean;
  useBeta1: boolean;
  schedulePhases: Phase[];

  constructor(optimizer: Optimizer, options: OneCycleLROptions) {
    const lastEpoch = options?.lastEpoch ?? -1;
    const groups = optimizer.paramGroups;
    const name = "OneCycleLR";
    let totalSteps: number;
    if (options.totalSteps !== undefined) {
      if (!Number.isInteger(options.totalSteps) || options.totalSteps <= 0) {
        throw new RangeError(`${name}: expected a positive integer totalSteps, got ${String(options.totalSteps)}`);
      }
      totalSteps = options.totalSteps;
    } else if (options.epochs !== undefined && options.stepsPerEpoch !== undefined) {
      for (const key of ["epochs", "stepsPerEpoch"] as const) {
        if (!Number.isInteger(options[key]) || options[key]! <= 0) throw new RangeError(`${name}: expected a positive integer ${key}, got ${String(options[key])}`);
      }
      totalSteps = options.epochs * options.stepsPerEpoch;
    } else {
      throw new RangeError(`${name}: give either totalSteps or both epochs and stepsPerEpoch`);
    }
    const pctStart = options.pctStart ?? 0.3;
    if (!(pctStart >= 0 && pctStart <= 1)) throw new RangeError(`${name}: expected pctStart between 0 and 1, got ${String(pctStart)}`);
    const annealStrategy = options.annealStrategy ?? "cos";
    if (annealStrategy !== "cos" && annealStrategy !== "linear") {
      throw new RangeError(`${name}: annealStrategy must be "cos" or "linear", got ${JSON.stringify(annealStrategy)}`);
    }
    const divFactor = options.divFactor ?? 25;
    const finalDivFactor = options.finalDivFactor ?? 1e4;
    const maxLrs = perGroup(name, "maxLr", options.maxLr, groups.length);
    if (lastEpoch === -1) {
      groups.forEach((group, i) => {
        const initialLr = maxLrs[i]! / divFactor;
        group.initialLr = initialLr;
        group.maxLr = maxLrs[i]!;
        group.minLr = initialLr / finalDivFactor;
      });
    }
    const cycleMomentum = options.cycleMomentum ?? true;
    let useBeta1 = false;
    if (cycleMomentum) {
      const defaults = optimizer.defaults as unknown as Record<string, unknown>;
      if (!("momentum" in defaults) && !("betas" in defaults)) {
        throw new Error(`${name}: cycleMomentum needs an optimizer with momentum or betas, and ${optimizer.name} has neither; pass cycleMomentum: false`);
      }
      useBeta1 = "betas" in defaults;
      const maxMomentums = perGroup(name, "maxMomentum", options.maxMomentum ?? 0.95, groups.length);
      const baseMomentums = perGroup(name, "baseMomentum", options.baseMomentum ?? 0.85, groups.length);
      if (lastEpoch === -1) {
        groups.forEach((group, i) => {
          setMomentum(group, useBeta1, maxMomentums[i]!);
          group.maxMomentum = maxMomentums[i]!;
          group.baseMomentum = baseMomentums[i]!;
        });
      }
    }
    super(optimizer, lastEpoch);
    this.totalSteps = totalSteps;
    this.annealStrategy = annealStrategy;
    this.cycleMomentum = cycleMomentum;
    this.useBeta1 = useBeta1;
    this.schedulePhases = options.threePhase
      ? [
          { endStep: pctStart * totalSteps - 1, startLr: "initialLr", endLr: "maxLr", startMomentum: "maxMomentum", endMomentum: "baseMomentum" },
          { endStep: 2 * pctStart * totalSteps - 2, startLr: "maxLr", endLr: "initialLr", startMomentum: "baseMomentum", endMomentum: "maxMomentum" },
          { endStep: totalSteps - 1, startLr: "initialLr", endLr: "minLr", startMomentum: "maxMomentum", endMomentum: "maxMomentum" },
        ]
      : [
          { endStep: pctStart * totalSteps - 1, startLr: "initialLr", endLr: "maxLr", startMomentum: "maxMomentum", endMomentum: "baseMomentum" },
          { endStep: totalSteps - 1, startLr: "maxLr", endLr: "minLr", startMomentum: "baseMomentum", endMomentum: "maxMomentum" },
        ];
    this.initialStep();
  }

  override get name(): string {
    return "OneCycleLR";
  }

  protected getLr(): number[] {
    const stepNumber = this.lastEpoch;
    if (stepNumber > this.totalSteps) {
      throw new RangeError(`OneCycleLR: tried to step ${stepNumber + 1} times, but totalSteps is ${this.totalSteps}`);
    }
    const anneal = this.annealStrategy === "cos" ? annealCos : annealLinear;
    return this.groups.map((group) => {
      let startStep = 0;
      const phases = this.schedulePhases;
      for (let i = 0; i < phases.length; i++) {
        const phase = phases[i]!;
        if (stepNumber <= phase.endStep || i === phases.length - 1) {
          const pct = (stepNumber - startStep) / (phase.endStep - startStep);
          const lr = anneal(group[phase.startLr] as number, group[phase.endLr] as number, pct);
          if (this.cycleMomentum) {
            setMomentum(group, this.useBeta1, anneal(group[phase.startMomentum] as number, group[phase.endMomentum] as number, pct));
          }
          return lr;
        }
        startStep = phase.endStep;
      }
      throw new Error("OneCycleLR: no phase covers the step"); // unreachable: the last phase always matches
    });
  }
}

/** One value per parameter group: `value` itself when it is a list of that length, else `value` repeated. */
export function perGroup(owner: string, option: string, value: number | number[], groups: number): number[] {
  if (Array.isArray(value)) {
    if (value.length !== groups) throw new RangeError(`${owner}: expected ${groups} values for ${option} (one per group), got ${value.length}`);
    return value;
  }
  return Array.from({ length: groups }, () => value);
}

/** Sets a group's momentum, or the first of its `betas` (Adam-style optimizers). */
export function setMomentum(group: ParamGroup, useBeta1: boolean, momentum: number): void {
  if (useBeta1) {
    const betas = group.betas as number[];
    group.betas = [momentum, ...betas.slice(1)];
  } else {
    group.momentum = momentum;
  }
}

function annealCos(start: number, end: number, pct: number): number {
  return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
}

function annealLinear(start: number, end: number, pct: number): number {
  return (end - start) * pct + start;
}
