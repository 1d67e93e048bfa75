/**
 * NAdam: Adam with Nesterov momentum (Dozat 2016), with PyTorch's momentum-decay schedule, as
 * `torch.optim.NAdam` (PyTorch ≥ 2.0, which fixed the `mu_product_next` formula).
 */
import type { Tensor } from "@trek/tensor";
import { Optimizer } from "../optimizer.js";
import type { ParamGroup, Params } from "../types.js";
import { checkAdamOptions, checkNonNegative } from "../validation.js";

/** Options of {@link NAdam}; every one can also be set per parameter group. */
export interface NAdamOptions {
  /** Learning rate (default 2e-3). */
  lr: number;
  /** Decay rates of the running averages of the gradient and of its square (default [0.9, 0.999]). */
  betas: [number, number];
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Momentum decay ψ of the schedule μ_t = β1 (1 − ½ · 0.96^(t ψ)) (default 4e-3). */
  momentumDecay: number;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/**
 * `new NAdam(model.parameters())`. State per parameter: `step`, `muProduct` (the product of
 * the momentum schedule so far), `expAvg`, `expAvgSq`.
 */
export class NAdam extends Optimizer<NAdamOptions> {
  constructor(params: Params<NAdamOptions>, options: Partial<NAdamOptions> = {}) {
    super(params, options);
  }

  override get name(): string {
    return "NAdam";
  }

  protected defaultOptions(): NAdamOptions {
    return { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, momentumDecay: 4e-3, maximize: false };
  }

  protected checkOptions(o: NAdamOptions, where: string): void {
    checkAdamOptions(this.name, o, where);
    checkNonNegative(this.name, "momentumDecay value", o.momentumDecay, where);
  }

  protected stateKeys(): readonly string[] {
    return ["step", "muProduct", "expAvg", "expAvgSq"];
  }

  protected updateGroup(group: ParamGroup<NAdamOptions>): void {
    const beta1 = group.betas[0];
    for (const param of group.params) {
      const grad = this.gradOf(param);
      if (!grad) continue;
      const state = this.stateOf(param);
      const step = ((state.step as number | undefined) ?? 0) + 1;
      const mu = beta1 * (1 - 0.5 * 0.96 ** (step * group.momentumDecay));
      const muNext = beta1 * (1 - 0.5 * 0.96 ** ((step + 1) * group.momentumDecay));
      const muProduct = ((state.muProduct as number | undefined) ?? 1) * mu;
      state.step = step;
      state.muProduct = muProduct;
      const expAvg = this.buffer(state, "expAvg", param);
      const expAvgSq = this.buffer(state, "expAvgSq", param);
      nadamUpdate(param, grad, expAvg, expAvgSq, group, { step, mu, muNext, muProduct });
    }
  }
}

interface MomentumSchedule {
  step: number;
  mu: number;
  muNext: number;
  muProduct: number;
}

function nadamUpdate(param: Tensor, grad: Tensor, expAvg: Tensor, expAvgSq: Tensor, o: NAdamOptions, s: MomentumSchedule): void {
  const [beta1, beta2] = o.betas;
  let g = o.maximize ? grad.neg() : grad;
  if (o.weightDecay !== 0) g = g.add(param, o.weightDecay);
  expAvg.mul_(beta1).add_(g, 1 - beta1);
  expAvgSq.mul_(beta2).addcmul_(g, g, 1 - beta2);
  const denominator = expAvgSq.div(1 - beta2 ** s.step).sqrt_().add_(o.eps);
  param.addcdiv_(g, denominator, (-o.lr * (1 - s.mu)) / (1 - s.muProduct));
  param.addcdiv_(expAvg, denominator, (-o.lr * s.muNext) / (1 - s.muProduct * s.muNext));
}
