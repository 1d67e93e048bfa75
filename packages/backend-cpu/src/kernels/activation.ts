/** Activation functions and layer normalization. */
import type { ActivationOp, View } from "@trek/tensor";
import { forEachRow, isContiguous, numelOf } from "../strided.js";
import { contiguous, copy, narrowInto, scratchFor, widen } from "../elementwise.js";
import { erf } from "../math.js";

type NumArray = { [i: number]: number; length: number };

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

function softplus(v: number, beta: number): number {
  const z = beta * v;
  return z > 20 ? v : Math.log1p(Math.exp(z)) / beta;
}

type Scalar = (v: number, alpha: number) => number;

const FUNCTIONS: Record<ActivationOp, Scalar> = {
  relu: (v) => (v > 0 || v !== v ? v : 0),
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  silu: (v) => v / (1 + Math.exp(-v)),
  gelu: (v) => 0.5 * v * (1 + erf(v * Math.SQRT1_2)),
  geluTanh: (v) => 0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v))),
  softplus,
  elu: (v, a) => (v > 0 ? v : a * Math.expm1(v)),
  selu: (v) => SELU_SCALE * (v > 0 ? v : SELU_ALPHA * Math.expm1(v)),
  leakyRelu: (v, a) => (v > 0 ? v : v * a),
  hardtanh: (v) => (v < -1 ? -1 : v > 1 ? 1 : v),
  mish: (v) => v * Math.tanh(softplus(v, 1)),
};

export function activation(op: ActivationOp, xIn: View, outIn: View, alpha: number): boolean {
  const fn = FUNCTIONS[op];
  if (!fn) return false;
  const half = xIn.dtype === "float16" || xIn.dtype === "bfloat16";
  const x = half ? widen(xIn) : xIn;
  const out = half ? scratchFor(outIn) : outIn;
  const xa = x.buffer as NumArray;
  const oa = out.buffer as NumArray;
  if (op === "relu" && isContiguous(x.shape, x.strides) && isContiguous(out.shape, out.strides)) {
    const n = numelOf(x.shape);
    for (let k = 0, xi = x.offset, oi = out.offset; k < n; k++, xi++, oi++) {
      const v = xa[xi]!;
      oa[oi] = v > 0 || v !== v ? v : 0;
    }
  } else {
    forEachRow(out.shape, [x.strides, out.strides], [x.offset, out.offset], (n, offs, inner) => {
      let xi = offs[0]!;
      let oi = offs[1]!;
      for (let k = 0; k < n; k++, xi += inner[0]!, oi += inner[1]!) oa[oi] = fn(xa[xi]!, alpha);
    });
  }
  if (half) narrowInto(out, outIn);
  return true;
}

function denseFloat(v: View): View {
  if (v.dtype === "float16" || v.dtype === "bfloat16") return widen(v);
  if (isContiguous(v.shape, v.strides)) return v;
  const n = numelOf(v.shape);
  const out: View = {
    buffer: v.dtype === "float64" ? new Float64Array(n) : new Float32Array(n),
    dtype: v.dtype,
    shape: v.shape,
    strides: contiguous(v.shape),
    offset: 0,
  };
  copy(v, out);
  return out;
}

/** Normalizes each row of `mean.shape[0]` rows over the trailing elements. */
export function layerNorm(xIn: View, weightIn: View | null, biasIn: View | null, eps: number, outIn: View, mean: View, rstd: View): void {
  const x = denseFloat(xIn);
  const weight = weightIn ? denseFloat(weightIn) : null;
  const bias = biasIn ? denseFloat(biasIn) : null;
  const half = outIn.dtype === "float16" || outIn.dtype === "bfloat16";
  const direct = !half && isContiguous(outIn.shape, outIn.strides);
  const out: View = direct ? outIn : half ? scratchFor(outIn) : denseFloat({ ...outIn });
  const rows = numelOf(mean.shape);
  const cols = rows === 0 ? 0 : numelOf(x.shape) / rows;
  const xa = x.buffer as NumArray;
  const oa = out.buffer as NumArray;
  const wa = weight?.buffer as NumArray | undefined;
  const ba = bias?.buffer as NumArray | undefined;
  const ma = mean.buffer as NumArray;
  const ra = rstd.buffer as NumArray;
  for (let r = 0; r < rows; r++) {
    const xo = x.offset + r * cols;
    const oo = out.offset + r * cols;
    let total = 0;
    for (let k = 0; k < cols; k++) total += xa[xo + k]!;
    const mu = total / cols;
    let squares = 0;
    for (let k = 0; k < cols; k++) {
      const d = xa[xo + k]! - mu;
      squares += d * d;
    }
    const inv = 1 / Math.sqrt(squares / cols + eps);
    ma[mean.offset + r * (mean.strides[0] ?? 1)] = mu;
    ra[rstd.offset + r * (rstd.strides[0] ?? 1)] = inv;
    for (let k = 0; k < cols; k++) {
      let y = (xa[xo + k]! - mu) * inv;
      if (wa) y *= wa[weight!.offset + k]!;
      if (ba) y += ba[bias!.offset + k]!;
      oa[oo + k] = y;
    }
  }
  if (half) narrowInto(out, outIn);
  else if (out !== outIn) copy(out, outIn);
}
