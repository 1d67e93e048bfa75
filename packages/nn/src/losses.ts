/** Loss modules: callable wrappers of the functional losses with their options fixed. */
import type { Tensor } from "@trek/tensor";
import { Module } from "./module.js";
import * as F from "./functional/loss.js";
import type { Reduction } from "./functional/loss.js";
import { pyFloat } from "./util.js";

/** Options of losses that only take a reduction. */
export interface LossOptions {
  /** "mean" (default), "sum" or "none". */
  reduction?: Reduction;
}

abstract class Loss extends Module {
  readonly reduction: Reduction;
  constructor(options: LossOptions) {
    super();
    this.reduction = options.reduction ?? "mean";
  }
}

/** A loss with an optional class-weight buffer (state-dict key `weight`, as in PyTorch). */
abstract class WeightedLoss extends Loss {
  constructor(options: LossOptions & { weight?: Tensor | null }) {
    super(options);
    this.registerBuffer("weight", options.weight ?? null);
  }
  /** The per-class (or per-element) weight, or null. */
  get weight(): Tensor | null {
    return this.registeredBuffer("weight");
  }
}

/** Mean squared error: mean((input − target)²). */
export class MSELoss extends Loss {
  constructor(options: LossOptions = {}) {
    super(options);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.mseLoss(input, target, { reduction: this.reduction });
  }
}

/** Mean absolute error: mean(|input − target|). */
export class L1Loss extends Loss {
  constructor(options: LossOptions = {}) {
    super(options);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.l1Loss(input, target, { reduction: this.reduction });
  }
}

/** Smooth L1: quadratic below `beta`, linear above. */
export class SmoothL1Loss extends Loss {
  readonly beta: number;
  constructor(options: F.SmoothL1Options = {}) {
    super(options);
    this.beta = options.beta ?? 1;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta });
  }
}

/** Huber loss: quadratic below `delta`, linear (slope delta) above. */
export class HuberLoss extends Loss {
  readonly delta: number;
  constructor(options: F.HuberOptions = {}) {
    super(options);
    this.delta = options.delta ?? 1;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.huberLoss(input, target, { reduction: this.reduction, delta: this.delta });
  }
}

/**
 * Cross entropy on logits [N, C, …] with class-index targets [N, …] (int64) or class
 * probabilities; `weight`, `ignoreIndex` and `labelSmoothing` as in PyTorch.
 */
export class CrossEntropyLoss extends WeightedLoss {
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;
  constructor(options: F.CrossEntropyOptions = {}) {
    super(options);
    this.ignoreIndex = options.ignoreIndex ?? -100;
    this.labelSmoothing = options.labelSmoothing ?? 0;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.crossEntropy(input, target, {
      reduction: this.reduction,
      weight: this.weight,
      ignoreIndex: this.ignoreIndex,
      labelSmoothing: this.labelSmoothing,
    });
  }
  override extraRepr(): string {
    return this.labelSmoothing ? `label_smoothing=${pyFloat(this.labelSmoothing)}` : "";
  }
}

/** Negative log-likelihood of log-probabilities [N, C, …] given class indices [N, …]. */
export class NLLLoss extends WeightedLoss {
  readonly ignoreIndex: number;
  constructor(options: F.ClassLossOptions = {}) {
    super(options);
    this.ignoreIndex = options.ignoreIndex ?? -100;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.nllLoss(input, target, { reduction: this.reduction, weight: this.weight, ignoreIndex: this.ignoreIndex });
  }
}

/** Binary cross entropy on probabilities in [0, 1]. */
export class BCELoss extends WeightedLoss {
  constructor(options: F.BceOptions = {}) {
    super(options);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropy(input, target, { reduction: this.reduction, weight: this.weight });
  }
}

/** Binary cross entropy on logits (numerically stable), with optional `posWeight` per class. */
export class BCEWithLogitsLoss extends WeightedLoss {
  constructor(options: F.BceWithLogitsOptions = {}) {
    super(options);
    this.registerBuffer("pos_weight", options.posWeight ?? null);
  }
  /** Weight of positive examples per class (state-dict key `pos_weight`), or null. */
  get posWeight(): Tensor | null {
    return this.registeredBuffer("pos_weight");
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropyWithLogits(input, target, { reduction: this.reduction, weight: this.weight, posWeight: this.posWeight });
  }
}

/** Kullback–Leibler divergence of log-probabilities `input` from `target`. */
export class KLDivLoss extends Module {
  readonly reduction: Reduction | "batchmean";
  readonly logTarget: boolean;
  constructor(options: F.KlDivOptions = {}) {
    super();
    this.reduction = options.reduction ?? "mean";
    this.logTarget = options.logTarget ?? false;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.klDiv(input, target, { reduction: this.reduction, logTarget: this.logTarget });
  }
}
