/**
 * Fused optimizer updates over contiguous float32 buffers, in place, one pass over memory. The
 * arithmetic follows the decompositions in @trek/tensor's optimizer front-ends operation by
 * operation (same roundings), so the fused and unfused paths agree to the last bit in most lanes.
 */

// @ts-ignore: decorator
@inline function addr(base: usize, index: i32): usize {
  return base + (<usize>index << 2);
}

/** Flags of the SGD step, one bit each. */
const SGD_MAXIMIZE = 1;
const SGD_NESTEROV = 2;
const SGD_FIRST_STEP = 4;
const SGD_MOMENTUM = 8;
const SGD_WEIGHT_DECAY = 16;

/** SGD with momentum, dampening, Nesterov and L2 weight decay. */
export function sgdStepF32(
  n: i32, param: usize, grad: usize, buffer: usize, flags: i32,
  lr: f32, momentum: f32, oneMinusDampening: f32, weightDecay: f32,
): void {
  const maximize = (flags & SGD_MAXIMIZE) != 0;
  const nesterov = (flags & SGD_NESTEROV) != 0;
  const first = (flags & SGD_FIRST_STEP) != 0;
  const useMomentum = (flags & SGD_MOMENTUM) != 0;
  const decay = (flags & SGD_WEIGHT_DECAY) != 0;
  const lrv = f32x4.splat(lr);
  const mv = f32x4.splat(momentum);
  const dv = f32x4.splat(oneMinusDampening);
  const wv = f32x4.splat(weightDecay);
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const p = v128.load(addr(param, k));
    let d = v128.load(addr(grad, k));
    if (maximize) d = f32x4.neg(d);
    if (decay) d = f32x4.add(d, f32x4.mul(p, wv));
    if (useMomentum) {
      let b = d;
      if (!first) b = f32x4.add(f32x4.mul(v128.load(addr(buffer, k)), mv), f32x4.mul(d, dv));
      v128.store(addr(buffer, k), b);
      d = nesterov ? f32x4.add(d, f32x4.mul(b, mv)) : b;
    }
    v128.store(addr(param, k), f32x4.sub(p, f32x4.mul(d, lrv)));
  }
  for (; k < n; k++) {
    const p = load<f32>(addr(param, k));
    let d = load<f32>(addr(grad, k));
    if (maximize) d = -d;
    if (decay) d = d + p * weightDecay;
    if (useMomentum) {
      let b = d;
      if (!first) b = load<f32>(addr(buffer, k)) * momentum + d * oneMinusDampening;
      store<f32>(addr(buffer, k), b);
      d = nesterov ? d + b * momentum : b;
    }
    store<f32>(addr(param, k), p - d * lr);
  }
}

const ADAM_MAXIMIZE = 1;
const ADAM_AMSGRAD = 2;
const ADAM_DECOUPLED = 4;
const ADAM_WEIGHT_DECAY = 8;

/**
 * Adam / AdamW. `decayFactor` = 1 − lr·weightDecay (AdamW), `stepSize` = −lr / (1 − β₁ᵗ),
 * `correction2` = √(1 − β₂ᵗ).
 */
export function adamStepF32(
  n: i32, param: usize, grad: usize, expAvg: usize, expAvgSq: usize, maxExpAvgSq: usize, flags: i32,
  beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32, eps: f32,
  weightDecay: f32, decayFactor: f32, stepSize: f32, correction2: f32,
): void {
  const maximize = (flags & ADAM_MAXIMIZE) != 0;
  const amsgrad = (flags & ADAM_AMSGRAD) != 0;
  const decoupled = (flags & ADAM_DECOUPLED) != 0;
  const decay = (flags & ADAM_WEIGHT_DECAY) != 0;
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    let p = v128.load(addr(param, k));
    let g = v128.load(addr(grad, k));
    if (maximize) g = f32x4.neg(g);
    if (decay) {
      if (decoupled) p = f32x4.mul(p, f32x4.splat(decayFactor));
      else g = f32x4.add(g, f32x4.mul(p, f32x4.splat(weightDecay)));
    }
    const m = f32x4.add(f32x4.mul(v128.load(addr(expAvg, k)), f32x4.splat(beta1)), f32x4.mul(g, f32x4.splat(oneMinusBeta1)));
    const v = f32x4.add(
      f32x4.mul(v128.load(addr(expAvgSq, k)), f32x4.splat(beta2)),
      f32x4.mul(f32x4.mul(g, g), f32x4.splat(oneMinusBeta2)),
    );
    v128.store(addr(expAvg, k), m);
    v128.store(addr(expAvgSq, k), v);
    let second = v;
    if (amsgrad) {
      second = f32x4.max(v128.load(addr(maxExpAvgSq, k)), v);
      v128.store(addr(maxExpAvgSq, k), second);
    }
    const denominator = f32x4.add(f32x4.div(f32x4.sqrt(second), f32x4.splat(correction2)), f32x4.splat(eps));
    v128.store(addr(param, k), f32x4.add(p, f32x4.mul(f32x4.div(m, denominator), f32x4.splat(stepSize))));
  }
  for (; k < n; k++) {
    let p = load<f32>(addr(param, k));
    let g = load<f32>(addr(grad, k));
    if (maximize) g = -g;
    if (decay) {
      if (decoupled) p = p * decayFactor;
      else g = g + p * weightDecay;
    }
    const m = load<f32>(addr(expAvg, k)) * beta1 + g * oneMinusBeta1;
    const v = load<f32>(addr(expAvgSq, k)) * beta2 + g * g * oneMinusBeta2;
    store<f32>(addr(expAvg, k), m);
    store<f32>(addr(expAvgSq, k), v);
    let second = v;
    if (amsgrad) {
      second = max(load<f32>(addr(maxExpAvgSq, k)), v);
      store<f32>(addr(maxExpAvgSq, k), second);
    }
    const denominator = Mathf.sqrt(second) / correction2 + eps;
    store<f32>(addr(param, k), p + (m / denominator) * stepSize);
  }
}

const RMSPROP_MAXIMIZE = 1;
const RMSPROP_CENTERED = 2;
const RMSPROP_MOMENTUM = 4;
const RMSPROP_WEIGHT_DECAY = 8;

/** RMSprop with optional momentum, centering and L2 weight decay. */
export function rmspropStepF32(
  n: i32, param: usize, grad: usize, squareAvg: usize, buffer: usize, gradAvg: usize, flags: i32,
  lr: f32, alpha: f32, oneMinusAlpha: f32, eps: f32, weightDecay: f32, momentum: f32,
): void {
  const maximize = (flags & RMSPROP_MAXIMIZE) != 0;
  const centered = (flags & RMSPROP_CENTERED) != 0;
  const useMomentum = (flags & RMSPROP_MOMENTUM) != 0;
  const decay = (flags & RMSPROP_WEIGHT_DECAY) != 0;
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const p = v128.load(addr(param, k));
    let g = v128.load(addr(grad, k));
    if (maximize) g = f32x4.neg(g);
    if (decay) g = f32x4.add(g, f32x4.mul(p, f32x4.splat(weightDecay)));
    const sq = f32x4.add(f32x4.mul(v128.load(addr(squareAvg, k)), f32x4.splat(alpha)), f32x4.mul(f32x4.mul(g, g), f32x4.splat(oneMinusAlpha)));
    v128.store(addr(squareAvg, k), sq);
    let average: v128;
    if (centered) {
      const ga = f32x4.add(f32x4.mul(v128.load(addr(gradAvg, k)), f32x4.splat(alpha)), f32x4.mul(g, f32x4.splat(oneMinusAlpha)));
      v128.store(addr(gradAvg, k), ga);
      average = f32x4.add(f32x4.sqrt(f32x4.sub(sq, f32x4.mul(ga, ga))), f32x4.splat(eps));
    } else {
      average = f32x4.add(f32x4.sqrt(sq), f32x4.splat(eps));
    }
    if (useMomentum) {
      const b = f32x4.add(f32x4.mul(v128.load(addr(buffer, k)), f32x4.splat(momentum)), f32x4.div(g, average));
      v128.store(addr(buffer, k), b);
      v128.store(addr(param, k), f32x4.sub(p, f32x4.mul(b, f32x4.splat(lr))));
    } else {
      v128.store(addr(param, k), f32x4.add(p, f32x4.mul(f32x4.div(g, average), f32x4.splat(-lr))));
    }
  }
  for (; k < n; k++) {
    const p = load<f32>(addr(param, k));
    let g = load<f32>(addr(grad, k));
    if (maximize) g = -g;
    if (decay) g = g + p * weightDecay;
    const sq = load<f32>(addr(squareAvg, k)) * alpha + g * g * oneMinusAlpha;
    store<f32>(addr(squareAvg, k), sq);
    let average: f32;
    if (centered) {
      const ga = load<f32>(addr(gradAvg, k)) * alpha + g * oneMinusAlpha;
      store<f32>(addr(gradAvg, k), ga);
      average = Mathf.sqrt(sq - ga * ga) + eps;
    } else {
      average = Mathf.sqrt(sq) + eps;
    }
    if (useMomentum) {
      const b = load<f32>(addr(buffer, k)) * momentum + g / average;
      store<f32>(addr(buffer, k), b);
      store<f32>(addr(param, k), p - b * lr);
    } else {
      store<f32>(addr(param, k), p + (g / average) * -lr);
    }
  }
}
