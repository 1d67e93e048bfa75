/**
 * Stochastic gradient descent with momentum, dampening, Nesterov momentum and L2 weight decay,
 * as `torch.optim.SGD`. The update itself is `sgdStep_` of @trek/tensor (a backend's fused
 * kernel when it has one).
 */
import { sgdStep_ } from "@trek/tensor";
import { Optimizer } from "../optimizer.js";
import type { ParamGroup, Params } from "../types.js";
import { checkBoolean, checkNonNegative } from "../validation.js";

/** Options of {@link SGD}; every one can also be set per parameter group. */
export interface SGDOptions {
  /** Learning rate (default 1e-3). */
  lr: number;
  /** Momentum factor (default 0). */
  momentum: number;
  /** Dampening of the momentum: the new gradient enters the buffer scaled by `1 - dampening` (default 0). */
  dampening: number;
  /** L2 penalty added to the gradient as `weightDecay · param` (default 0). */
  weightDecay: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0; default false). */
  nesterov: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/**
 * `new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 })`. State per parameter:
 * `momentumBuffer` (when momentum > 0).
 */
export class SGD extends Optimizer<SGDOptions> {
  constructor(params: Params<SGDOptions>, options: Partial<SGDOptions> = {}) {
    super(params, options);
  }

  override get name(): string {
    return "SGD";
  }

  protected defaultOptions(): SGDOptions {
    return { lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false };
  }

  protected checkOptions(o: SGDOptions, where: string): void {
    checkNonNegative(this.name, "learning rate", o.lr, where);
    checkNonNegative(this.name, "momentum value", o.momentum, where);
    checkNonNegative(this.name, "weightDecay value", o.weightDecay, where);
    if (typeof o.dampening !== "number" || Number.isNaN(o.dampening)) {
      throw new RangeError(`${this.name}: invalid dampening value: ${String(o.dampening)}${where}`);
    }
    checkBoolean(this.name, "nesterov", o.nesterov, where);
    checkBoolean(this.name, "maximize", o.maximize, where);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
      throw new RangeError(
        `${this.name}: Nesterov momentum requires momentum > 0 and zero dampening, got momentum ${o.momentum} and dampening ${o.dampening}${where}`,
      );
    }
  }

  protected stateKeys(): readonly string[] {
    return ["momentumBuffer"];
  }

  protected updateGroup(group: ParamGroup<SGDOptions>): void {
    for (const param of group.params) {
      const grad = this.gradOf(param);
      if (!grad) continue;
      let momentumBuffer = null;
      let firstStep = false;
      if (group.momentum !== 0) {
        const state = this.stateOf(param);
        firstStep = state.momentumBuffer === undefined;
        momentumBuffer = this.buffer(state, "momentumBuffer", param);
      }
      sgdStep_(param, grad, momentumBuffer, {
        lr: group.lr,
        momentum: group.momentum,
        dampening: group.dampening,
        weightDecay: group.weightDecay,
        nesterov: group.nesterov,
        maximize: group.maximize,
        firstStep,
      });
    }
  }
}
