/**
 * Adadelta (Zeiler 2012), as `torch.optim.Adadelta`: steps scaled by the ratio of running RMS
 * values of past updates and of gradients.
 */
import type { Tensor } from "@trek/tensor";
import { Optimizer } from "../optimizer.js";
import type { ParamGroup, Params } from "../types.js";
import { checkBoolean, checkInRange, checkNonNegative } from "../validation.js";

/** Options of {@link Adadelta}; every one can also be set per parameter group. */
export interface AdadeltaOptions {
  /** Coefficient that scales the delta before it is applied (default 1). */
  lr: number;
  /** Decay rate of the running averages (default 0.9). */
  rho: number;
  /** Added inside the square roots for numerical stability (default 1e-6). */
  eps: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/** `new Adadelta(model.parameters())`. State per parameter: `step`, `squareAvg`, `accDelta`. */
export class Adadelta extends Optimizer<AdadeltaOptions> {
  constructor(params: Params<AdadeltaOptions>, options: Partial<AdadeltaOptions> = {}) {
    super(params, options);
  }

  override get name(): string {
    return "Adadelta";
  }

  protected defaultOptions(): AdadeltaOptions {
    return { lr: 1, rho: 0.9, eps: 1e-6, weightDecay: 0, maximize: false };
  }

  protected checkOptions(o: AdadeltaOptions, where: string): void {
    checkNonNegative(this.name, "learning rate", o.lr, where);
    checkInRange(this.name, "rho", o.rho, 0, 1, false, where);
    checkNonNegative(this.name, "epsilon value", o.eps, where);
    checkNonNegative(this.name, "weightDecay value", o.weightDecay, where);
    checkBoolean(this.name, "maximize", o.maximize, where);
  }

  protected stateKeys(): readonly string[] {
    return ["step", "squareAvg", "accDelta"];
  }

  protected updateGroup(group: ParamGroup<AdadeltaOptions>): void {
    for (const param of group.params) {
      const grad = this.gradOf(param);
      if (!grad) continue;
      const state = this.stateOf(param);
      this.countStep(state);
      adadeltaUpdate(param, grad, this.buffer(state, "squareAvg", param), this.buffer(state, "accDelta", param), group);
    }
  }
}

function adadeltaUpdate(param: Tensor, grad: Tensor, squareAvg: Tensor, accDelta: Tensor, o: AdadeltaOptions): void {
  let g = o.maximize ? grad.neg() : grad;
  if (o.weightDecay !== 0) g = g.add(param, o.weightDecay);
  squareAvg.mul_(o.rho).addcmul_(g, g, 1 - o.rho);
  const std = squareAvg.add(o.eps).sqrt_();
  const delta = accDelta.add(o.eps).sqrt_().div_(std).mul_(g);
  accDelta.mul_(o.rho).addcmul_(delta, delta, 1 - o.rho);
  param.add_(delta, -o.lr);
}
