/**
 * ASGD, averaged stochastic gradient descent (Polyak & Juditsky 1992), as `torch.optim.ASGD`:
 * SGD with a decaying step size that also keeps `ax`, a running average of the parameters
 * from step `t0` on (use it for evaluation).
 */
import type { Tensor } from "@trek/tensor";
import { Optimizer } from "../optimizer.js";
import type { ParamGroup, Params } from "../types.js";
import { checkBoolean, checkNonNegative } from "../validation.js";

/** Options of {@link ASGD}; every one can also be set per parameter group. */
export interface ASGDOptions {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** Decay term: the weights shrink by `lambd · eta` of themselves each step, and eta decays with it (default 1e-4). */
  lambd: number;
  /** Power of the step-size decay eta = lr / (1 + lambd · lr · step)^alpha (default 0.75). */
  alpha: number;
  /** The step from which the parameters are averaged (default 1e6). */
  t0: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/**
 * `new ASGD(model.parameters())`. State per parameter: `step`, `eta` (the current step size),
 * `mu` (the averaging weight) and `ax` (the averaged parameter).
 */
export class ASGD extends Optimizer<ASGDOptions> {
  constructor(params: Params<ASGDOptions>, options: Partial<ASGDOptions> = {}) {
    super(params, options);
  }

  override get name(): string {
    return "ASGD";
  }

  protected defaultOptions(): ASGDOptions {
    return { lr: 1e-2, lambd: 1e-4, alpha: 0.75, t0: 1e6, weightDecay: 0, maximize: false };
  }

  protected checkOptions(o: ASGDOptions, where: string): void {
    checkNonNegative(this.name, "learning rate", o.lr, where);
    checkNonNegative(this.name, "lambd value", o.lambd, where);
    checkNonNegative(this.name, "alpha value", o.alpha, where);
    checkNonNegative(this.name, "t0 value", o.t0, where);
    checkNonNegative(this.name, "weightDecay value", o.weightDecay, where);
    checkBoolean(this.name, "maximize", o.maximize, where);
  }

  protected stateKeys(): readonly string[] {
    return ["step", "eta", "mu", "ax"];
  }

  protected updateGroup(group: ParamGroup<ASGDOptions>): void {
    for (const param of group.params) {
      const grad = this.gradOf(param);
      if (!grad) continue;
      const state = this.stateOf(param);
      // eta and mu are scalars in the parameter's precision, as PyTorch keeps them in 0-d tensors.
      const scalar = param.dtype === "float64" ? (x: number) => x : Math.fround;
      const step = ((state.step as number | undefined) ?? 0) + 1;
      const eta = (state.eta as number | undefined) ?? scalar(group.lr);
      const mu = (state.mu as number | undefined) ?? 1;
      asgdUpdate(param, grad, this.buffer(state, "ax", param), group, eta, mu);
      state.step = step;
      state.eta = scalar(group.lr / (1 + group.lambd * group.lr * step) ** group.alpha);
      state.mu = scalar(1 / Math.max(1, step - group.t0));
    }
  }
}

function asgdUpdate(param: Tensor, grad: Tensor, ax: Tensor, o: ASGDOptions, eta: number, mu: number): void {
  let g = o.maximize ? grad.neg() : grad;
  if (o.weightDecay !== 0) g = g.add(param, o.weightDecay);
  param.mul_(1 - o.lambd * eta).add_(g, -eta);
  if (mu !== 1) ax.add_(param.sub(ax).mul_(mu));
  else ax.copy_(param);
}
