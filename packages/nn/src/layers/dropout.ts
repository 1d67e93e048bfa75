/** Dropout layers: active in training mode, the identity in eval mode. */
import type { Tensor } from "@trek/tensor";
import { Module } from "../module.js";
import { dropout, dropout2d } from "../functional/dropout.js";
import { pyBool, pyFloat } from "../util.js";

function checkP(layer: string, p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`${layer}: probability p must be in [0, 1], got ${p}`);
  return p;
}

/**
 * Zeroes each element with probability `p` during training and scales the rest by 1/(1 − p),
 * like `torch.nn.Dropout`; in eval mode (`model.eval()`) it returns its input unchanged.
 */
export class Dropout extends Module {
  readonly p: number;

  constructor(p = 0.5) {
    super();
    this.p = checkP("Dropout", p);
  }

  forward(x: Tensor): Tensor {
    return dropout(x, { p: this.p, training: this.training });
  }

  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=${pyBool(false)}`;
  }
}

/** Zeroes whole channels of [N, C, H, W] inputs during training, like `torch.nn.Dropout2d`. */
export class Dropout2d extends Module {
  readonly p: number;

  constructor(p = 0.5) {
    super();
    this.p = checkP("Dropout2d", p);
  }

  forward(x: Tensor): Tensor {
    return dropout2d(x, { p: this.p, training: this.training });
  }

  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=${pyBool(false)}`;
  }
}
