/**
 * Adam (and, with decoupled weight decay, AdamW) with AMSGrad, as `torch.optim.Adam`. The update
 * itself is `adamStep_` of @trek/tensor (a backend's fused kernel when it has one).
 */
import { adamStep_ } from "@trek/tensor";
import { Optimizer } from "../optimizer.js";
import type { ParamGroup, Params } from "../types.js";
import { checkAdamOptions, checkBoolean } from "../validation.js";

/** Options of {@link Adam} and {@link AdamW}; every one can also be set per parameter group. */
export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr: number;
  /** Decay rates of the running averages of the gradient and of its square (default [0.9, 0.999]). */
  betas: [number, number];
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps: number;
  /** Weight decay: an L2 penalty for Adam, a direct decay of the weights for AdamW (default 0; AdamW 0.01). */
  weightDecay: number;
  /** Use the maximum of past squared-gradient averages (AMSGrad; default false). */
  amsgrad: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
  /** Decay the weights directly, as AdamW does, instead of adding an L2 term to the gradient (default false; AdamW true). */
  decoupledWeightDecay: boolean;
}

/**
 * `new Adam(model.parameters(), { lr: 1e-3 })`. State per parameter: `step`, `expAvg`,
 * `expAvgSq`, and `maxExpAvgSq` with AMSGrad.
 */
export class Adam extends Optimizer<AdamOptions> {
  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(params, options);
  }

  override get name(): string {
    return "Adam";
  }

  protected defaultOptions(): AdamOptions {
    return { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, decoupledWeightDecay: false };
  }

  protected checkOptions(o: AdamOptions, where: string): void {
    checkAdamOptions(this.name, o, where);
    checkBoolean(this.name, "amsgrad", o.amsgrad, where);
    checkBoolean(this.name, "decoupledWeightDecay", o.decoupledWeightDecay, where);
  }

  protected stateKeys(): readonly string[] {
    return ["step", "expAvg", "expAvgSq", "maxExpAvgSq"];
  }

  protected updateGroup(group: ParamGroup<AdamOptions>): void {
    const [beta1, beta2] = group.betas;
    for (const param of group.params) {
      const grad = this.gradOf(param);
      if (!grad) continue;
      const state = this.stateOf(param);
      const step = this.countStep(state);
      const expAvg = this.buffer(state, "expAvg", param);
      const expAvgSq = this.buffer(state, "expAvgSq", param);
      const maxExpAvgSq = group.amsgrad ? this.buffer(state, "maxExpAvgSq", param) : null;
      adamStep_(param, grad, expAvg, expAvgSq, maxExpAvgSq, {
        lr: group.lr,
        beta1,
        beta2,
        eps: group.eps,
        weightDecay: group.weightDecay,
        decoupledWeightDecay: group.decoupledWeightDecay,
        amsgrad: group.amsgrad,
        maximize: group.maximize,
        step,
      });
    }
  }
}
