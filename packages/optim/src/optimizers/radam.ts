/**
 * RAdam: Adam with a rectified adaptive learning rate (Liu et al. 2019), as `torch.optim.RAdam`.
 * While the variance of the adaptive rate is intractable (the first few steps) it takes plain
 * bias-corrected momentum steps.
 */
import type { Tensor } from "@trek/tensor";
import type { Params } from "../types.js";
import { AdamFamily, type AdamFamilyOptions } from "./adam-family.js";

/** Options of {@link RAdam} (lr default 1e-3; `maximize` goes beyond PyTorch 1.13's RAdam). */
export type RAdamOptions = AdamFamilyOptions;

/** `new RAdam(model.parameters())`. State per parameter: `step`, `expAvg`, `expAvgSq`. */
export class RAdam extends AdamFamily<RAdamOptions> {
  constructor(params: Params<RAdamOptions>, options: Partial<RAdamOptions> = {}) {
    super(params, options);
  }

  override get name(): string {
    return "RAdam";
  }

  protected defaultOptions(): RAdamOptions {
    return { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, maximize: false };
  }

  protected secondMomentKey(): string {
    return "expAvgSq";
  }

  protected update(param: Tensor, grad: Tensor, expAvg: Tensor, expAvgSq: Tensor, o: RAdamOptions, step: number): void {
    const [beta1, beta2] = o.betas;
    const g = this.effectiveGrad(param, grad, o);
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
}
