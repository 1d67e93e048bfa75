/** Fully connected layers: Linear and Bilinear. */
import { ShapeError, formatShape, type Tensor } from "@trek/tensor";
import { Module } from "../module.js";
import type { Parameter } from "../parameter.js";
import { bilinear, linear } from "../functional/linear.js";
import { kaimingUniform_, uniform_ } from "../init.js";
import { checkPositiveInt, newParameter, pyBool, type FactoryOptions } from "../util.js";

/** Options of Linear and Bilinear. */
export interface LinearOptions extends FactoryOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
}

/**
 * y = x·Wᵀ + b, applied to the last dim of the input, like `torch.nn.Linear`. `weight` is
 * [outFeatures, inFeatures]; both are initialized from U(−1/√in, 1/√in), PyTorch's default.
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    checkPositiveInt("Linear", "inFeatures", inFeatures);
    checkPositiveInt("Linear", "outFeatures", outFeatures);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = newParameter([outFeatures, inFeatures], options);
    this.bias = options.bias === false ? null : newParameter([outFeatures], options);
    this.resetParameters();
  }

  /** Re-draws the weights with PyTorch's default initialization. */
  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const bound = 1 / Math.sqrt(this.inFeatures);
      uniform_(this.bias, -bound, bound);
    }
  }

  forward(x: Tensor): Tensor {
    if (x.ndim === 0 || x.shape[x.ndim - 1] !== this.inFeatures) {
      const trailing = x.ndim > 2 ? x.shape.slice(1).reduce((a, b) => a * b, 1) : -1;
      const hint = trailing === this.inFeatures ? ". Did you forget Flatten()?" : "";
      throw new ShapeError(
        `Linear(in=${this.inFeatures}, out=${this.outFeatures}): expected input [..., ${this.inFeatures}], got ${formatShape(x.shape)}${hint}`,
      );
    }
    return linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}

/** y = x1ᵀ·A·x2 + b, like `torch.nn.Bilinear`; `weight` is [out, in1, in2]. */
export class Bilinear extends Module {
  readonly in1Features: number;
  readonly in2Features: number;
  readonly outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(in1Features: number, in2Features: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    checkPositiveInt("Bilinear", "in1Features", in1Features);
    checkPositiveInt("Bilinear", "in2Features", in2Features);
    checkPositiveInt("Bilinear", "outFeatures", outFeatures);
    this.in1Features = in1Features;
    this.in2Features = in2Features;
    this.outFeatures = outFeatures;
    this.weight = newParameter([outFeatures, in1Features, in2Features], options);
    this.bias = options.bias === false ? null : newParameter([outFeatures], options);
    this.resetParameters();
  }

  /** Re-draws weight and bias from U(−1/√in1, 1/√in1), PyTorch's default. */
  resetParameters(): void {
    const bound = 1 / Math.sqrt(this.in1Features);
    uniform_(this.weight, -bound, bound);
    if (this.bias) uniform_(this.bias, -bound, bound);
  }

  forward(x1: Tensor, x2: Tensor): Tensor {
    if (x1.ndim === 0 || x1.shape[x1.ndim - 1] !== this.in1Features || x2.ndim === 0 || x2.shape[x2.ndim - 1] !== this.in2Features) {
      throw new ShapeError(
        `Bilinear(in1=${this.in1Features}, in2=${this.in2Features}, out=${this.outFeatures}): expected inputs [..., ${this.in1Features}] and [..., ${this.in2Features}], got ${formatShape(x1.shape)} and ${formatShape(x2.shape)}`,
      );
    }
    return bilinear(x1, x2, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in1_features=${this.in1Features}, in2_features=${this.in2Features}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}
