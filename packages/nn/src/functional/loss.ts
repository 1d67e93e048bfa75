/** Loss functions with PyTorch's reductions ("none" | "mean" | "sum"). */
import { DTypeError, IndexError, ShapeError, activation, formatShape, shapesEqual, where, type Tensor } from "@trek/tensor";

/** How per-element losses are combined. */
export type Reduction = "none" | "mean" | "sum";

function checkReduction(op: string, reduction: string, allowed: readonly string[] = ["none", "mean", "sum"]): void {
  if (!allowed.includes(reduction)) {
    throw new TypeError(`${op}: reduction must be ${allowed.map((r) => `"${r}"`).join(", ")}; got ${JSON.stringify(reduction)}`);
  }
}

/** Applies a reduction, disposing the unreduced tensor when it is not returned. */
function reduce(loss: Tensor, reduction: Reduction): Tensor {
  if (reduction === "none") return loss;
  const out = reduction === "mean" ? loss.mean() : loss.sum();
  loss.dispose();
  return out;
}

function checkSameShape(op: string, input: Tensor, target: Tensor): void {
  if (!shapesEqual(input.shape, target.shape)) {
    throw new ShapeError(
      `${op}: input ${formatShape(input.shape)} and target ${formatShape(target.shape)} must have the same shape ` +
        `(reshape one of them; broadcasting here is almost always a bug)`,
    );
  }
}

function requireFloatPair(op: string, input: Tensor, target: Tensor): void {
  if (!input.isFloatingPoint()) throw new DTypeError(`${op}: input must be floating point, got ${input.dtype}`);
  if (!target.isFloatingPoint()) throw new DTypeError(`${op}: target must be floating point, got ${target.dtype} (convert it with .float())`);
}

/** Options with only a reduction. */
export interface ReductionOptions {
  reduction?: Reduction;
}

/** Mean (or sum) of squared differences. */
export function mseLoss(input: Tensor, target: Tensor, options: ReductionOptions = {}): Tensor {
  const reduction = options.reduction ?? "mean";
  checkReduction("mseLoss", reduction);
  checkSameShape("mseLoss", input, target);
  requireFloatPair("mseLoss", input, target);
  const diff = input.sub(target);
  const squared = diff.mul(diff);
  diff.dispose();
  return reduce(squared, reduction);
}

/** Mean (or sum) of absolute differences. */
export function l1Loss(input: Tensor, target: Tensor, options: ReductionOptions = {}): Tensor {
  const reduction = options.reduction ?? "mean";
  checkReduction("l1Loss", reduction);
  checkSameShape("l1Loss", input, target);
  requireFloatPair("l1Loss", input, target);
  const diff = input.sub(target);
  const absolute = diff.abs();
  diff.dispose();
  return reduce(absolute, reduction);
}

/** Piecewise loss: quadratic `quadScale·d²` below `limit`, linear `linScale·(|d| − limit/2)` above. */
function piecewise(input: Tensor, target: Tensor, limit: number, quadScale: number, linScale: number, strictlyBelow: boolean): Tensor {
  const diff = input.sub(target);
  const absolute = diff.abs();
  const squared = diff.mul(diff);
  const quadratic = squared.mul(quadScale);
  const shifted = absolute.sub(limit / 2);
  const linear = shifted.mul(linScale);
  const small = strictlyBelow ? absolute.lt(limit) : absolute.le(limit);
  const out = where(small, quadratic, linear);
  for (const t of [diff, absolute, squared, quadratic, shifted, linear, small]) t.dispose();
  return out;
}

/** Options of `smoothL1Loss`. */
export interface SmoothL1Options extends ReductionOptions {
  /** Where the loss changes from quadratic to linear (default 1); 0 gives the L1 loss. */
  beta?: number;
}

/** 0.5·d²/β where |d| < β, else |d| − 0.5·β. */
export function smoothL1Loss(input: Tensor, target: Tensor, options: SmoothL1Options = {}): Tensor {
  const reduction = options.reduction ?? "mean";
  const beta = options.beta ?? 1;
  checkReduction("smoothL1Loss", reduction);
  if (!(beta >= 0)) throw new RangeError(`smoothL1Loss: beta must be non-negative, got ${beta}`);
  if (beta === 0) return l1Loss(input, target, { reduction });
  checkSameShape("smoothL1Loss", input, target);
  requireFloatPair("smoothL1Loss", input, target);
  return reduce(piecewise(input, target, beta, 0.5 / beta, 1, true), reduction);
}

/** Options of `huberLoss`. */
export interface HuberOptions extends ReductionOptions {
  /** Where the loss changes from quadratic to linear (default 1). */
  delta?: number;
}

/** 0.5·d² where |d| < δ, else δ·(|d| − 0.5·δ). */
export function huberLoss(input: Tensor, target: Tensor, options: HuberOptions = {}): Tensor {
  const reduction = options.reduction ?? "mean";
  const delta = options.delta ?? 1;
  checkReduction("huberLoss", reduction);
  if (!(delta > 0)) throw new RangeError(`huberLoss: delta must be positive, got ${delta}`);
  checkSameShape("huberLoss", input, target);
  requireFloatPair("huberLoss", input, target);
  return reduce(piecewise(input, target, delta, 0.5, delta, true), reduction);
}

/** Options of `nllLoss` and `crossEntropy`. */
export interface ClassLossOptions extends ReductionOptions {
  /** A weight per class ([C]). */
  weight?: Tensor | null;
  /** Targets equal to this class index are skipped (default −100). */
  ignoreIndex?: number;
}

/** Options of `crossEntropy`. */
export interface CrossEntropyOptions extends ClassLossOptions {
  /** Mixes the target with the uniform distribution: (1 − ε)·target + ε/C (default 0). */
  labelSmoothing?: number;
}

interface ClassLayout {
  classDim: number;
  classes: number;
  /** Input and target with a batch dim added for unbatched ([C]) input. */
  input: Tensor;
  target: Tensor;
}

function classLayout(op: string, input: Tensor, target: Tensor, probabilities: boolean): ClassLayout {
  if (input.ndim === 0) throw new ShapeError(`${op}: expected input [N, C, …] or [C], got a scalar`);
  if (!input.isFloatingPoint()) throw new DTypeError(`${op}: input must be floating point, got ${input.dtype}`);
  const unbatched = input.ndim === 1;
  const batchedInput = unbatched ? input.unsqueeze(0) : input;
  const batchedTarget = unbatched ? target.unsqueeze(0) : target;
  const classes = batchedInput.shape[1]!;
  const expected = probabilities ? batchedInput.shape : [batchedInput.shape[0]!, ...batchedInput.shape.slice(2)];
  if (!shapesEqual(batchedTarget.shape, expected)) {
    const what = probabilities ? "class probabilities of the input's shape" : "class indices";
    const want = unbatched ? formatShape(probabilities ? input.shape : []) : formatShape(expected);
    throw new ShapeError(`${op}: expected target ${want} (${what}) for input ${formatShape(input.shape)}, got ${formatShape(target.shape)}`);
  }
  return { classDim: 1, classes, input: batchedInput, target: batchedTarget };
}

/** Per-sample negative log-likelihood terms, the effective weight of each, and the kept-sample mask. */
function nllTerms(
  op: string,
  logProbabilities: Tensor,
  target: Tensor,
  classes: number,
  weight: Tensor | null,
  ignoreIndex: number,
): { losses: Tensor; weights: Tensor } {
  if (target.dtype !== "int64" && target.dtype !== "int32") {
    throw new DTypeError(`${op}: class-index targets must be int64 or int32, got ${target.dtype}`);
  }
  if (weight && (weight.ndim !== 1 || weight.shape[0] !== classes)) {
    throw new ShapeError(`${op}: weight must be [${classes}] (one per class), got ${formatShape(weight.shape)}`);
  }
  const ignored = target.eq(ignoreIndex);
  const safeTarget = where(ignored, 0, target);
  const index = safeTarget.unsqueeze(1);
  let picked: Tensor;
  try {
    picked = logProbabilities.gather(1, index);
  } catch (err) {
    if (err instanceof IndexError) {
      throw new IndexError(`${op}: a target class index is out of range for ${classes} classes (valid: 0 … ${classes - 1}, or ignoreIndex ${ignoreIndex})`);
    }
    throw err;
  }
  const kept = ignored.logicalNot();
  const keptFloat = kept.to(logProbabilities.dtype);
  let weights = keptFloat;
  if (weight) {
    const flat = safeTarget.reshape(-1);
    const classWeights = weight.indexSelect(0, flat).reshape(target.shape);
    weights = classWeights.mul(keptFloat);
    for (const t of [flat, classWeights, keptFloat]) t.dispose();
  }
  const pickedFlat = picked.squeeze(1);
  const weighted = pickedFlat.mul(weights);
  const losses = weighted.neg();
  for (const t of [ignored, safeTarget, index, picked, kept, pickedFlat, weighted]) t.dispose();
  return { losses, weights };
}

/** Reduces per-sample class losses: "mean" divides by the total weight of the kept samples. */
function reduceWeighted(losses: Tensor, weights: Tensor, reduction: Reduction): Tensor {
  if (reduction === "none") {
    weights.dispose();
    return losses;
  }
  const total = losses.sum();
  losses.dispose();
  if (reduction === "sum") {
    weights.dispose();
    return total;
  }
  const weightSum = weights.sum();
  const out = total.div(weightSum);
  for (const t of [total, weightSum, weights]) t.dispose();
  return out;
}

/**
 * Negative log-likelihood of class-index targets given log-probabilities `input` [N, C, …] (or
 * [C]); `target` [N, …] holds class indices. With "mean", the sum is divided by the total weight
 * of the non-ignored targets.
 */
export function nllLoss(input: Tensor, target: Tensor, options: ClassLossOptions = {}): Tensor {
  const reduction = options.reduction ?? "mean";
  checkReduction("nllLoss", reduction);
  const layout = classLayout("nllLoss", input, target, false);
  const { losses, weights } = nllTerms("nllLoss", layout.input, layout.target, layout.classes, options.weight ?? null, options.ignoreIndex ?? -100);
  disposeLayout(layout, input, target);
  return unbatchLoss(reduceWeighted(losses, weights, reduction), reduction, input);
}

function disposeLayout(layout: ClassLayout, input: Tensor, target: Tensor): void {
  if (layout.input !== input) layout.input.dispose();
  if (layout.target !== target) layout.target.dispose();
}

/** Removes the batch dim added for unbatched input from an unreduced loss. */
function unbatchLoss(loss: Tensor, reduction: Reduction, input: Tensor): Tensor {
  if (reduction !== "none" || input.ndim !== 1) return loss;
  const out = loss.squeeze(0);
  loss.dispose();
  return out;
}

/**
 * Cross entropy between `input` logits [N, C, …] (or [C]) and `target`: class indices [N, …]
 * (int64/int32), or class probabilities of the input's shape (float). Supports per-class
 * `weight`, `ignoreIndex` (index targets) and `labelSmoothing`, with PyTorch's normalization.
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const op = "crossEntropy";
  const reduction = options.reduction ?? "mean";
  checkReduction(op, reduction);
  const smoothing = options.labelSmoothing ?? 0;
  if (!(smoothing >= 0 && smoothing <= 1)) throw new RangeError(`${op}: labelSmoothing must be in [0, 1], got ${smoothing}`);
  const probabilities = target.isFloatingPoint();
  const layout = classLayout(op, input, target, probabilities);
  const { classes } = layout;
  const weight = options.weight ?? null;
  if (weight && (weight.ndim !== 1 || weight.shape[0] !== classes)) {
    throw new ShapeError(`${op}: weight must be [${classes}] (one per class), got ${formatShape(weight.shape)}`);
  }
  const logProbabilities = layout.input.logSoftmax(1);
  const classShape = layout.input.shape.map((s, i) => (i === 1 ? s : 1));
  const weightB = weight ? weight.reshape(classShape) : null;
  let result: Tensor;
  if (probabilities) {
    let soft = layout.target;
    if (smoothing > 0) {
      const scaled = layout.target.mul(1 - smoothing);
      soft = scaled.add(smoothing / classes);
      scaled.dispose();
    }
    const products = logProbabilities.mul(soft);
    const weighted = weightB ? products.mul(weightB) : products;
    const summed = weighted.sum(1);
    const losses = summed.neg();
    for (const t of [products, weighted, summed]) t.dispose();
    if (soft !== layout.target) soft.dispose();
    result = reduce(losses, reduction);
  } else {
    const { losses, weights } = nllTerms(op, logProbabilities, layout.target, classes, weight, options.ignoreIndex ?? -100);
    if (smoothing === 0) {
      result = reduceWeighted(losses, weights, reduction);
    } else {
      // The smoothing term: −Σ_c w_c·log p_c per sample, zero for ignored samples, normalized
      // like the NLL term.
      const kept = layout.target.ne(options.ignoreIndex ?? -100);
      const weightedLogs = weightB ? logProbabilities.mul(weightB) : logProbabilities;
      const classSum = weightedLogs.sum(1);
      const smoothRaw = classSum.neg();
      const smooth = where(kept, smoothRaw, 0);
      for (const t of [weightedLogs, classSum, smoothRaw, kept]) if (t !== logProbabilities) t.dispose();
      let smoothReduced: Tensor;
      if (reduction === "none") smoothReduced = smooth;
      else {
        smoothReduced = smooth.sum();
        if (reduction === "mean") {
          // Normalized by Σ w[target] over kept samples (the count when unweighted), as the NLL term.
          const denominator = weights.sum();
          const normalized = smoothReduced.div(denominator);
          smoothReduced.dispose();
          denominator.dispose();
          smoothReduced = normalized;
        }
        smooth.dispose();
      }
      const nll = reduceWeighted(losses, weights, reduction);
      const nllPart = nll.mul(1 - smoothing);
      const smoothPart = smoothReduced.mul(smoothing / classes);
      result = nllPart.add(smoothPart);
      for (const t of [nll, nllPart, smoothReduced, smoothPart]) t.dispose();
    }
  }
  logProbabilities.dispose();
  weightB?.dispose();
  disposeLayout(layout, input, target);
  return unbatchLoss(result, reduction, input);
}

/** Options of `binaryCrossEntropy`. */
export interface BceOptions extends ReductionOptions {
  /** Rescales each element's loss (broadcast to the input). */
  weight?: Tensor | null;
}

/** Reads a one-element tensor when the backend can read synchronously; null otherwise. */
function readScalarIfSync(t: Tensor): number | null {
  try {
    return t.itemSync();
  } catch {
    return null;
  }
}

/**
 * Binary cross entropy between probabilities `input` (in [0, 1]) and `target` of the same shape;
 * logarithms are clamped at −100 as in PyTorch. Prefer `binaryCrossEntropyWithLogits`.
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, options: BceOptions = {}): Tensor {
  const op = "binaryCrossEntropy";
  const reduction = options.reduction ?? "mean";
  checkReduction(op, reduction);
  checkSameShape(op, input, target);
  requireFloatPair(op, input, target);
  const low = input.amin();
  const high = input.amax();
  const lowValue = readScalarIfSync(low);
  const highValue = readScalarIfSync(high);
  low.dispose();
  high.dispose();
  if ((lowValue !== null && !(lowValue >= 0)) || (highValue !== null && !(highValue <= 1))) {
    throw new RangeError(
      `${op}: input must hold probabilities in [0, 1], got values in [${lowValue}, ${highValue}]; ` +
        `apply sigmoid first or use binaryCrossEntropyWithLogits`,
    );
  }
  const logP = input.log();
  const logPClamped = logP.clampMin(-100);
  const complement = input.neg();
  const complementP = complement.add(1);
  const logQ = complementP.log();
  const logQClamped = logQ.clampMin(-100);
  const targetComplement = target.neg();
  const targetQ = targetComplement.add(1);
  const first = target.mul(logPClamped);
  const second = targetQ.mul(logQClamped);
  const total = first.add(second);
  let losses = total.neg();
  for (const t of [logP, logPClamped, complement, complementP, logQ, logQClamped, targetComplement, targetQ, first, second, total]) t.dispose();
  if (options.weight) {
    const weighted = losses.mul(options.weight);
    losses.dispose();
    losses = weighted;
  }
  return reduce(losses, reduction);
}

/** Options of `binaryCrossEntropyWithLogits`. */
export interface BceWithLogitsOptions extends BceOptions {
  /** Weight of positive examples, per class (broadcast along the last dim). */
  posWeight?: Tensor | null;
}

/**
 * Binary cross entropy on logits, computed stably as (1 − y)·x + (1 + (p − 1)·y)·softplus(−x),
 * where p is `posWeight` (1 when absent).
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, options: BceWithLogitsOptions = {}): Tensor {
  const op = "binaryCrossEntropyWithLogits";
  const reduction = options.reduction ?? "mean";
  checkReduction(op, reduction);
  checkSameShape(op, input, target);
  requireFloatPair(op, input, target);
  const negated = input.neg();
  const softplusNeg = activation("softplus", negated, 1);
  const targetComplement = target.neg();
  const oneMinusTarget = targetComplement.add(1);
  const linear = oneMinusTarget.mul(input);
  let logTerm = softplusNeg;
  const temporaries = [negated, targetComplement, oneMinusTarget];
  if (options.posWeight) {
    const pw = options.posWeight;
    const pwMinusOne = pw.sub(1);
    const scaledTarget = pwMinusOne.mul(target);
    const logWeight = scaledTarget.add(1);
    logTerm = logWeight.mul(softplusNeg);
    temporaries.push(pwMinusOne, scaledTarget, logWeight, softplusNeg);
  }
  let losses = linear.add(logTerm);
  temporaries.push(linear, logTerm);
  for (const t of temporaries) t.dispose();
  if (options.weight) {
    const weighted = losses.mul(options.weight);
    losses.dispose();
    losses = weighted;
  }
  return reduce(losses, reduction);
}

/** Options of `klDiv`. */
export interface KlDivOptions {
  /** "batchmean" divides the sum by the batch size (the mathematically correct KL); default "mean". */
  reduction?: Reduction | "batchmean";
  /** The target is given as log-probabilities. */
  logTarget?: boolean;
}

/**
 * Kullback–Leibler divergence with `input` as log-probabilities: target·(log target − input),
 * with 0·log 0 = 0 (or exp(t)·(t − input) when `logTarget`).
 */
export function klDiv(input: Tensor, target: Tensor, options: KlDivOptions = {}): Tensor {
  const op = "klDiv";
  const reduction = options.reduction ?? "mean";
  checkReduction(op, reduction, ["none", "mean", "sum", "batchmean"]);
  checkSameShape(op, input, target);
  requireFloatPair(op, input, target);
  let pointwise: Tensor;
  if (options.logTarget) {
    const probabilities = target.exp();
    const diff = target.sub(input);
    pointwise = probabilities.mul(diff);
    probabilities.dispose();
    diff.dispose();
  } else {
    const positive = target.gt(0);
    const safe = where(positive, target, 1);
    const logTarget = safe.log();
    const diff = logTarget.sub(input);
    pointwise = target.mul(diff);
    for (const t of [positive, safe, logTarget, diff]) t.dispose();
  }
  if (reduction === "batchmean") {
    const total = pointwise.sum();
    const out = input.ndim > 0 ? total.div(input.shape[0]!) : total;
    if (out !== total) total.dispose();
    pointwise.dispose();
    return out;
  }
  return reduce(pointwise, reduction);
}
