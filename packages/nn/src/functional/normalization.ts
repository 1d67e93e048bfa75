/** Normalization: batch norm (training statistics or running statistics), layer norm, group norm. */
import { ShapeError, formatShape, layerNorm as layerNormOp, type Tensor } from "@trek/tensor";
import { noGrad } from "@trek/autograd";

/** Options of `batchNorm`. */
export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  /** Use (and update) the batch statistics instead of the running ones. */
  training?: boolean;
  /** Weight of the new batch in the running averages (default 0.1). */
  momentum?: number;
  eps?: number;
}

/** Shape [1, C, 1, …] to broadcast a per-channel vector against an input of `ndim` dims. */
function channelShape(channels: number, ndim: number): number[] {
  const shape = new Array<number>(ndim).fill(1);
  shape[1] = channels;
  return shape;
}

/**
 * Batch normalization over every dim but the channel dim 1 of `x` [N, C, …]. In training, the
 * batch's mean and biased variance normalize the input and the running statistics (if given)
 * are updated in place with the unbiased variance; otherwise the running statistics are used.
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  options: BatchNormOptions = {},
): Tensor {
  if (x.ndim < 2) throw new ShapeError(`batchNorm: expected input [N, C, …], got ${formatShape(x.shape)}`);
  const channels = x.shape[1]!;
  const training = options.training ?? false;
  const eps = options.eps ?? 1e-5;
  const momentum = options.momentum ?? 0.1;
  const weight = options.weight ?? null;
  const bias = options.bias ?? null;
  for (const [name, t] of [["runningMean", runningMean], ["runningVar", runningVar], ["weight", weight], ["bias", bias]] as const) {
    if (t && (t.ndim !== 1 || t.shape[0] !== channels)) {
      throw new ShapeError(`batchNorm: ${name} must be [${channels}] for input ${formatShape(x.shape)}, got ${formatShape(t.shape)}`);
    }
  }
  const shape = channelShape(channels, x.ndim);
  if (!training) {
    if (!runningMean || !runningVar) throw new Error("batchNorm: evaluation needs runningMean and runningVar (or pass training: true)");
    // y = x·scale + shift with per-channel scale = w/√(var+ε), shift = b − mean·scale.
    const rstd = runningVar.add(eps).rsqrt();
    const scale = weight ? rstd.mul(weight) : rstd;
    const meanScaled = runningMean.mul(scale);
    const shift = bias ? bias.sub(meanScaled) : meanScaled.neg();
    const scaleB = scale.reshape(shape);
    const shiftB = shift.reshape(shape);
    const scaled = x.mul(scaleB);
    const out = scaled.add(shiftB);
    for (const t of [rstd, scale, meanScaled, shift, scaleB, shiftB, scaled]) if (t !== out) t.dispose();
    return out;
  }
  const count = x.numel() / channels;
  if (count <= 1) {
    throw new ShapeError(`batchNorm: expected more than 1 value per channel when training, got input ${formatShape(x.shape)}`);
  }
  const dims = Array.from({ length: x.ndim }, (_, i) => i).filter((d) => d !== 1);
  const mean = x.mean(dims, true);
  const centered = x.sub(mean);
  const squared = centered.mul(centered);
  const variance = squared.mean(dims, true);
  squared.dispose();
  if (runningMean && runningVar) {
    noGrad(() => {
      const batchMean = mean.reshape(channels);
      const unbiased = variance.reshape(channels).mul(count / (count - 1));
      runningMean.mul_(1 - momentum).add_(batchMean, momentum);
      runningVar.mul_(1 - momentum).add_(unbiased, momentum);
      batchMean.dispose();
      unbiased.dispose();
    });
  }
  const rstd = variance.add(eps).rsqrt();
  let scale = rstd;
  if (weight) {
    const weightB = weight.reshape(shape);
    scale = rstd.mul(weightB);
    weightB.dispose();
  }
  let out = centered.mul(scale);
  if (bias) {
    const biasB = bias.reshape(shape);
    const shifted = out.add(biasB);
    out.dispose();
    biasB.dispose();
    out = shifted;
  }
  for (const t of [mean, centered, variance, rstd, scale]) t.dispose();
  return out;
}

/** Options of `layerNorm` and `groupNorm`. */
export interface NormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  eps?: number;
}

/** Layer normalization over the trailing `normalizedShape` dims. */
export function layerNorm(x: Tensor, normalizedShape: number | readonly number[], options: NormOptions = {}): Tensor {
  const shape = typeof normalizedShape === "number" ? [normalizedShape] : normalizedShape;
  return layerNormOp(x, shape, options.weight ?? null, options.bias ?? null, options.eps ?? 1e-5);
}

/**
 * Group normalization of `x` [N, C, …]: channels split into `numGroups` groups, each normalized
 * over its channels and spatial positions, then a per-channel affine map.
 */
export function groupNorm(x: Tensor, numGroups: number, options: NormOptions = {}): Tensor {
  if (x.ndim < 2) throw new ShapeError(`groupNorm: expected input [N, C, …], got ${formatShape(x.shape)}`);
  const [n, channels] = x.shape as [number, number];
  if (!Number.isInteger(numGroups) || numGroups <= 0 || channels % numGroups !== 0) {
    throw new ShapeError(`groupNorm: ${channels} channels cannot be split into ${numGroups} groups`);
  }
  const weight = options.weight ?? null;
  const bias = options.bias ?? null;
  for (const [name, t] of [["weight", weight], ["bias", bias]] as const) {
    if (t && (t.ndim !== 1 || t.shape[0] !== channels)) {
      throw new ShapeError(`groupNorm: ${name} must be [${channels}], got ${formatShape(t.shape)}`);
    }
  }
  // Normalizing each group is a layer norm over the group's trailing elements.
  const grouped = x.reshape(n, numGroups, -1);
  const normalized = layerNormOp(grouped, [grouped.shape[2]!], null, null, options.eps ?? 1e-5);
  let out = normalized.reshape(x.shape);
  grouped.dispose();
  normalized.dispose();
  const shape = channelShape(channels, x.ndim);
  if (weight) {
    const weightB = weight.reshape(shape);
    const scaled = out.mul(weightB);
    weightB.dispose();
    out.dispose();
    out = scaled;
  }
  if (bias) {
    const biasB = bias.reshape(shape);
    const shifted = out.add(biasB);
    biasB.dispose();
    out.dispose();
    out = shifted;
  }
  return out;
}
