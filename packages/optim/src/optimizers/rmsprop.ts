/**
 * RMSprop with momentum and centering, as `torch.optim.RMSprop`. The update itself is
 * `rmspropStep_` of @trek/tensor (a backend's fused kernel when it has one).
 */
import { rmspropStep_ } from "@trek/tensor";
import { Optimizer } from "../optimizer.js";
import type { ParamGroup, Params } from "../types.js";
import { checkBoolean, checkNonNegative } from "../validation.js";

/** Options of {@link RMSprop}; every one can also be set per parameter group. */
export interface RMSpropOptions {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** Smoothing constant of the squared-gradient average (default 0.99). */
  alpha: number;
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Momentum factor (default 0). */
  momentum: number;
  /** Normalize by an estimate of the gradient's variance instead of its second moment (default false). */
  centered: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/**
 * `new RMSprop(model.parameters(), { lr: 0.01 })`. State per parameter: `step`, `squareAvg`,
 * `momentumBuffer` (momentum > 0) and `gradAvg` (centered).
 */
export class RMSprop extends Optimizer<RMSpropOptions> {
  constructor(params: Params<RMSpropOptions>, options: Partial<RMSpropOptions> = {}) {
    super(params, options);
  }

  override get name(): string {
    return "RMSprop";
  }

  protected defaultOptions(): RMSpropOptions {
    return { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false };
  }

  protected checkOptions(o: RMSpropOptions, where: string): void {
    checkNonNegative(this.name, "learning rate", o.lr, where);
    checkNonNegative(this.name, "epsilon value", o.eps, where);
    checkNonNegative(this.name, "momentum value", o.momentum, where);
    checkNonNegative(this.name, "weightDecay value", o.weightDecay, where);
    checkNonNegative(this.name, "alpha value", o.alpha, where);
    checkBoolean(this.name, "centered", o.centered, where);
    checkBoolean(this.name, "maximize", o.maximize, where);
  }

  protected stateKeys(): readonly string[] {
    return ["step", "squareAvg", "momentumBuffer", "gradAvg"];
  }

  protected updateGroup(group: ParamGroup<RMSpropOptions>): void {
    for (const param of group.params) {
      const grad = this.gradOf(param);
      if (!grad) continue;
      const state = this.stateOf(param);
      this.countStep(state);
      const squareAvg = this.buffer(state, "squareAvg", param);
      const momentumBuffer = group.momentum > 0 ? this.buffer(state, "momentumBuffer", param) : null;
      const gradAvg = group.centered ? this.buffer(state, "gradAvg", param) : null;
      rmspropStep_(param, grad, squareAvg, momentumBuffer, gradAvg, {
        lr: group.lr,
        alpha: group.alpha,
        eps: group.eps,
        weightDecay: group.weightDecay,
        momentum: group.momentum,
        centered: group.centered,
        maximize: group.maximize,
      });
    }
  }
}
