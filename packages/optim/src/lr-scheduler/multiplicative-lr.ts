/** MultiplicativeLR: multiplies the learning rate by a function of the step, every step. */
import type { Optimizer } from "../optimizer.js";
import type { LrLambda } from "./lambda-lr.js";
import { LRScheduler } from "./lr-scheduler.js";

export interface MultiplicativeLROptions {
  /** One function for every group, or one per group: the factor applied at each step. */
  lrLambda: LrLambda | LrLambda[];
  /** Index of the last step when resuming (default -1). */
  lastEpoch?: number;
}

/**
 * `lr = lr · lrLambda(step)` at every step after the first, as
 * `torch.optim.lr_scheduler.MultiplicativeLR`. The functions are not part of `stateDict()`:
 * recreate the scheduler with them, then load the state.
 */
export class MultiplicativeLR extends LRScheduler {
  lrLambdas: LrLambda[];

  constructor(optimizer: Optimizer, options: MultiplicativeLROptions) {
    super(optimizer, options?.lastEpoch ?? -1);
    const groups = optimizer.paramGroups.length;
    const given = options.lrLambda;
    if (Array.isArray(given)) {
      if (given.length !== groups) throw new RangeError(`MultiplicativeLR: expected ${groups} lrLambda functions (one per group), got ${given.length}`);
      this.lrLambdas = [...given];
    } else {
      this.lrLambdas = Array.from({ length: groups }, () => given);
    }
    this.lrLambdas.forEach((fn, i) => {
      if (typeof fn !== "function") throw new TypeError(`MultiplicativeLR: lrLambda ${i} is not a function but ${typeof fn}`);
    });
    this.initialStep();
  }

  override get name(): string {
    return "MultiplicativeLR";
  }

  protected getLr(): number[] {
    if (this.lastEpoch <= 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g, i) => g.lr * this.lrLambdas[i]!(this.lastEpoch));
  }

  protected override stateExclusions(): readonly string[] {
    return ["lrLambdas"];
  }
}
