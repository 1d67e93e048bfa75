/** LambdaLR: the learning rate is initialLr times a function of the step. */
import type { Optimizer } from "../optimizer.js";
import { LRScheduler } from "./lr-scheduler.js";

/** A multiplicative factor for a step index. */
export type LrLambda = (epoch: number) => number;

export interface LambdaLROptions {
  /** One function for every group, or one per group. */
  lrLambda: LrLambda | LrLambda[];
  /** Index of the last step when resuming (default -1). */
  lastEpoch?: number;
}

/**
 * `lr = initialLr · lrLambda(step)`, as `torch.optim.lr_scheduler.LambdaLR`. The functions are
 * not part of `stateDict()`: recreate the scheduler with them, then load the state.
 */
export class LambdaLR extends LRScheduler {
  lrLambdas: LrLambda[];

  constructor(optimizer: Optimizer, options: LambdaLROptions) {
    super(optimizer, options?.lastEpoch ?? -1);
    const groups = optimizer.paramGroups.length;
    const given = options.lrLambda;
    if (Array.isArray(given)) {
      if (given.length !== groups) throw new RangeError(`LambdaLR: expected ${groups} lrLambda functions (one per group), got ${given.length}`);
      this.lrLambdas = [...given];
    } else {
      this.lrLambdas = Array.from({ length: groups }, () => given);
    }
    this.lrLambdas.forEach((fn, i) => {
      if (typeof fn !== "function") throw new TypeError(`LambdaLR: lrLambda ${i} is not a function but ${typeof fn}`);
    });
    this.initialStep();
  }

  override get name(): string {
    return "LambdaLR";
  }

  protected getLr(): number[] {
    return this.baseLrs.map((base, i) => base * this.lrLambdas[i]!(this.lastEpoch));
  }

  protected override stateExclusions(): readonly string[] {
    return ["lrLambdas"];
  }
}
