/** Reductions with `dim`/`keepdim`, arg-reductions, statistics, cumulative sums. */
import type { ReduceOp } from "../backend.js";
import type { DType } from "../dtype.js";
import { getDefaultDType, isFloatingPoint } from "../dtype.js";
import { IndexError } from "../errors.js";
import { contiguousStrides, formatShape, normalizeDim, normalizeDims } from "../shape.js";
import { Tensor, emptyTensor, sameDevice, viewOf } from "../tensor.js";
import { recordOp } from "../autograd-hooks.js";
import { backendFailure, castRaw, scalarTensor, decompose } from "./dispatch.js";
import { cast, clone, contiguousCopy } from "./convert.js";
import * as E from "./elementwise.js";
import * as M from "./movement.js";
import { gather } from "./indexing.js";

type Dims = number | readonly number[] | null | undefined;

function resolveDims(op: string, x: Tensor, dim: Dims): number[] {
  if (dim === null || dim === undefined || (Array.isArray(dim) && dim.length === 0)) {
    return Array.from({ length: x.ndim }, (_, i) => i);
  }
  return normalizeDims(op, dim as number | readonly number[], x.ndim);
}

function keptShape(shape: readonly number[], dims: readonly number[]): number[] {
  return shape.map((s, i) => (dims.includes(i) ? 1 : s));
}

/** Drops reduced dims from a keepdim-shaped contiguous result (a view, no copy). */
function dropDims(t: Tensor, dims: readonly number[]): Tensor {
  const shape = t.shape.filter((_, i) => !dims.includes(i));
  const out = viewOf(t, shape, contiguousStrides(shape), t.offset, false);
  t.dispose();
  return out;
}

/** Runs a backend reduction without recording; `x` must already have the output dtype. */
function reduceRaw(op: ReduceOp, x: Tensor, dims: readonly number[], keepdim: boolean): Tensor {
  const backend = x.backend;
  const out = emptyTensor(keptShape(x.shape, dims), x.dtype, x.device);
  try {
    if (x.ndim === 0 || dims.length === 0) backend.copy(x, out);
    else backend.reduce(op, x, dims, out);
  } catch (err) {
    backendFailure(op, backend, err, x, out);
  }
  return keepdim ? out : dropDims(out, dims);
}

function sumDType(dtype: DType): DType {
  return isFloatingPoint(dtype) ? dtype : "int64";
}

export function sum(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  sameDevice("sum", x);
  const dims = resolveDims("sum", x, dim);
  const dtype = sumDType(x.dtype);
  const input = dtype === x.dtype ? x : castRaw(x, dtype);
  const out = reduceRaw("sum", input, dims, keepdim);
  if (input !== x) input.dispose();
  if (isFloatingPoint(dtype)) recordOp("sum", [x], [out], { dims, keepdim, inputShape: x.shape });
  return out;
}

export function mean(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const dims = resolveDims("mean", x, dim);
  let count = 1;
  for (const d of dims) count *= x.shape[d]!;
  const input = isFloatingPoint(x.dtype) ? x : cast(x, getDefaultDType());
  const total = sum(input, dims, keepdim);
  const out = E.binary("div", total, count);
  total.dispose();
  if (input !== x) input.dispose();
  return out;
}

export function prod(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  sameDevice("prod", x);
  const dims = resolveDims("prod", x, dim);
  const dtype = sumDType(x.dtype);
  const input = dtype === x.dtype ? x : castRaw(x, dtype);
  const out = reduceRaw("prod", input, dims, keepdim);
  if (input !== x) input.dispose();
  if (isFloatingPoint(dtype)) recordOp("prod", [x], [out], { dims, keepdim, inputShape: x.shape });
  return out;
}

function extremum(op: "max" | "min", x: Tensor, dim: Dims, keepdim: boolean): Tensor {
  const name = op === "max" ? "amax" : "amin";
  sameDevice(name, x);
  const dims = resolveDims(name, x, dim);
  for (const d of dims) {
    if (x.shape[d] === 0) {
      throw new IndexError(`${name}: cannot reduce over dim ${d} of size 0 (shape ${formatShape(x.shape)}): the result is undefined`);
    }
  }
  const input = x.dtype === "bool" ? x : x;
  const out = reduceRaw(op, input, dims, keepdim);
  if (isFloatingPoint(x.dtype)) recordOp(name, [x], [out], { dims, keepdim, inputShape: x.shape });
  return out;
}

export function amax(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return extremum("max", x, dim, keepdim);
}

export function amin(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return extremum("min", x, dim, keepdim);
}

/** `max(dim)` / `min(dim)`: values (gradient to the chosen index) and int64 indices. */
export function maxWithIndices(x: Tensor, op: "max" | "min", dim: number, keepdim: boolean): { values: Tensor; indices: Tensor } {
  const d = x.ndim === 0 ? 0 : normalizeDim(op, dim, x.ndim);
  const indicesKept = argReduce(op === "max" ? "argmax" : "argmin", x, d, true);
  if (x.ndim === 0) return { values: clone(x), indices: indicesKept };
  const valuesKept = gather(x, d, indicesKept);
  if (keepdim) return { values: valuesKept, indices: indicesKept };
  const values = M.squeeze(valuesKept, d);
  const indices = M.squeeze(indicesKept, d);
  valuesKept.dispose();
  indicesKept.dispose();
  return { values, indices };
}

/** Index of the first max/min along dim (NaN counts as the max); the whole tensor when dim is null. */
export function argReduce(op: "argmax" | "argmin", x: Tensor, dim: number | null | undefined, keepdim: boolean): Tensor {
  const backend = sameDevice(op, x);
  if (dim === null || dim === undefined) {
    const flat = M.reshape(x, [-1]);
    const r = argReduce(op, flat, 0, false);
    flat.dispose();
    if (!keepdim) return r;
    const out = M.reshape(r, x.shape.map(() => 1));
    r.dispose();
    return out;
  }
  if (x.ndim === 0) return scalarTensor(0, "int64", x.device);
  const d = normalizeDim(op, dim, x.ndim);
  if (x.shape[d] === 0) throw new IndexError(`${op}: cannot reduce over dim ${d} of size 0 (shape ${formatShape(x.shape)})`);
  let out: Tensor;
  const kernel = backend.kernels?.argReduce;
  if (kernel) {
    out = emptyTensor(keptShape(x.shape, [d]), "int64", x.device);
    try {
      kernel.call(backend.kernels, op, x, d, out);
    } catch (err) {
      backendFailure(op, backend, err, x, out);
    }
  } else {
    out = decompose(() => argReduceDecomposed(op, x, d));
  }
  return keepdim ? out : dropDims(out, [d]);
}

function argReduceDecomposed(op: "argmax" | "argmin", x: Tensor, d: number): Tensor {
  const n = x.shape[d]!;
  const extreme = reduceRaw(op === "argmax" ? "max" : "min", x, [d], true);
  let isExtreme = E.binary("eq", x, extreme);
  if (isFloatingPoint(x.dtype)) isExtreme = E.binary("or", isExtreme, E.binary("ne", x, x));
  const positions = emptyTensor([n], "int64", x.device);
  positions.backend.write(positions.buffer, "int64", BigInt64Array.from({ length: n }, (_, i) => BigInt(i)), 0);
  const shape = x.shape.map((_, i) => (i === d ? n : 1));
  const candidates = E.where(isExtreme, M.reshape(positions, shape), n);
  return reduceRaw("min", candidates, [d], true);
}

export function variance(x: Tensor, dim: Dims, correction: number, keepdim: boolean): Tensor {
  const dims = resolveDims("var", x, dim);
  let count = 1;
  for (const d of dims) count *= x.shape[d]!;
  const input = isFloatingPoint(x.dtype) ? x : cast(x, getDefaultDType());
  const centre = mean(input, dims, true);
  const diff = E.sub(input, centre);
  const squared = E.binary("mul", diff, diff);
  const total = sum(squared, dims, keepdim);
  const out = E.binary("div", total, Math.max(count - correction, 0));
  for (const t of [centre, diff, squared, total]) t.dispose();
  if (input !== x) input.dispose();
  return out;
}

export function std(x: Tensor, dim: Dims, correction: number, keepdim: boolean): Tensor {
  const v = variance(x, dim, correction, keepdim);
  const out = E.unary("sqrt", v);
  v.dispose();
  return out;
}

/** log Σ exp(x), stabilised by the (constant) max. */
export function logsumexp(x: Tensor, dim: number | readonly number[], keepdim = false): Tensor {
  const dims = resolveDims("logsumexp", x, dim);
  const input = isFloatingPoint(x.dtype) ? x : cast(x, getDefaultDType());
  const shift = decompose(() => {
    const m = reduceRaw("max", input, dims, true);
    const finite = E.isfinite(m);
    const safe = E.where(finite, m, 0);
    m.dispose();
    finite.dispose();
    return safe;
  });
  const shifted = E.sub(input, shift);
  const exps = E.unary("exp", shifted);
  const total = sum(exps, dims, true);
  const logs = E.unary("log", total);
  const kept = E.add(logs, shift);
  for (const t of [shifted, exps, total, logs, shift]) t.dispose();
  if (input !== x) input.dispose();
  if (keepdim) return kept;
  const out = M.squeeze(kept, dims);
  kept.dispose();
  return out;
}

export function norm(x: Tensor, p: number | "fro", dim: Dims, keepdim: boolean): Tensor {
  const input = isFloatingPoint(x.dtype) ? x : cast(x, getDefaultDType());
  let out: Tensor;
  if (p === "fro" || p === 2) {
    const sq = E.binary("mul", input, input);
    const s = sum(sq, dim, keepdim);
    out = E.unary("sqrt", s);
    sq.dispose();
    s.dispose();
  } else if (p === Infinity || p === -Infinity) {
    const magnitude = E.unary("abs", input);
    out = p > 0 ? amax(magnitude, dim, keepdim) : amin(magnitude, dim, keepdim);
    magnitude.dispose();
  } else if (p === 1) {
    const magnitude = E.unary("abs", input);
    out = sum(magnitude, dim, keepdim);
    magnitude.dispose();
  } else if (p === 0) {
    const nonzero = E.binary("ne", input, 0);
    const counted = sum(nonzero, dim, keepdim);
    out = cast(counted, input.dtype);
    nonzero.dispose();
  } else {
    const magnitude = E.unary("abs", input);
    const powered = E.binary("pow", magnitude, p);
    const s = sum(powered, dim, keepdim);
    out = E.binary("pow", s, 1 / p);
    for (const t of [magnitude, powered, s]) t.dispose();
  }
  if (input !== x) input.dispose();
  return out;
}

export function any(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  const flags = x.dtype === "bool" ? x : castRaw(x, "bool");
  const dims = resolveDims("any", flags, dim);
  const out = reduceRaw("max", flags, dims, keepdim);
  if (flags !== x) flags.dispose();
  return out;
}

export function all(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  const flags = x.dtype === "bool" ? x : castRaw(x, "bool");
  const dims = resolveDims("all", flags, dim);
  const out = reduceRaw("min", flags, dims, keepdim);
  if (flags !== x) flags.dispose();
  return out;
}

/** Inclusive prefix sum along dim (integers accumulate in int64). */
export function cumsum(x: Tensor, dim: number): Tensor {
  const backend = sameDevice("cumsum", x);
  const d = x.ndim === 0 ? 0 : normalizeDim("cumsum", dim, x.ndim);
  const dtype = sumDType(x.dtype);
  const input = dtype === x.dtype ? x : castRaw(x, dtype);
  let out: Tensor;
  if (x.ndim === 0) out = contiguousCopy(input);
  else {
    const kernel = backend.kernels?.cumsum;
    if (kernel) {
      out = emptyTensor(x.shape, dtype, x.device);
      try {
        kernel.call(backend.kernels, input, d, out);
      } catch (err) {
        backendFailure("cumsum", backend, err, input, out);
      }
    } else {
      out = decompose(() => cumsumDecomposed(input, d));
    }
  }
  if (input !== x) input.dispose();
  if (isFloatingPoint(dtype)) recordOp("cumsum", [x], [out], { dim: d });
  return out;
}

/** out_j = Σ_{i ≤ j} x_i via a masked [n, n] sum (no inf·0 products). */
function cumsumDecomposed(x: Tensor, d: number): Tensor {
  const n = x.shape[d]!;
  const xm = M.movedim(x, d, -1); // [..., n]
  const positions = emptyTensor([n], "int64", x.device);
  positions.backend.write(positions.buffer, "int64", BigInt64Array.from({ length: n }, (_, i) => BigInt(i)), 0);
  const upToJ = E.binary("le", M.reshape(positions, [n, 1]), M.reshape(positions, [1, n])); // [i, j]: i <= j
  const terms = E.where(upToJ, M.unsqueeze(xm, -1), scalarTensor(0, x.dtype, x.device)); // [..., i, j]
  const summed = reduceRaw("sum", terms, [terms.ndim - 2], false); // [..., j]
  return contiguousCopy(M.movedim(summed, -1, d));
}
