/**
 * AdamW: Adam with decoupled weight decay (Loshchilov & Hutter), as `torch.optim.AdamW`. The
 * weights shrink by `lr · weightDecay` of themselves each step, apart from the adaptive update.
 */
import { Adam, type AdamOptions } from "./adam.js";
import type { Params } from "../types.js";

/** `new AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.01 })`; same state as {@link Adam}. */
export class AdamW extends Adam {
  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(params, options);
  }

  override get name(): string {
    return "AdamW";
  }

  protected override defaultOptions(): AdamOptions {
    return { ...super.defaultOptions(), weightDecay: 1e-2, decoupledWeightDecay: true };
  }
}
