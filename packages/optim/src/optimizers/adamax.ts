/**
 * Adamax, the infinity-norm variant of Adam, as `torch.optim.Adamax`.
 */
import type { Tensor } from "@trek/tensor";
import { Optimizer } from "../optimizer.js";
import type { ParamGroup, Params } from "../types.js";
import { checkBetas, checkBoolean, checkNonNegative } from "../validation.js";

/** Options of {@link Adamax}; every one can also be set per parameter group. */
export interface AdamaxOptions {
  /** Learning rate (default 2e-3). */
  lr: number;
  /** Decay rates of the gradient average and of the infinity norm (default [0.9, 0.999]). */
  betas: [number, number];
  /** Added to the infinity norm for numerical stability (default 1e-8). */
  eps: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/** `new Adamax(model.parameters())`. State per parameter: `step`, `expAvg`, `expInf`. */
export class Adamax extends Optimizer<AdamaxOptions> {
  constructor(params: Params<AdamaxOptions>, options: Partial<AdamaxOptions> = {}) {
    super(params, options);
  }

  override get name(): string {
    return "Adamax";
  }

  protected defaultOptions(): AdamaxOptions {
    return { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, maximize: false };
  }

  protected checkOptions(o: AdamaxOptions, where: string): void {
    checkNonNegative(this.name, "learning rate", o.lr, where);
    checkNonNegative(this.name, "epsilon value", o.eps, where);
    checkBetas(this.name, o.betas, where);
    checkNonNegative(this.name, "weightDecay value", o.weightDecay, where);
    checkBoolean(this.name, "maximize", o.maximize, where);
  }

  protected stateKeys(): readonly string[] {
    return ["step", "expAvg", "expInf"];
  }

  protected updateGroup(group: ParamGroup<AdamaxOptions>): void {
    for (const param of group.params) {
      const grad = this.gradOf(param);
      if (!grad) continue;
      const state = this.stateOf(param);
      const step = ((state.step as number | undefined) ?? 0) + 1;
      state.step = step;
      adamaxUpdate(param, grad, this.buffer(state, "expAvg", param), this.buffer(state, "expInf", param), group, step);
    }
  }
}

function adamaxUpdate(param: Tensor, grad: Tensor, expAvg: Tensor, expInf: Tensor, o: AdamaxOptions, step: number): void {
  const [beta1, beta2] = o.betas;
  let g = o.maximize ? grad.neg() : grad;
  if (o.weightDecay !== 0) g = g.add(param, o.weightDecay);
  expAvg.mul_(beta1).add_(g, 1 - beta1);
  // expInf = max(beta2 · expInf, |g| + eps), elementwise
  expInf.copy_(expInf.mul_(beta2).maximum(g.abs().add_(o.eps)));
  const clr = o.lr / (1 - beta1 ** step);
  param.addcdiv_(expAvg, expInf, -clr);
}
