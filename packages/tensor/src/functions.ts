/**
 * Free functions mirroring `torch.*` (each also exists as a Tensor method where PyTorch has one),
 * plus the network ops nn.functional builds on.
 */
import type { Tensor } from "./tensor.js";
import type { ActivationOp } from "./backend.js";
import type { TensorOrScalar } from "./ops/dispatch.js";
import * as E from "./ops/elementwise.js";
import * as M from "./ops/movement.js";
import * as L from "./ops/linalg.js";
import * as N from "./ops/nn.js";
import * as R from "./ops/reduce.js";
import * as I from "./ops/indexing.js";

export const add = (a: TensorOrScalar, b: TensorOrScalar, alpha?: number): Tensor => E.add(a, b, alpha);
export const sub = (a: TensorOrScalar, b: TensorOrScalar, alpha?: number): Tensor => E.sub(a, b, alpha);
export const mul = (a: TensorOrScalar, b: TensorOrScalar): Tensor => E.binary("mul", a, b);
export const div = (a: TensorOrScalar, b: TensorOrScalar, roundingMode?: "floor" | "trunc"): Tensor => E.div(a, b, roundingMode);
export const pow = (a: TensorOrScalar, b: TensorOrScalar): Tensor => E.pow(a, b);
export const maximum = (a: TensorOrScalar, b: TensorOrScalar): Tensor => E.binary("maximum", a, b);
export const minimum = (a: TensorOrScalar, b: TensorOrScalar): Tensor => E.binary("minimum", a, b);
export const remainder = (a: TensorOrScalar, b: TensorOrScalar): Tensor => E.binary("mod", a, b);
export const fmod = (a: TensorOrScalar, b: TensorOrScalar): Tensor => E.fmod(a, b);
export const atan2 = (a: TensorOrScalar, b: TensorOrScalar): Tensor => E.binary("atan2", a, b);
export const eq = (a: TensorOrScalar, b: TensorOrScalar): Tensor => E.binary("eq", a, b);
export const ne = (a: TensorOrScalar, b: TensorOrScalar): Tensor => E.binary("ne", a, b);
export const lt = (a: TensorOrScalar, b: TensorOrScalar): Tensor => E.binary("lt", a, b);
export const le = (a: TensorOrScalar, b: TensorOrScalar): Tensor => E.binary("le", a, b);
export const gt = (a: TensorOrScalar, b: TensorOrScalar): Tensor => E.binary("gt", a, b);
export const ge = (a: TensorOrScalar, b: TensorOrScalar): Tensor => E.binary("ge", a, b);
export const logicalAnd = (a: TensorOrScalar, b: TensorOrScalar): Tensor => E.binary("and", a, b);
export const logicalOr = (a: TensorOrScalar, b: TensorOrScalar): Tensor => E.binary("or", a, b);
export const logicalXor = (a: TensorOrScalar, b: TensorOrScalar): Tensor => E.binary("xor", a, b);
export const logicalNot = (x: Tensor): Tensor => E.unary("not", x);
/** `where(cond, a, b)`: elements of a where cond is true, else of b. */
export const where = (condition: Tensor, a: TensorOrScalar, b: TensorOrScalar): Tensor => E.where(condition, a, b);
export const clamp = (x: Tensor, min?: TensorOrScalar | null, max?: TensorOrScalar | null): Tensor => E.clamp(x, min, max);

export const neg = (x: Tensor): Tensor => E.unary("neg", x);
export const abs = (x: Tensor): Tensor => E.unary("abs", x);
export const sign = (x: Tensor): Tensor => E.unary("sign", x);
export const exp = (x: Tensor): Tensor => E.unary("exp", x);
export const expm1 = (x: Tensor): Tensor => E.unary("expm1", x);
export const log = (x: Tensor): Tensor => E.unary("log", x);
export const log1p = (x: Tensor): Tensor => E.unary("log1p", x);
export const sqrt = (x: Tensor): Tensor => E.unary("sqrt", x);
export const rsqrt = (x: Tensor): Tensor => E.unary("rsqrt", x);
export const reciprocal = (x: Tensor): Tensor => E.unary("recip", x);
export const sin = (x: Tensor): Tensor => E.unary("sin", x);
export const cos = (x: Tensor): Tensor => E.unary("cos", x);
export const tan = (x: Tensor): Tensor => E.unary("tan", x);
export const tanh = (x: Tensor): Tensor => E.unary("tanh", x);
export const erf = (x: Tensor): Tensor => E.unary("erf", x);
export const floor = (x: Tensor): Tensor => E.unary("floor", x);
export const ceil = (x: Tensor): Tensor => E.unary("ceil", x);
export const round = (x: Tensor): Tensor => E.unary("round", x);
export const trunc = (x: Tensor): Tensor => E.unary("trunc", x);
export const isnan = (x: Tensor): Tensor => E.binary("ne", x, x);
export const isinf = (x: Tensor): Tensor => E.isinf(x);
export const isfinite = (x: Tensor): Tensor => E.isfinite(x);

/** Activation functions (fast kernel when the backend has one). */
export const relu = (x: Tensor): Tensor => N.activation("relu", x);
export const sigmoid = (x: Tensor): Tensor => N.activation("sigmoid", x);
export const silu = (x: Tensor): Tensor => N.activation("silu", x);
export const gelu = (x: Tensor, approximate: "none" | "tanh" = "none"): Tensor =>
  N.activation(approximate === "tanh" ? "geluTanh" : "gelu", x);
export const softplus = (x: Tensor, beta = 1): Tensor => N.activation("softplus", x, beta);
export const elu = (x: Tensor, alpha = 1): Tensor => N.activation("elu", x, alpha);
export const selu = (x: Tensor): Tensor => N.activation("selu", x);
export const leakyRelu = (x: Tensor, negativeSlope = 0.01): Tensor => N.activation("leakyRelu", x, negativeSlope);
export const hardtanh = (x: Tensor): Tensor => N.activation("hardtanh", x);
export const mish = (x: Tensor): Tensor => N.activation("mish", x);
export const activation = (op: ActivationOp, x: Tensor, alpha?: number): Tensor => N.activation(op, x, alpha);

export const matmul = L.matmul;
export const mm = L.mm;
export const bmm = L.bmm;
export const dot = L.dot;
export const mv = L.mv;
export const outer = L.outer;

export const cat = M.cat;
export const concat = M.cat;
export const stack = M.stack;
export const pad = M.pad;
export const flatten = M.flatten;
export const reshape = (x: Tensor, shape: readonly number[]): Tensor => M.reshape(x, shape);
export const transpose = M.transpose;
export const permute = (x: Tensor, dims: readonly number[]): Tensor => M.permute(x, dims);
export const squeeze = M.squeeze;
export const unsqueeze = M.unsqueeze;
export const split = M.split;
export const chunk = M.chunk;
export const unbind = M.unbind;
export const flip = (x: Tensor, dims: readonly number[]): Tensor => M.flip(x, dims);
export const roll = M.roll;
/** A strided view of a contiguous tensor (used by gradient rules; no bounds checks beyond contiguity). */
export const asStrided = M.asStrided;

export const sum = R.sum;
export const mean = R.mean;
export const prod = R.prod;
export const amax = R.amax;
export const amin = R.amin;
export const logsumexp = R.logsumexp;
export const cumsum = R.cumsum;

export const gather = I.gather;
export const indexSelect = I.indexSelect;
export const sort = I.sort;
export const topk = I.topk;

export const softmax = N.softmax;
export const logSoftmax = N.logSoftmax;
export const softmaxBackward = N.softmaxBackward;
export const logSoftmaxBackward = N.logSoftmaxBackward;
export const conv2d = N.conv2d;
export const conv2dParams = N.conv2dParams;
export const conv2dBackwardInput = N.conv2dBackwardInput;
export const conv2dBackwardWeight = N.conv2dBackwardWeight;
export const pool2dParams = N.pool2dParams;
export const maxPool2d = N.maxPool2d;
export const maxPool2dBackward = N.maxPool2dBackward;
export const avgPool2d = N.avgPool2d;
export const avgPool2dBackward = N.avgPool2dBackward;
export const layerNorm = N.layerNorm;

/** Runs `fn` with autograd recording switched off for the ops inside (used by fused paths). */
export { withoutRecording } from "./ops/no-record.js";
export { inplace } from "./ops/elementwise.js";

// ---- triangles, diagonals, einsum, scans, order statistics and helpers (ops/extras.ts) ----------
export {
  tril,
  triu,
  diag,
  diagonal,
  trace,
  einsum,
  cumprod,
  logcumsumexp,
  cummax,
  cummin,
  median,
  kthvalue,
  quantile,
  nansum,
  nanmean,
  meshgrid,
  addmm,
  baddbmm,
  kron,
  unique,
  bincount,
  searchsorted,
} from "./ops/extras.js";
export type { QuantileInterpolation, UniqueOptions } from "./ops/extras.js";
