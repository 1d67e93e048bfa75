/**
 * RAdam: Adam with a rectified adaptive learning rate (Liu et al. 2019), as `torch.optim.RAdam`.
 * While the variance of the adaptive rate is intractable (the first few steps) it takes plain
 * bias-corrected momentum steps.
 */
import type { Tensor } from "@trek/tensor";
import { Optimizer } from "../optimizer.js";
import type { ParamGroup, Params } from "../types.js";
import { checkBetas, checkBoolean, checkNonNegative } from "../validation.js";

/** Options of {@link RAdam}; every one can also be set per parameter group. */
export interface RAdamOptions {
  /** Learning rate (default 1e-3). */
  lr: number;
  /** Decay rates of the running averages of the gradient and of its square (default [0.9, 0.999]). */
  betas: [number, number];
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Maximize the objective instead of minimizing it (default false; PyTorch 1.13's RAdam has no such option). */
  maximize: boolean;
}

/** `new RAdam(model.parameters())`. State per parameter: `step`, `expAvg`, `expAvgSq`. */
export class RAdam extends Optimizer<RAdamOptions> {
  constructor(params: Params<RAdamOptions>, options: Partial<RAdamOptions> = {}) {
    super(params, options);
  }

  override get name(): string {
    return "RAdam";
  }

  protected defaultOptions(): RAdamOptions {
    return { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, maximize: false };
  }

  protected checkOptions(o: RAdamOptions, where: string): void {
    checkNonNegative(this.name, "learning rate", o.lr, where);
    checkNonNegative(this.name, "epsilon value", o.eps, where);
    checkBetas(this.name, o.betas, where);
    checkNonNegative(this.name, "weightDecay value", o.weightDecay, where);
    checkBoolean(this.name, "maximize", o.maximize, where);
  }

  protected stateKeys(): readonly string[] {
    return ["step", "expAvg", "expAvgSq"];
  }

  protected updateGroup(group: ParamGroup<RAdamOptions>): void {
    for (const param of group.params) {
      const grad = this.gradOf(param);
      if (!grad) continue;
      const state = this.stateOf(param);
      const step = ((state.step as number | undefined) ?? 0) + 1;
      state.step = step;
      radamUpdate(param, grad, this.buffer(state, "expAvg", param), this.buffer(state, "expAvgSq", param), group, step);
    }
  }
}

function radamUpdate(param: Tensor, grad: Tensor, expAvg: Tensor, expAvgSq: Tensor, o: RAdamOptions, step: number): void {
  const [beta1, beta2] = o.betas;
  let g = o.maximize ? grad.neg() : grad;
  if (o.weightDecay !== 0) g = g.add(param, o.weightDecay);
  expAvg.mul_(beta1).add_(g, 1 - beta1);
  expAvgSq.mul_(beta2).addcmul_(g, g, 1 - beta2);
  const biasCorrection1 = 1 - beta1 ** step;
  const biasCorrection2 = 1 - beta2 ** step;
  // The length of the approximated simple moving average, at most rhoInf.
  const rhoInf = 2 / (1 - beta2) - 1;
  const rho = rhoInf - (2 * step * beta2 ** step) / biasCorrection2;
  if (rho > 5) {
    const rect = Math.sqrt(((rho - 4) * (rho - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rho));
    const update = expAvg.div(biasCorrection1).mul_(o.lr).mul_(expAvgSq.sqrt().add_(o.eps).reciprocal().mul_(Math.sqrt(biasCorrection2)));
    param.add_(update.mul_(rect), -1);
  } else {
    param.add_(expAvg.div(biasCorrection1).mul_(o.lr), -1);
  }
}
