/** Elementwise ops: unary, binary with broadcasting and promotion, where, clamp, in-place forms. */
import type { BinaryOp, UnaryOp, View } from "../backend.js";
import { COMPARISON_OPS, LOGICAL_OPS } from "../backend.js";
import type { DType } from "../dtype.js";
import { dtypeCategory, getDefaultDType, isFloatingPoint, isIntegral, resultType } from "../dtype.js";
import { DTypeError, ShapeError } from "../errors.js";
import { broadcastShapes, formatShape, shapesEqual } from "../shape.js";
import { Tensor, emptyTensor, sameDevice, viewOf } from "../tensor.js";
import { getAutogradEngine, needsGrad, recordOp } from "../autograd-hooks.js";
import {
  backendFailure,
  broadcastView,
  checkWritable,
  partiallyOverlaps,
  scalarTensor,
  type TensorOrScalar,
} from "./dispatch.js";
import { cast, clone } from "./convert.js";
import { scope } from "../memory.js";

/** Unary ops that only make sense on floats: integer inputs are promoted to the default float dtype. */
const FLOAT_UNARY: ReadonlySet<UnaryOp> = new Set([
  "exp", "expm1", "log", "log1p", "sqrt", "rsqrt", "recip", "sin", "cos", "tan", "tanh", "erf",
]);

export function unary(op: UnaryOp, x: Tensor): Tensor {
  const backend = sameDevice(op, x);
  let input = x;
  let outDtype: DType = x.dtype;
  if (op === "not") {
    outDtype = "bool";
    if (x.dtype !== "bool") input = cast(x, "bool");
  } else if (FLOAT_UNARY.has(op) && !isFloatingPoint(x.dtype)) {
    outDtype = getDefaultDType();
    input = cast(x, outDtype);
  } else if (x.dtype === "bool" && (op === "neg" || op === "abs")) {
    throw new DTypeError(`${op}: not supported for bool tensors; use logicalNot() to negate booleans`);
  }
  const out = emptyTensor(x.shape, outDtype, x.device);
  try {
    backend.unary(op, input, out);
  } catch (err) {
    backendFailure(op, backend, err, input, out);
  }
  if (op !== "not") recordOp(op, [input], [out]);
  if (input !== x) input.dispose();
  return out;
}

function tensorDevice(a: TensorOrScalar, b: TensorOrScalar, op: string): Tensor {
  if (a instanceof Tensor) {
    if (b instanceof Tensor) sameDevice(op, a, b);
    return a;
  }
  if (b instanceof Tensor) return b;
  throw new TypeError(`${op}: at least one operand must be a Tensor`);
}

function operand(value: TensorOrScalar, dtype: DType, device: string): Tensor {
  if (value instanceof Tensor) return value.dtype === dtype ? value : cast(value, dtype);
  if (typeof value !== "number" && typeof value !== "boolean") {
    throw new TypeError(`expected a Tensor, number or boolean operand, got ${typeof value}`);
  }
  return scalarTensor(value, dtype, device);
}

function promotionOperand(v: TensorOrScalar): Tensor | number | boolean {
  return v;
}

/** Binary op with broadcasting and PyTorch type promotion; either side may be a JS scalar. */
export function binary(op: BinaryOp, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const ref = tensorDevice(a, b, op);
  const backend = ref.backend;
  let computeDtype: DType;
  let outDtype: DType;
  if (LOGICAL_OPS.has(op)) {
    computeDtype = outDtype = "bool";
  } else {
    computeDtype = resultType(promotionOperand(a), promotionOperand(b));
    if (COMPARISON_OPS.has(op)) outDtype = "bool";
    else {
      if ((op === "div" || op === "atan2") && !isFloatingPoint(computeDtype)) computeDtype = getDefaultDType();
      if (computeDtype === "bool" && (op === "sub" || op === "div" || op === "pow" || op === "mod")) {
        throw new DTypeError(`${op}: not supported for bool tensors; convert with .int() or .float() first`);
      }
      outDtype = computeDtype;
    }
  }
  const A = operand(a, computeDtype, ref.device);
  const B = operand(b, computeDtype, ref.device);
  const shape = shapesEqual(A.shape, B.shape) ? A.shape : broadcastShapes(op, A.shape, B.shape);
  const out = emptyTensor(shape, outDtype, ref.device);
  const va = broadcastView(A, shape);
  const vb = broadcastView(B, shape);
  try {
    backend.binary(op, va, vb, out);
  } catch (err) {
    backendFailure(op, backend, err, va, vb);
  }
  if (outDtype === computeDtype && isFloatingPoint(outDtype)) recordOp(op, [A, B], [out]);
  if (A !== a) A.dispose();
  if (B !== b) B.dispose();
  return out;
}

export function add(a: TensorOrScalar, b: TensorOrScalar, alpha?: number): Tensor {
  if (alpha === undefined || alpha === 1) return binary("add", a, b);
  if (typeof b === "number") return binary("add", a, b * alpha);
  const scaled = binary("mul", b, alpha);
  const out = binary("add", a, scaled);
  scaled.dispose();
  return out;
}

export function sub(a: TensorOrScalar, b: TensorOrScalar, alpha?: number): Tensor {
  if (alpha === undefined || alpha === 1) return binary("sub", a, b);
  if (typeof b === "number") return binary("sub", a, b * alpha);
  const scaled = binary("mul", b, alpha);
  const out = binary("sub", a, scaled);
  scaled.dispose();
  return out;
}

/** True division, or rounded with "floor" / "trunc" (integers stay integers then). */
export function div(a: TensorOrScalar, b: TensorOrScalar, roundingMode?: "floor" | "trunc"): Tensor {
  if (roundingMode === undefined) return binary("div", a, b);
  const dtype = resultType(a, b);
  if (isFloatingPoint(dtype)) {
    const q = binary("div", a, b);
    const r = unary(roundingMode, q);
    q.dispose();
    return r;
  }
  // Integer division: the backend's integer `div` floors; trunc corrects toward zero.
  return scope(() => {
    const ref = tensorDevice(a, b, "div");
    const A = operand(a, dtype, ref.device);
    const B = operand(b, dtype, ref.device);
    const shape = broadcastShapes("div", A.shape, B.shape);
    const floor = emptyTensor(shape, dtype, ref.device);
    ref.backend.binary("div", broadcastView(A, shape), broadcastView(B, shape), floor);
    if (roundingMode === "floor") return floor;
    const inexact = binary("ne", binary("mod", A, B), 0);
    const signsDiffer = binary("xor", binary("lt", A, 0), binary("lt", B, 0));
    return where(binary("and", inexact, signsDiffer), add(floor, 1), floor);
  });
}

export function pow(base: TensorOrScalar, exponent: TensorOrScalar): Tensor {
  return binary("pow", base, exponent);
}

/** C-style remainder with the sign of the dividend, built from the floor remainder. */
export function fmod(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  // Composite: intermediates are freed by the scope; the graph to the result is kept.
  return scope(() => {
    const r = binary("mod", a, b);
    const wrongSign = binary("and", binary("ne", r, 0), binary("xor", binary("lt", r, 0), binary("lt", a, 0)));
    // A finite a with an infinite b: the floor remainder is ±inf or NaN, C's fmod gives a.
    const asTensor = (v: TensorOrScalar): Tensor => (v instanceof Tensor ? v : scalarTensor(v, r.dtype, r.device));
    const keepDividend = binary("and", isinf(asTensor(b)), isfinite(asTensor(a)));
    return where(keepDividend, a, where(wrongSign, sub(r, b), r));
  });
}

export function exp2(x: Tensor): Tensor {
  const scaled = binary("mul", x, Math.LN2);
  const out = unary("exp", scaled);
  scaled.dispose();
  return out;
}

export function logBase(x: Tensor, base: number): Tensor {
  const ln = unary("log", x);
  const out = binary("div", ln, Math.log(base));
  ln.dispose();
  return out;
}

/** `torch.where(cond, a, b)` with broadcasting; `a`/`b` may be scalars. */
export function where(condition: Tensor, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const ref = tensorDevice(a, b, "where");
  sameDevice("where", condition, ref);
  const backend = ref.backend;
  const dtype = resultType(a, b);
  const cond = condition.dtype === "bool" ? condition : cast(condition, "bool");
  const A = operand(a, dtype, ref.device);
  const B = operand(b, dtype, ref.device);
  const shape = broadcastShapes("where", cond.shape, A.shape, B.shape);
  const out = emptyTensor(shape, dtype, ref.device);
  const vc = broadcastView(cond, shape);
  const va = broadcastView(A, shape);
  const vb = broadcastView(B, shape);
  try {
    backend.where(vc, va, vb, out);
  } catch (err) {
    backendFailure("where", backend, err, vc, va, vb);
  }
  if (isFloatingPoint(dtype)) recordOp("where", [cond, A, B], [out]);
  if (cond !== condition) cond.dispose();
  if (A !== a) A.dispose();
  if (B !== b) B.dispose();
  return out;
}

/** Clamps into [min, max]; gradient 1 inside the closed interval, 0 outside; NaN propagates. */
export function clamp(x: Tensor, min?: TensorOrScalar | null, max?: TensorOrScalar | null): Tensor {
  if (min == null && max == null) throw new TypeError("clamp: at least one of min or max must be given");
  let result = x;
  if (min != null) {
    const below = binary("lt", result, min);
    result = where(below, min, result);
    below.dispose();
  }
  if (max != null) {
    const above = binary("gt", result, max);
    const next = where(above, max, result);
    above.dispose();
    if (result !== x) result.dispose();
    result = next;
  }
  return result;
}

export function isinf(x: Tensor): Tensor {
  if (!isFloatingPoint(x.dtype)) return binary("ne", x, x);
  const magnitude = unary("abs", x);
  const out = binary("eq", magnitude, Infinity);
  magnitude.dispose();
  return out;
}

export function isfinite(x: Tensor): Tensor {
  if (!isFloatingPoint(x.dtype)) return binary("eq", x, x);
  const magnitude = unary("abs", x);
  const out = binary("lt", magnitude, Infinity);
  magnitude.dispose();
  return out;
}

const MAX_FINITE: Partial<Record<DType, number>> = {
  float32: 3.4028234663852886e38,
  float64: Number.MAX_VALUE,
  float16: 65504,
  bfloat16: 3.3895313892515355e38,
};

export function nanToNum(x: Tensor, nan: number, posinf?: number, neginf?: number): Tensor {
  if (!isFloatingPoint(x.dtype)) return clone(x);
  const big = MAX_FINITE[x.dtype]!;
  const isNan = binary("ne", x, x);
  const isPos = binary("eq", x, Infinity);
  const isNeg = binary("eq", x, -Infinity);
  const step1 = where(isNan, nan, x);
  const step2 = where(isPos, posinf ?? big, step1);
  const out = where(isNeg, neginf ?? -big, step2);
  for (const t of [isNan, isPos, isNeg, step1, step2]) t.dispose();
  return out;
}

/** Elementwise closeness: |a − b| ≤ atol + rtol·|b| (equal infinities are close). */
export function isclose(a: Tensor, b: Tensor, rtol: number, atol: number, equalNan: boolean): Tensor {
  return scope(() => iscloseUnscoped(a, b, rtol, atol, equalNan));
}

function iscloseUnscoped(a: Tensor, b: Tensor, rtol: number, atol: number, equalNan: boolean): Tensor {
  const diff = unary("abs", sub(a, b));
  const tolerance = add(binary("mul", unary("abs", b), rtol), atol);
  let close = binary("or", binary("le", diff, tolerance), binary("eq", a, b));
  if (equalNan) close = binary("or", close, binary("and", binary("ne", a, a), binary("ne", b, b)));
  return close;
}

/** `torch.equal`: same shape and all elements equal. */
export function equal(a: Tensor, b: Tensor): boolean {
  if (!shapesEqual(a.shape, b.shape)) return false;
  const eq = binary("eq", a, b);
  const allEqual = eq.numel() === 0 || (eq.dataSync() as Uint8Array).every((v) => v === 1);
  eq.dispose();
  return allEqual;
}

// ---------------------------------------------------------------------------------------------
// In-place ops

function canCastInPlace(from: DType, to: DType): boolean {
  return dtypeCategory(from) <= dtypeCategory(to);
}

function checkInplaceResult(target: Tensor, shape: readonly number[], dtype: DType, op: string): void {
  if (!shapesEqual(shape, target.shape)) {
    throw new ShapeError(
      `${op}: the result shape ${formatShape(shape)} does not match the in-place target's shape ${formatShape(target.shape)}`,
    );
  }
  if (!canCastInPlace(dtype, target.dtype)) {
    throw new DTypeError(`${op}: result type ${dtype} cannot be stored in the in-place target of dtype ${target.dtype}`);
  }
}

function leafInplaceError(op: string, view: boolean): Error {
  return new Error(
    `${op}: ${view ? "a view of " : ""}a leaf tensor that requires grad is being used in an in-place operation. ` +
      `Wrap parameter updates in noGrad(() => …), or use an out-of-place op.`,
  );
}

/** Writes `src` into `target`'s memory (casting if needed), bumping the version counter. */
function writeInto(target: Tensor, src: View, op: string): void {
  const backend = target.backend;
  try {
    if (src.dtype === target.dtype) backend.copy(src, target);
    else backend.cast(src, target);
  } catch (err) {
    backendFailure(op, backend, err, src, target);
  }
  target._storage.version++;
}

/**
 * Generic in-place update: computes the new value out of place (recorded by autograd), writes it
 * into the target, and rebases the target's — or, for views, its base's — place in the graph, so
 * gradients see the modification (PyTorch's CopySlices).
 */
export function inplace(target: Tensor, compute: (self: Tensor) => Tensor, op: string): void {
  target._check(op);
  checkWritable(target, op);
  const engine = getAutogradEngine();
  const base = target._base && !target._base.isDisposed ? target._base : null;
  const tracking = engine !== null && engine.isGradEnabled();
  const targetInGraph = tracking && (target.requiresGrad || (base !== null && base.requiresGrad));
  if (tracking && target.requiresGrad && target.isLeaf && base === null) throw leafInplaceError(op, false);
  if (tracking && base !== null && base.requiresGrad && base.isLeaf) throw leafInplaceError(op, true);
  // Saved copies of the old value must survive the write: compute from a clone when in a graph.
  const self = targetInGraph ? clone(target) : target;
  const result = compute(self);
  checkInplaceResult(target, result.shape, result.dtype, op);
  const recordNeeded = tracking && (targetInGraph || result.requiresGrad);
  writeInto(target, result, op);
  if (recordNeeded) rebaseAfterInplace(target, base, result);
  if (self !== target) self.dispose();
  if (result !== target) result.dispose();
}

function rebaseAfterInplace(target: Tensor, base: Tensor | null, result: Tensor): void {
  if (base === null || base === target) {
    target.gradFn = result.gradFn;
    target._outputIndex = result._outputIndex;
    target._requiresGrad = result.requiresGrad;
    return;
  }
  if (!base.isContiguous() || base.offset !== 0) {
    throw new Error("in-place update of a view: its base tensor must be contiguous; call .contiguous() on the base first");
  }
  const geometry = { shape: target.shape.slice(), strides: target.strides.slice(), offset: target.offset };
  // The base's new value = old base with the view's region replaced by `result`.
  const rebased = viewOf(base, base.shape, base.strides, base.offset, false);
  recordOp("viewScatter", [base, result], [rebased], geometry);
  base.gradFn = rebased.gradFn;
  base._outputIndex = rebased._outputIndex;
  base._requiresGrad = rebased.requiresGrad;
  rebased.gradFn = null;
  rebased.dispose();
  // The view is re-derived from the new base.
  const rederived = viewOf(base, target.shape, target.strides, target.offset, false);
  recordOp("asStrided", [base], [rederived], geometry);
  target.gradFn = rederived.gradFn;
  target._outputIndex = rederived._outputIndex;
  target._requiresGrad = rederived.requiresGrad;
  rederived.gradFn = null;
  rederived.dispose();
}

/** `x.op_(other)`: writes straight into x when autograd is not involved. */
export function inplaceBinary(target: Tensor, op: BinaryOp, other: TensorOrScalar, alpha: number | undefined, name: string): void {
  const otherTensor = other instanceof Tensor ? other : null;
  if (needsGrad(target, otherTensor) || (target._base?.requiresGrad && getAutogradEngine()?.isGradEnabled())) {
    inplace(
      target,
      (self) => {
        const operand = other === target ? self : other;
        return op === "add" ? add(self, operand, alpha) : op === "sub" ? sub(self, operand, alpha) : binary(op, self, operand);
      },
      name,
    );
    return;
  }
  target._check(name);
  checkWritable(target, name);
  if (alpha !== undefined && alpha !== 1) {
    if (typeof other === "number") other = other * alpha;
    else {
      const scaled = binary("mul", other, alpha);
      inplaceBinary(target, op, scaled, undefined, name);
      scaled.dispose();
      return;
    }
  }
  let computeDtype = resultType(target, other);
  if (op === "div" && !isFloatingPoint(computeDtype)) computeDtype = getDefaultDType();
  if (!canCastInPlace(computeDtype, target.dtype)) {
    throw new DTypeError(`${name}: result type ${computeDtype} cannot be stored in a ${target.dtype} tensor`);
  }
  const B = operand(other, computeDtype, target.device);
  if (!shapesEqual(broadcastShapes(name, target.shape, B.shape), target.shape)) {
    throw new ShapeError(`${name}: operand of shape ${formatShape(B.shape)} does not broadcast to the target's shape ${formatShape(target.shape)}`);
  }
  const backend = sameDevice(name, target, B);
  const vb = broadcastView(B, target.shape);
  if (computeDtype === target.dtype && !partiallyOverlaps(target, vb)) {
    try {
      backend.binary(op, target, vb, target);
    } catch (err) {
      backendFailure(name, backend, err, target, vb);
    }
    target._storage.version++;
  } else {
    const result = binary(op, target, B);
    writeInto(target, result, name);
    result.dispose();
  }
  if (B !== other) B.dispose();
}

export function inplaceUnary(target: Tensor, op: UnaryOp): void {
  const name = `${op}_`;
  if (needsGrad(target) || (target._base?.requiresGrad && getAutogradEngine()?.isGradEnabled()) || isIntegral(target.dtype, true)) {
    inplace(target, (self) => unary(op, self), name);
    return;
  }
  target._check(name);
  checkWritable(target, name);
  try {
    target.backend.unary(op, target, target);
  } catch (err) {
    backendFailure(name, target.backend, err, target);
  }
  target._storage.version++;
}

export function fill_(target: Tensor, value: TensorOrScalar): void {
  target._check("fill_");
  if (value instanceof Tensor) {
    if (value.numel() !== 1) throw new ShapeError(`fill_: expected a one-element tensor value, got shape ${formatShape(value.shape)}`);
    copy_(target, value.reshape([]));
    return;
  }
  const engine = getAutogradEngine();
  if (engine?.isGradEnabled() && (target.requiresGrad || target._base?.requiresGrad)) {
    inplace(target, () => scalarTensor(value, target.dtype, target.device).expand(target.shape), "fill_");
    return;
  }
  checkWritable(target, "fill_");
  try {
    target.backend.fill(target, target.dtype === "int64" ? BigInt(Math.trunc(Number(value))) : value);
  } catch (err) {
    backendFailure("fill_", target.backend, err, target);
  }
  target._storage.version++;
}

export function copy_(target: Tensor, src: Tensor): void {
  target._check("copy_");
  let source = src;
  if (src.device !== target.device) source = src.to(target.device);
  const engine = getAutogradEngine();
  if (engine?.isGradEnabled() && (target.requiresGrad || source.requiresGrad || target._base?.requiresGrad)) {
    inplace(target, () => source.expand(target.shape), "copy_");
  } else {
    checkWritable(target, "copy_");
    const shape = broadcastShapes("copy_", target.shape, source.shape);
    if (!shapesEqual(shape, target.shape)) {
      throw new ShapeError(`copy_: source of shape ${formatShape(source.shape)} does not broadcast to ${formatShape(target.shape)}`);
    }
    const view = broadcastView(source, target.shape);
    if (partiallyOverlaps(target, view)) {
      const temp = clone(source);
      writeInto(target, broadcastView(temp, target.shape), "copy_");
      temp.dispose();
    } else writeInto(target, view, "copy_");
  }
  if (source !== src) source.dispose();
}
