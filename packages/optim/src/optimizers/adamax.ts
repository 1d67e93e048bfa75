/**
 * Adamax, the infinity-norm variant of Adam, as `torch.optim.Adamax`.
 */
import type { Tensor } from "@trek/tensor";
import type { Params } from "../types.js";
import { AdamFamily, type AdamFamilyOptions } from "./adam-family.js";

/** Options of {@link Adamax} (lr default 2e-3; eps is added to the infinity norm). */
export type AdamaxOptions = AdamFamilyOptions;

/** `new Adamax(model.parameters())`. State per parameter: `step`, `expAvg`, `expInf`. */
export class Adamax extends AdamFamily<AdamaxOptions> {
  constructor(params: Params<AdamaxOptions>, options: Partial<AdamaxOptions> = {}) {
    super(params, options);
  }

  override get name(): string {
    return "Adamax";
  }

  protected defaultOptions(): AdamaxOptions {
    return { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, maximize: false };
  }

  protected secondMomentKey(): string {
    return "expInf";
  }

  protected update(param: Tensor, grad: Tensor, expAvg: Tensor, expInf: Tensor, o: AdamaxOptions, step: number): void {
    const [beta1, beta2] = o.betas;
    const g = this.effectiveGrad(param, grad, o);
    expAvg.mul_(beta1).add_(g, 1 - beta1);
    // expInf = max(beta2 · expInf, |g| + eps), elementwise
    expInf.copy_(expInf.mul_(beta2).maximum(g.abs().add_(o.eps)));
    const clr = o.lr / (1 - beta1 ** step);
    param.addcdiv_(expAvg, expInf, -clr);
  }
}
