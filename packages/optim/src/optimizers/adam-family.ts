/**
 * What Adamax and RAdam share: Adam's options (lr, betas, eps, weightDecay, maximize), their
 * checks, and a per-parameter step count with two running buffers, the gradient average
 * `expAvg` and a second-moment buffer whose name and update each optimizer gives.
 */
import type { Tensor } from "@trek/tensor";
import { Optimizer } from "../optimizer.js";
import type { ParamGroup } from "../types.js";
import { checkAdamOptions } from "../validation.js";

/** Options of the Adam-family optimizers here; every one can also be set per parameter group. */
export interface AdamFamilyOptions {
  /** Learning rate. */
  lr: number;
  /** Decay rates of the gradient average and of the second-moment buffer (default [0.9, 0.999]). */
  betas: [number, number];
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

export abstract class AdamFamily<O extends AdamFamilyOptions> extends Optimizer<O> {
  /** The second buffer's state key (`expInf`, `expAvgSq`…). */
  protected abstract secondMomentKey(): string;

  /** Updates one parameter in place; `step` counts from 1. */
  protected abstract update(param: Tensor, grad: Tensor, expAvg: Tensor, second: Tensor, o: O, step: number): void;

  protected checkOptions(o: O, where: string): void {
    checkAdamOptions(this.name, o, where);
  }

  protected stateKeys(): readonly string[] {
    return ["step", "expAvg", this.secondMomentKey()];
  }

  protected updateGroup(group: ParamGroup<O>): void {
    const second = this.secondMomentKey();
    for (const param of group.params) {
      const grad = this.gradOf(param);
      if (!grad) continue;
      const state = this.stateOf(param);
      const step = this.countStep(state);
      this.update(param, grad, this.buffer(state, "expAvg", param), this.buffer(state, second, param), group, step);
    }
  }

  /** The gradient the update uses: negated when maximizing, plus the L2 penalty. */
  protected effectiveGrad(param: Tensor, grad: Tensor, o: O): Tensor {
    const g = o.maximize ? grad.neg() : grad;
    return o.weightDecay !== 0 ? g.add(param, o.weightDecay) : g;
  }
}
