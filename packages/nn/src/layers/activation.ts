/** Activation layers: thin modules over the functional activations. */
import type { Tensor } from "@trek/tensor";
import { Module } from "../module.js";
import type { Parameter } from "../parameter.js";
import * as F from "../functional/activation.js";
import { constant_ } from "../init.js";
import { checkPositiveInt, newParameter, pyFloat, type FactoryOptions } from "../util.js";

/** max(0, x). */
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return F.relu(x);
  }
}

/** x for x > 0, negativeSlope·x otherwise. */
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.leakyRelu(x, this.negativeSlope);
  }
  override extraRepr(): string {
    return `negative_slope=${pyFloat(this.negativeSlope)}`;
  }
}

/** Options of PReLU. */
export interface PReLUOptions extends FactoryOptions {
  /** 1 (one shared slope) or the number of channels (dim 1 of the input). */
  numParameters?: number;
  /** Initial slope (default 0.25). */
  init?: number;
}

/** Leaky ReLU with learned slopes (one, or one per channel), like `torch.nn.PReLU`. */
export class PReLU extends Module {
  readonly numParameters: number;
  weight: Parameter;

  constructor(options: PReLUOptions = {}) {
    super();
    this.numParameters = options.numParameters ?? 1;
    checkPositiveInt("PReLU", "numParameters", this.numParameters);
    this.weight = newParameter([this.numParameters], options);
    constant_(this.weight, options.init ?? 0.25);
  }
  forward(x: Tensor): Tensor {
    return F.prelu(x, this.weight);
  }
  override extraRepr(): string {
    return `num_parameters=${this.numParameters}`;
  }
}

/** x for x > 0, alpha·(eˣ − 1) otherwise. */
export class ELU extends Module {
  constructor(readonly alpha = 1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.elu(x, this.alpha);
  }
  override extraRepr(): string {
    return `alpha=${pyFloat(this.alpha)}`;
  }
}

/** Scaled ELU (self-normalizing networks). */
export class SELU extends Module {
  forward(x: Tensor): Tensor {
    return F.selu(x);
  }
}

/** Gaussian error linear unit; `approximate: "tanh"` uses the tanh formula. */
export class GELU extends Module {
  constructor(readonly approximate: "none" | "tanh" = "none") {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.gelu(x, this.approximate);
  }
  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/** x·σ(x). */
export class SiLU extends Module {
  forward(x: Tensor): Tensor {
    return F.silu(x);
  }
}

/** x·tanh(softplus(x)). */
export class Mish extends Module {
  forward(x: Tensor): Tensor {
    return F.mish(x);
  }
}

/** 1 / (1 + e⁻ˣ). */
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return F.sigmoid(x);
  }
}

/** Hyperbolic tangent. */
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return F.tanh(x);
  }
}

/** Clamps into [minVal, maxVal] (default [−1, 1]). */
export class Hardtanh extends Module {
  constructor(
    readonly minVal = -1,
    readonly maxVal = 1,
  ) {
    super();
    if (!(minVal < maxVal)) throw new RangeError(`Hardtanh: minVal (${minVal}) must be less than maxVal (${maxVal})`);
  }
  forward(x: Tensor): Tensor {
    return F.hardtanh(x, this.minVal, this.maxVal);
  }
  override extraRepr(): string {
    return `min_val=${pyFloat(this.minVal)}, max_val=${pyFloat(this.maxVal)}`;
  }
}

/** (1/β)·log(1 + exp(β·x)), linear above `threshold`. */
export class Softplus extends Module {
  constructor(
    readonly beta = 1,
    readonly threshold = 20,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.softplus(x, this.beta, this.threshold);
  }
  override extraRepr(): string {
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }
}

/** Softmax along `dim`. */
export class Softmax extends Module {
  constructor(readonly dim: number) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.softmax(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** Log-softmax along `dim`. */
export class LogSoftmax extends Module {
  constructor(readonly dim: number) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.logSoftmax(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
