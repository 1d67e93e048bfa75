/** Activation functions (each has a fast kernel or a decomposition in @trek/tensor). */
import { ShapeError, activation, formatShape, where, type Tensor } from "@trek/tensor";

export function relu(x: Tensor): Tensor {
  return activation("relu", x);
}

/** x for x > 0, negativeSlope·x otherwise. */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  return activation("leakyRelu", x, negativeSlope);
}

/**
 * Leaky ReLU with a learned slope: `weight` has one element, or one per channel (dim 1 of `x`).
 */
export function prelu(x: Tensor, weight: Tensor): Tensor {
  const count = weight.numel();
  if (weight.ndim > 1 || (count !== 1 && (x.ndim < 2 || x.shape[1] !== count))) {
    throw new ShapeError(`prelu: weight ${formatShape(weight.shape)} must have 1 element or one per channel of input ${formatShape(x.shape)} (dim 1)`);
  }
  const shape = count === 1 ? [] : x.shape.map((s, i) => (i === 1 ? s : 1));
  const slope = weight.reshape(shape);
  const positive = x.gt(0);
  const scaled = x.mul(slope);
  const out = where(positive, x, scaled);
  for (const t of [slope, positive, scaled]) t.dispose();
  return out;
}

/** x for x > 0, alpha·(eˣ − 1) otherwise. */
export function elu(x: Tensor, alpha = 1): Tensor {
  return activation("elu", x, alpha);
}

/** Scaled ELU with the self-normalizing constants of Klambauer et al. */
export function selu(x: Tensor): Tensor {
  return activation("selu", x);
}

/** Gaussian error linear unit; `approximate: "tanh"` uses the tanh formula. */
export function gelu(x: Tensor, approximate: "none" | "tanh" = "none"): Tensor {
  return activation(approximate === "tanh" ? "geluTanh" : "gelu", x);
}

/** x·σ(x) (swish). */
export function silu(x: Tensor): Tensor {
  return activation("silu", x);
}

/** x·tanh(softplus(x)). */
export function mish(x: Tensor): Tensor {
  return activation("mish", x);
}

export function sigmoid(x: Tensor): Tensor {
  return activation("sigmoid", x);
}

export function tanh(x: Tensor): Tensor {
  return x.tanh();
}

/** Clamps into [minVal, maxVal] (default [−1, 1]). */
export function hardtanh(x: Tensor, minVal = -1, maxVal = 1): Tensor {
  if (!(minVal < maxVal)) throw new RangeError(`hardtanh: minVal (${minVal}) must be less than maxVal (${maxVal})`);
  if (minVal === -1 && maxVal === 1) return activation("hardtanh", x);
  return x.clamp(minVal, maxVal);
}

/** min(max(x, 0), 6). */
export function relu6(x: Tensor): Tensor {
  return x.clamp(0, 6);
}

/**
 * (1/β)·log(1 + exp(β·x)), and x itself where β·x > threshold (default 20) for numerical
 * stability, as in PyTorch.
 */
export function softplus(x: Tensor, beta = 1, threshold = 20): Tensor {
  const smooth = activation("softplus", x, beta);
  if (threshold >= 20) return smooth; // above 20 the two branches agree to float precision
  const scaled = x.mul(beta);
  const linear = scaled.gt(threshold);
  const out = where(linear, x, smooth);
  for (const t of [smooth, scaled, linear]) t.dispose();
  return out;
}

/** log σ(x) = −softplus(−x), computed stably. */
export function logsigmoid(x: Tensor): Tensor {
  const negated = x.neg();
  const soft = activation("softplus", negated, 1);
  const out = soft.neg();
  negated.dispose();
  soft.dispose();
  return out;
}

/** exp(x) normalized along `dim`. */
export function softmax(x: Tensor, dim: number): Tensor {
  return x.softmax(dim);
}

/** log(softmax(x)) along `dim`, computed stably. */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  return x.logSoftmax(dim);
}
