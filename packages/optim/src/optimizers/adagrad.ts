/**
 * Adagrad, as `torch.optim.Adagrad`: each coordinate's step shrinks with the sum of its squared
 * gradients so far.
 */
import type { Tensor } from "@trek/tensor";
import { Optimizer } from "../optimizer.js";
import type { ParamGroup, Params } from "../types.js";
import { checkBoolean, checkNonNegative } from "../validation.js";

/** Options of {@link Adagrad}; every one can also be set per parameter group. */
export interface AdagradOptions {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** The learning rate at step t is `lr / (1 + (t - 1) · lrDecay)` (default 0). */
  lrDecay: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Starting value of the squared-gradient sums (default 0). */
  initialAccumulatorValue: number;
  /** Added to the denominator for numerical stability (default 1e-10). */
  eps: number;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/** `new Adagrad(model.parameters(), { lr: 0.01 })`. State per parameter: `step`, `sum`. */
export class Adagrad extends Optimizer<AdagradOptions> {
  constructor(params: Params<AdagradOptions>, options: Partial<AdagradOptions> = {}) {
    super(params, options);
  }

  override get name(): string {
    return "Adagrad";
  }

  protected defaultOptions(): AdagradOptions {
    return { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false };
  }

  protected checkOptions(o: AdagradOptions, where: string): void {
    checkNonNegative(this.name, "learning rate", o.lr, where);
    checkNonNegative(this.name, "lrDecay value", o.lrDecay, where);
    checkNonNegative(this.name, "weightDecay value", o.weightDecay, where);
    checkNonNegative(this.name, "initialAccumulatorValue", o.initialAccumulatorValue, where);
    checkNonNegative(this.name, "epsilon value", o.eps, where);
    checkBoolean(this.name, "maximize", o.maximize, where);
  }

  protected stateKeys(): readonly string[] {
    return ["step", "sum"];
  }

  protected updateGroup(group: ParamGroup<AdagradOptions>): void {
    for (const param of group.params) {
      const grad = this.gradOf(param);
      if (!grad) continue;
      const state = this.stateOf(param);
      const step = this.countStep(state);
      const sum = this.buffer(state, "sum", param, group.initialAccumulatorValue);
      adagradUpdate(param, grad, sum, group, step);
    }
  }
}

function adagradUpdate(param: Tensor, grad: Tensor, sum: Tensor, o: AdagradOptions, step: number): void {
  let g = o.maximize ? grad.neg() : grad;
  if (o.weightDecay !== 0) g = g.add(param, o.weightDecay);
  const clr = o.lr / (1 + (step - 1) * o.lrDecay);
  sum.addcmul_(g, g, 1);
  const std = sum.sqrt().add_(o.eps);
  param.addcdiv_(g, std, -clr);
}
