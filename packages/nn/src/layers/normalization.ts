/** Normalization layers: BatchNorm1d/2d (running statistics), LayerNorm, GroupNorm. */
import { ShapeError, formatShape, type Tensor } from "@trek/tensor";
import { noGrad } from "@trek/autograd";
import { Module } from "../module.js";
import type { Parameter } from "../parameter.js";
import { batchNorm, groupNorm, layerNorm } from "../functional/normalization.js";
import { ones_, zeros_ } from "../init.js";
import { checkPositiveInt, newBuffer, newParameter, pyBool, pyFloat, pyTuple, type FactoryOptions } from "../util.js";

/** Options of BatchNorm1d/2d. */
export interface BatchNormOptions extends FactoryOptions {
  eps?: number;
  /** Weight of each new batch in the running averages (default 0.1); null: a cumulative average. */
  momentum?: number | null;
  /** Learn a per-channel scale and shift (default true). */
  affine?: boolean;
  /** Keep running statistics for evaluation (default true); otherwise batch statistics are always used. */
  trackRunningStats?: boolean;
}

/**
 * Shared batch-norm logic. In training mode the batch statistics normalize the input and the
 * running mean/variance buffers are updated in place; in eval mode the running statistics are
 * used, so a model behaves deterministically at inference.
 */
abstract class BatchNormBase extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  protected constructor(numFeatures: number, options: BatchNormOptions) {
    super();
    checkPositiveInt(new.target.name, "numFeatures", numFeatures);
    this.numFeatures = numFeatures;
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    this.affine = options.affine ?? true;
    this.trackRunningStats = options.trackRunningStats ?? true;
    this.weight = this.affine ? newParameter([numFeatures], options) : null;
    this.bias = this.affine ? newParameter([numFeatures], options) : null;
    if (this.trackRunningStats) {
      this.registerBuffer("running_mean", newBuffer([numFeatures], 0, options));
      this.registerBuffer("running_var", newBuffer([numFeatures], 1, options));
      this.registerBuffer("num_batches_tracked", newBuffer([], 0, { ...options, integer: true }));
    } else {
      this.registerBuffer("running_mean", null);
      this.registerBuffer("running_var", null);
      this.registerBuffer("num_batches_tracked", null);
    }
    this.resetParameters();
  }

  /** The running mean buffer (state-dict key `running_mean`), or null without running statistics. */
  get runningMean(): Tensor | null {
    return this.registeredBuffer("running_mean");
  }

  /** The running variance buffer (state-dict key `running_var`). */
  get runningVar(): Tensor | null {
    return this.registeredBuffer("running_var");
  }

  /** How many training batches updated the statistics (state-dict key `num_batches_tracked`). */
  get numBatchesTracked(): Tensor | null {
    return this.registeredBuffer("num_batches_tracked");
  }

  /** Resets the running statistics to mean 0, variance 1. */
  resetRunningStats(): void {
    if (!this.trackRunningStats) return;
    zeros_(this.runningMean!);
    ones_(this.runningVar!);
    noGrad(() => this.numBatchesTracked!.zero_());
  }

  resetParameters(): void {
    this.resetRunningStats();
    if (this.weight) ones_(this.weight);
    if (this.bias) zeros_(this.bias);
  }

  /** Throws unless the input has an accepted rank and `numFeatures` channels. */
  protected abstract checkInput(x: Tensor): void;

  forward(x: Tensor): Tensor {
    this.checkInput(x);
    let momentum = this.momentum ?? 0;
    const counter = this.numBatchesTracked;
    if (this.training && counter) {
      noGrad(() => counter.add_(1));
      if (this.momentum === null) {
        // A cumulative moving average: the n-th batch gets weight 1/n.
        let batches: number;
        try {
          batches = counter.itemSync();
        } catch {
          throw new Error(`${this.constructor.name}: momentum null (a cumulative average) needs a backend that reads synchronously`);
        }
        momentum = 1 / batches;
      }
    }
    // Without running statistics the batch statistics are used in eval mode too.
    return batchNorm(x, this.runningMean, this.runningVar, {
      weight: this.weight,
      bias: this.bias,
      training: this.training || !this.trackRunningStats,
      momentum,
      eps: this.eps,
    });
  }

  override extraRepr(): string {
    const momentum = this.momentum === null ? "None" : pyFloat(this.momentum);
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${momentum}, affine=${pyBool(this.affine)}, track_running_stats=${pyBool(this.trackRunningStats)}`;
  }
}

/** Batch normalization over [N, C] or [N, C, L] inputs, like `torch.nn.BatchNorm1d`. */
export class BatchNorm1d extends BatchNormBase {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super(numFeatures, options);
  }

  protected checkInput(x: Tensor): void {
    if ((x.ndim !== 2 && x.ndim !== 3) || x.shape[1] !== this.numFeatures) {
      throw new ShapeError(
        `${this.reprTree()}: expected input [N, ${this.numFeatures}] or [N, ${this.numFeatures}, L], got ${formatShape(x.shape)}`,
      );
    }
  }
}

/** Batch normalization over [N, C, H, W] inputs, like `torch.nn.BatchNorm2d`. */
export class BatchNorm2d extends BatchNormBase {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super(numFeatures, options);
  }

  protected checkInput(x: Tensor): void {
    if (x.ndim !== 4 || x.shape[1] !== this.numFeatures) {
      throw new ShapeError(`${this.reprTree()}: expected input [N, ${this.numFeatures}, H, W], got ${formatShape(x.shape)}`);
    }
  }
}

/** Options of LayerNorm. */
export interface LayerNormOptions extends FactoryOptions {
  eps?: number;
  /** Learn a scale (and shift) of the normalized shape (default true). */
  elementwiseAffine?: boolean;
  /** Learn the shift too (default true). */
  bias?: boolean;
}

/** Layer normalization over the trailing `normalizedShape` dims, like `torch.nn.LayerNorm`. */
export class LayerNorm extends Module {
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === "number" ? [normalizedShape] : [...normalizedShape];
    for (const s of this.normalizedShape) checkPositiveInt("LayerNorm", "normalizedShape", s);
    this.eps = options.eps ?? 1e-5;
    this.elementwiseAffine = options.elementwiseAffine ?? true;
    this.weight = this.elementwiseAffine ? newParameter(this.normalizedShape, options) : null;
    this.bias = this.elementwiseAffine && options.bias !== false ? newParameter(this.normalizedShape, options) : null;
    this.resetParameters();
  }

  resetParameters(): void {
    if (this.weight) ones_(this.weight);
    if (this.bias) zeros_(this.bias);
  }

  forward(x: Tensor): Tensor {
    const k = this.normalizedShape.length;
    if (x.ndim < k || x.shape.slice(x.ndim - k).some((s, i) => s !== this.normalizedShape[i])) {
      throw new ShapeError(`${this.reprTree()}: expected input [..., ${this.normalizedShape.join(", ")}], got ${formatShape(x.shape)}`);
    }
    return layerNorm(x, this.normalizedShape, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  override extraRepr(): string {
    return `${pyTuple(this.normalizedShape)}, eps=${pyFloat(this.eps)}, elementwise_affine=${pyBool(this.elementwiseAffine)}`;
  }
}

/** Options of GroupNorm. */
export interface GroupNormOptions extends FactoryOptions {
  eps?: number;
  /** Learn a per-channel scale and shift (default true). */
  affine?: boolean;
}

/** Group normalization over [N, C, …] inputs, like `torch.nn.GroupNorm`. */
export class GroupNorm extends Module {
  readonly numGroups: number;
  readonly numChannels: number;
  readonly eps: number;
  readonly affine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(numGroups: number, numChannels: number, options: GroupNormOptions = {}) {
    super();
    checkPositiveInt("GroupNorm", "numGroups", numGroups);
    checkPositiveInt("GroupNorm", "numChannels", numChannels);
    if (numChannels % numGroups !== 0) throw new RangeError(`GroupNorm: numChannels (${numChannels}) must be divisible by numGroups (${numGroups})`);
    this.numGroups = numGroups;
    this.numChannels = numChannels;
    this.eps = options.eps ?? 1e-5;
    this.affine = options.affine ?? true;
    this.weight = this.affine ? newParameter([numChannels], options) : null;
    this.bias = this.affine ? newParameter([numChannels], options) : null;
    this.resetParameters();
  }

  resetParameters(): void {
    if (this.weight) ones_(this.weight);
    if (this.bias) zeros_(this.bias);
  }

  forward(x: Tensor): Tensor {
    if (x.ndim < 2 || x.shape[1] !== this.numChannels) {
      throw new ShapeError(`${this.reprTree()}: expected input [N, ${this.numChannels}, …], got ${formatShape(x.shape)}`);
    }
    return groupNorm(x, this.numGroups, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${pyFloat(this.eps)}, affine=${pyBool(this.affine)}`;
  }
}
