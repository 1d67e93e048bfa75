/**
 * Rprop, resilient backpropagation (Riedmiller & Braun 1993), as `torch.optim.Rprop`: each
 * element has its own step size, which grows while the gradient keeps its sign and shrinks
 * when it flips; only the sign of the gradient is used.
 */
import type { Tensor } from "@trek/tensor";
import { Optimizer } from "../optimizer.js";
import type { ParamGroup, Params } from "../types.js";
import { checkBoolean, checkNonNegative, formatValue } from "../validation.js";

/** Options of {@link Rprop}; every one can also be set per parameter group. */
export interface RpropOptions {
  /** Initial step size of every element (default 1e-2). */
  lr: number;
  /** [etaminus, etaplus]: how step sizes shrink after a sign flip and grow otherwise, 0 < etaminus < 1 < etaplus (default [0.5, 1.2]). */
  etas: [number, number];
  /** [minimal, maximal] step size (default [1e-6, 50]). */
  stepSizes: [number, number];
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/**
 * `new Rprop(model.parameters())`. State per parameter: `step`, `prev` (the previous
 * gradient, zeroed where its sign flipped) and `stepSize` (per element, starting at `lr`).
 */
export class Rprop extends Optimizer<RpropOptions> {
  constructor(params: Params<RpropOptions>, options: Partial<RpropOptions> = {}) {
    super(params, options);
  }

  override get name(): string {
    return "Rprop";
  }

  protected defaultOptions(): RpropOptions {
    return { lr: 1e-2, etas: [0.5, 1.2], stepSizes: [1e-6, 50], maximize: false };
  }

  protected checkOptions(o: RpropOptions, where: string): void {
    checkNonNegative(this.name, "learning rate", o.lr, where);
    const etas = o.etas as unknown;
    if (!Array.isArray(etas) || etas.length !== 2 || etas.some((eta) => typeof eta !== "number")) {
      throw new TypeError(`${this.name}: etas must be a pair [etaminus, etaplus], got ${formatValue(etas)}${where}`);
    }
    if (!(0 < etas[0] && etas[0] < 1 && 1 < etas[1])) {
      throw new RangeError(`${this.name}: invalid eta values: ${formatValue(etas)} (expected 0 < etaminus < 1 < etaplus)${where}`);
    }
    const sizes = o.stepSizes as unknown;
    if (!Array.isArray(sizes) || sizes.length !== 2 || sizes.some((size) => typeof size !== "number")) {
      throw new TypeError(`${this.name}: stepSizes must be a pair [min, max], got ${formatValue(sizes)}${where}`);
    }
    if (!(0 <= sizes[0] && sizes[0] <= sizes[1])) {
      throw new RangeError(`${this.name}: invalid stepSizes: ${formatValue(sizes)} (expected 0 ≤ min ≤ max)${where}`);
    }
    checkBoolean(this.name, "maximize", o.maximize, where);
  }

  protected stateKeys(): readonly string[] {
    return ["step", "prev", "stepSize"];
  }

  protected updateGroup(group: ParamGroup<RpropOptions>): void {
    for (const param of group.params) {
      const grad = this.gradOf(param);
      if (!grad) continue;
      const state = this.stateOf(param);
      this.countStep(state);
      const prev = this.buffer(state, "prev", param);
      const stepSize = this.buffer(state, "stepSize", param, group.lr);
      rpropUpdate(param, grad, prev, stepSize, group);
    }
  }
}

function rpropUpdate(param: Tensor, grad: Tensor, prev: Tensor, stepSize: Tensor, o: RpropOptions): void {
  const [etaminus, etaplus] = o.etas;
  const g = o.maximize ? grad.neg() : grad;
  const product = g.mul(prev);
  const flipped = product.lt(0);
  // etaplus where the sign was kept, etaminus where it flipped, 1 where either gradient is 0.
  const factor = product.sign().maskedFill_(product.gt(0), etaplus).maskedFill_(flipped, etaminus).maskedFill_(product.eq(0), 1);
  stepSize.mul_(factor).clamp_(o.stepSizes[0], o.stepSizes[1]);
  // After a sign flip the element does not move, and the next step treats it as a fresh start.
  const kept = g.maskedFill(flipped, 0);
  param.addcmul_(kept.sign(), stepSize, -1);
  prev.copy_(kept);
}
