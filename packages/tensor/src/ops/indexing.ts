/**
 * Indexing: the PyTorch-style `index()` helper, gather/scatter/indexSelect (fast kernels with
 * one-hot decompositions), masked selection, nonzero, sort and topk.
 */
import { isFloatingPoint, isIntegral } from "../dtype.js";
import { IndexError, ShapeError, DTypeError } from "../errors.js";
import { broadcastShapes, formatShape, normalizeDim, shapesEqual } from "../shape.js";
import { Tensor, emptyTensor, sameDevice } from "../tensor.js";
import { recordOp } from "../autograd-hooks.js";
import { backendFailure, scalarTensor, decompose, type TensorOrScalar } from "./dispatch.js";
import { cast, clone, contiguousCopy } from "./convert.js";
import * as M from "./movement.js";
import * as E from "./elementwise.js";
import { sum, any as anyReduce } from "./reduce.js";

/** One entry of `index()`: see {@link Tensor.index}. */
export type IndexSpec =
  | number
  | null
  | string
  | { start?: number | null; stop?: number | null; step?: number | null }
  | Tensor;

interface SliceSpec {
  kind: "slice";
  start?: number;
  stop?: number;
  step: number;
}

type ParsedSpec =
  | { kind: "int"; value: number }
  | SliceSpec
  | { kind: "newaxis" }
  | { kind: "ellipsis" }
  | { kind: "tensor"; value: Tensor };

function parseSpec(spec: IndexSpec): ParsedSpec {
  if (spec === null) return { kind: "newaxis" };
  if (typeof spec === "number") {
    if (!Number.isInteger(spec)) throw new IndexError(`index: ${spec} is not an integer index`);
    return { kind: "int", value: spec };
  }
  if (spec instanceof Tensor) return { kind: "tensor", value: spec };
  if (typeof spec === "string") {
    const text = spec.trim();
    if (text === "..." || text === "…") return { kind: "ellipsis" };
    if (!text.includes(":")) {
      const n = Number(text);
      if (text === "" || !Number.isInteger(n)) throw new IndexError(`index: cannot parse "${spec}" (expected an integer or a slice like "1:5:2")`);
      return { kind: "int", value: n };
    }
    const parts = text.split(":");
    if (parts.length > 3) throw new IndexError(`index: cannot parse slice "${spec}"`);
    const num = (p: string | undefined): number | undefined => {
      if (p === undefined || p.trim() === "") return undefined;
      const n = Number(p);
      if (!Number.isInteger(n)) throw new IndexError(`index: cannot parse "${p}" in slice "${spec}"`);
      return n;
    };
    const step = num(parts[2]) ?? 1;
    if (step <= 0) throw new IndexError(`index: slice step must be positive, got ${step} in "${spec}"`);
    return { kind: "slice", start: num(parts[0]), stop: num(parts[1]), step };
  }
  if (typeof spec === "object") {
    const step = spec.step ?? 1;
    if (step <= 0) throw new IndexError(`index: slice step must be positive, got ${step}`);
    return { kind: "slice", start: spec.start ?? undefined, stop: spec.stop ?? undefined, step };
  }
  throw new IndexError(`index: unsupported index ${String(spec)}`);
}

function dimsConsumed(p: ParsedSpec): number {
  if (p.kind === "int" || p.kind === "slice") return 1;
  if (p.kind === "tensor") return p.value.dtype === "bool" ? Math.max(p.value.ndim, 1) : 1;
  return 0;
}

interface Resolved {
  view: Tensor;
  advanced: { dim: number; index: Tensor }[];
}

/** Applies basic indexing (views) and collects advanced (tensor) indices with their dims. */
function resolve(x: Tensor, specs: readonly IndexSpec[]): Resolved {
  const parsed = specs.map(parseSpec);
  const consumed = parsed.reduce((n, p) => n + dimsConsumed(p), 0);
  const ellipses = parsed.filter((p) => p.kind === "ellipsis").length;
  if (ellipses > 1) throw new IndexError("index: at most one '...' is allowed");
  if (consumed > x.ndim) {
    throw new IndexError(`index: too many indices for a tensor of shape ${formatShape(x.shape)}: ${consumed} dims indexed`);
  }
  let view = x;
  let d = 0;
  const advanced: { dim: number; index: Tensor }[] = [];
  const replace = (next: Tensor): void => {
    if (view !== x) view.dispose();
    view = next;
  };
  for (const p of parsed) {
    switch (p.kind) {
      case "int": {
        const size = view.shape[d]!;
        if (p.value < -size || p.value >= size) {
          throw new IndexError(`index: index ${p.value} is out of bounds for dim ${d} with size ${size}`);
        }
        replace(M.select(view, d, p.value));
        break;
      }
      case "slice":
        replace(M.slice(view, d, p.start, p.stop, p.step));
        d++;
        break;
      case "newaxis":
        replace(M.unsqueeze(view, d));
        d++;
        break;
      case "ellipsis":
        d += x.ndim - consumed;
        break;
      case "tensor": {
        const t = p.value;
        if (t.dtype === "bool") {
          const mask = t.ndim === 0 ? t : t;
          for (let i = 0; i < mask.ndim; i++) {
            if (mask.shape[i] !== view.shape[d + i]) {
              throw new IndexError(
                `index: the boolean mask of shape ${formatShape(mask.shape)} does not match the indexed dims ` +
                  `${formatShape(view.shape.slice(d, d + mask.ndim))} starting at dim ${d}`,
              );
            }
          }
          // Flatten the masked dims into one and index it with the mask's true positions.
          const flat = mask.ndim === 1 ? view : M.reshape(view, [...view.shape.slice(0, d), -1, ...view.shape.slice(d + mask.ndim)]);
          if (flat !== view) replace(flat);
          const positions = nonzeroFlat(mask);
          advanced.push({ dim: d, index: positions });
          d++;
        } else {
          if (!isIntegral(t.dtype)) throw new DTypeError(`index: tensors used as indices must be integer or bool, got ${t.dtype}`);
          advanced.push({ dim: d, index: t });
          d++;
        }
        break;
      }
    }
  }
  return { view, advanced };
}

/** `x.index(...specs)`: basic indexing returns a view; tensor indices gather into a new tensor. */
export function index(x: Tensor, specs: readonly IndexSpec[]): Tensor {
  x._check("index");
  const { view, advanced } = resolve(x, specs);
  if (advanced.length === 0) return view === x ? M.reshape(x, x.shape) : view;
  const out = advancedGather(view, advanced);
  if (view !== x) view.dispose();
  return out;
}

function advancedGather(view: Tensor, advanced: { dim: number; index: Tensor }[]): Tensor {
  for (let i = 1; i < advanced.length; i++) {
    if (advanced[i]!.dim !== advanced[i - 1]!.dim + 1) {
      throw new IndexError("index: tensor indices must be on adjacent dims (separated tensor indices are not supported)");
    }
  }
  const first = advanced[0]!.dim;
  const count = advanced.length;
  const indexShape = broadcastShapes("index", ...advanced.map((a) => a.index.shape));
  // Combine several index tensors into one linear index over the flattened indexed dims.
  let linear: Tensor = cast(advanced[count - 1]!.index, "int64");
  let scale = view.shape[first + count - 1]!;
  linear = normalizeNegative(linear, scale, first + count - 1);
  for (let i = count - 2; i >= 0; i--) {
    const size = view.shape[first + i]!;
    const idx = normalizeNegative(cast(advanced[i]!.index, "int64"), size, first + i);
    const scaled = E.binary("mul", idx, scale);
    const next = E.binary("add", scaled, linear);
    linear = next;
    scale *= size;
  }
  const flatView =
    count === 1 ? view : M.reshape(view, [...view.shape.slice(0, first), -1, ...view.shape.slice(first + count)]);
  const expandedIndex = shapesEqual(linear.shape, indexShape) ? linear : M.expand(linear, indexShape);
  const flatIndex = M.reshape(expandedIndex, [-1]);
  const selected = indexSelect(flatView, first, flatIndex);
  return M.reshape(selected, [...flatView.shape.slice(0, first), ...indexShape, ...flatView.shape.slice(first + 1)]);
}

function normalizeNegative(index: Tensor, size: number, dim: number): Tensor {
  if (index.numel() === 0) return index;
  // Negative indices count from the end, as in Python.
  const negative = E.binary("lt", index, 0);
  const wrapped = E.where(negative, E.binary("add", index, size), index);
  negative.dispose();
  void dim;
  return wrapped;
}

/** `x[specs] = value` in place (basic indexing, a single tensor index, or a boolean mask). */
export function indexPut(x: Tensor, specs: readonly IndexSpec[], value: TensorOrScalar): void {
  x._check("indexPut_");
  const maskOnly = specs.length === 1 && specs[0] instanceof Tensor && specs[0].dtype === "bool";
  if (maskOnly) {
    const mask = specs[0] as Tensor;
    E.inplace(x, (self) => E.where(mask, value, self), "indexPut_");
    return;
  }
  const { view, advanced } = resolve(x, specs);
  if (advanced.length === 0) {
    if (value instanceof Tensor) E.copy_(view, value);
    else E.fill_(view, value);
    if (view !== x) view.dispose();
    return;
  }
  if (advanced.length > 1) throw new IndexError("indexPut_: only one tensor index is supported in assignments");
  const { dim, index: idx } = advanced[0]!;
  const flatIndex = M.reshape(normalizeNegative(cast(idx, "int64"), view.shape[dim]!, dim), [-1]);
  const targetShape = view.shape.slice();
  targetShape[dim] = flatIndex.numel();
  const src = value instanceof Tensor ? M.expand(M.reshape(value, broadcastTail(value, targetShape)), targetShape) : M.expand(scalarTensor(value, view.dtype, view.device), targetShape);
  const indexShape = targetShape.map((s, i) => (i === dim ? s : 1));
  const gatherIndex = M.expand(M.reshape(flatIndex, indexShape), targetShape);
  E.inplace(view, (self) => scatter(self, dim, gatherIndex, src, "set", false), "indexPut_");
  if (view !== x) view.dispose();
}

function broadcastTail(value: Tensor, target: readonly number[]): number[] {
  if (value.ndim <= target.length) return [...new Array<number>(target.length - value.ndim).fill(1), ...value.shape];
  return value.shape.slice();
}

function checkIndexTensor(op: string, index: Tensor): void {
  if (index.dtype !== "int64" && index.dtype !== "int32") {
    throw new DTypeError(`${op}: index must be an int64 or int32 tensor, got ${index.dtype}`);
  }
}

/** Rows of `x` along `dim` picked by a 1-d `index`. */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  const backend = sameDevice("indexSelect", x, index);
  checkIndexTensor("indexSelect", index);
  if (index.ndim > 1) throw new ShapeError(`indexSelect: index must be 0-d or 1-d, got shape ${formatShape(index.shape)}`);
  const idx = index.ndim === 0 ? M.reshape(index, [1]) : index;
  const d = x.ndim === 0 ? 0 : normalizeDim("indexSelect", dim, x.ndim);
  const shape = x.ndim === 0 ? [idx.numel()] : x.shape.slice();
  if (x.ndim > 0) shape[d] = idx.numel();
  let out: Tensor;
  const kernel = backend.kernels?.indexSelect;
  if (kernel) {
    out = emptyTensor(shape, x.dtype, x.device);
    try {
      kernel.call(backend.kernels, x, d, idx, out);
    } catch (err) {
      if (err instanceof IndexError) throw err;
      backendFailure("indexSelect", backend, err, x, idx);
    }
  } else {
    out = decompose(() => {
      const gatherShape = shape.map((s, i) => (i === d ? s : 1));
      const expanded = M.expand(M.reshape(idx, gatherShape), shape);
      return gatherDecomposed(x, d, expanded);
    });
  }
  if (isFloatingPoint(x.dtype)) recordOp("indexSelect", [x, idx], [out], { dim: d, inputShape: x.shape });
  if (idx !== index) idx.dispose();
  return out;
}

function checkGatherShapes(op: string, x: Tensor, d: number, index: Tensor): void {
  if (index.ndim !== x.ndim) {
    throw new ShapeError(`${op}: index ${formatShape(index.shape)} must have as many dims as the input ${formatShape(x.shape)}`);
  }
  for (let i = 0; i < x.ndim; i++) {
    if (i !== d && index.shape[i]! > x.shape[i]!) {
      throw new ShapeError(`${op}: index ${formatShape(index.shape)} is larger than the input ${formatShape(x.shape)} on dim ${i}`);
    }
  }
}

/** out[i][j] = x[i][index[i][j]] for dim = 1 (and likewise for other dims). */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  const backend = sameDevice("gather", x, index);
  checkIndexTensor("gather", index);
  const d = normalizeDim("gather", dim, Math.max(x.ndim, 1));
  checkGatherShapes("gather", x, d, index);
  let out: Tensor;
  const kernel = backend.kernels?.gather;
  if (kernel) {
    out = emptyTensor(index.shape, x.dtype, x.device);
    try {
      kernel.call(backend.kernels, x, d, index, out);
    } catch (err) {
      if (err instanceof IndexError) throw err;
      backendFailure("gather", backend, err, x, index);
    }
  } else {
    out = decompose(() => gatherDecomposed(x, d, index));
  }
  if (isFloatingPoint(x.dtype)) recordOp("gather", [x, index], [out], { dim: d, inputShape: x.shape });
  return out;
}

/** One-hot gather from primitives: O(n·m) memory per row, any backend. */
function gatherDecomposed(x: Tensor, d: number, index: Tensor): Tensor {
  const n = x.shape[d]!;
  // Restrict x to the index's extent on the other dims, then move `d` last.
  let region = x;
  for (let i = 0; i < x.ndim; i++) if (i !== d && index.shape[i] !== x.shape[i]) region = M.narrow(region, i, 0, index.shape[i]!);
  const xm = M.movedim(region, d, -1);
  const im = M.movedim(index, d, -1);
  const positions = arangeLike(n, im.device);
  const onehot = E.binary("eq", M.unsqueeze(im, -1), positions);
  const picked = E.where(onehot, M.unsqueeze(xm, -2), scalarTensor(0, x.dtype, x.device));
  let summed = sum(picked, -1, false);
  if (summed.dtype !== x.dtype) summed = cast(summed, x.dtype);
  return contiguousCopy(M.movedim(summed, -1, d));
}

function arangeLike(n: number, device: string): Tensor {
  const t = emptyTensor([n], "int64", device);
  t.backend.write(t.buffer, "int64", BigInt64Array.from({ length: n }, (_, i) => BigInt(i)), 0);
  return t;
}

/**
 * `self.scatter(dim, index, src)` (reduce "set") or `scatterAdd` (reduce "add"); in place when
 * `inPlace`. `src` may be a scalar for "set".
 */
export function scatter(
  self: Tensor,
  dim: number,
  index: Tensor,
  src: TensorOrScalar,
  reduce: "set" | "add",
  inPlace: boolean,
): Tensor {
  const op = reduce === "add" ? "scatterAdd" : "scatter";
  if (inPlace) {
    E.inplace(self, (s) => scatter(s, dim, index, src, reduce, false), `${op}_`);
    return self;
  }
  const backend = sameDevice(op, self, index);
  checkIndexTensor(op, index);
  const d = normalizeDim(op, dim, Math.max(self.ndim, 1));
  checkGatherShapes(op, self, d, index);
  let source: Tensor;
  if (src instanceof Tensor) {
    sameDevice(op, self, src);
    for (let i = 0; i < index.ndim; i++) {
      if (index.shape[i]! > src.shape[i]!) {
        throw new ShapeError(`${op}: index ${formatShape(index.shape)} is larger than src ${formatShape(src.shape)} on dim ${i}`);
      }
    }
    source = src.dtype === self.dtype ? src : cast(src, self.dtype);
  } else {
    source = M.expand(scalarTensor(src, self.dtype, self.device), index.shape);
  }
  // Only the part of src the index covers takes part.
  let srcRegion = source;
  for (let i = 0; i < index.ndim; i++) if (srcRegion.shape[i] !== index.shape[i]) srcRegion = M.narrow(srcRegion, i, 0, index.shape[i]!);
  const out = contiguousCopy(self);
  const kernel = backend.kernels?.scatter;
  if (kernel) {
    try {
      kernel.call(backend.kernels, out, d, index, srcRegion, reduce);
    } catch (err) {
      if (err instanceof IndexError) throw err;
      backendFailure(op, backend, err, out, index, srcRegion);
    }
  } else {
    decompose(() => scatterDecomposed(out, d, index, srcRegion, reduce));
  }
  if (isFloatingPoint(self.dtype)) recordOp(op, [self, index, srcRegion], [out], { dim: d });
  return out;
}

function scatterDecomposed(out: Tensor, d: number, index: Tensor, src: Tensor, reduce: "set" | "add"): void {
  const n = out.shape[d]!;
  let region = out;
  for (let i = 0; i < out.ndim; i++) if (i !== d && index.shape[i] !== out.shape[i]) region = M.narrow(region, i, 0, index.shape[i]!);
  const im = M.movedim(index, d, -1); // [..., m]
  const sm = M.movedim(src, d, -1); // [..., m]
  const onehot = E.binary("eq", M.unsqueeze(im, -1), arangeLike(n, out.device)); // [..., m, n]
  const contributions = E.where(onehot, M.unsqueeze(sm, -1), scalarTensor(0, out.dtype, out.device));
  let summed = sum(contributions, -2, false); // [..., n]
  if (summed.dtype !== out.dtype) summed = cast(summed, out.dtype);
  const update = M.movedim(summed, -1, d);
  if (reduce === "add") {
    E.copy_(region, E.binary("add", region, update));
  } else {
    const hit = M.movedim(anyReduce(onehot, -2, false), -1, d);
    E.copy_(region, E.where(hit, update, region));
  }
}

/** Flat positions of true elements in a mask (reads the mask). */
function nonzeroFlat(mask: Tensor): Tensor {
  const values = mask._readRawSync("index with a boolean mask");
  const positions: bigint[] = [];
  for (let i = 0; i < values.length; i++) if (values[i]) positions.push(BigInt(i));
  const out = emptyTensor([positions.length], "int64", mask.device);
  if (positions.length) out.backend.write(out.buffer, "int64", BigInt64Array.from(positions), 0);
  return out;
}

export function maskedSelect(x: Tensor, mask: Tensor): Tensor {
  sameDevice("maskedSelect", x, mask);
  if (mask.dtype !== "bool") throw new DTypeError(`maskedSelect: mask must be bool, got ${mask.dtype}`);
  const shape = broadcastShapes("maskedSelect", x.shape, mask.shape);
  const xs = M.reshape(M.expand(x, shape), [-1]);
  const ms = contiguousCopy(M.expand(mask, shape));
  const positions = nonzeroFlat(ms);
  const out = indexSelect(xs, 0, positions);
  ms.dispose();
  positions.dispose();
  return out;
}

export function nonzero(x: Tensor): Tensor {
  const flag = x.dtype === "bool" ? x : E.binary("ne", x, 0);
  const values = flag._readRawSync("nonzero");
  const coords: bigint[] = [];
  const ndim = x.ndim;
  const counter = new Array<number>(ndim).fill(0);
  for (let i = 0; i < values.length; i++) {
    if (values[i]) for (let d = 0; d < ndim; d++) coords.push(BigInt(counter[d]!));
    for (let d = ndim - 1; d >= 0; d--) {
      if (++counter[d]! < x.shape[d]!) break;
      counter[d] = 0;
    }
  }
  if (flag !== x) flag.dispose();
  const out = emptyTensor([coords.length / Math.max(ndim, 1), ndim], "int64", x.device);
  if (coords.length) out.backend.write(out.buffer, "int64", BigInt64Array.from(coords), 0);
  return out;
}

// ---- sort and topk ----------------------------------------------------------------------------

export function sort(x: Tensor, dim = -1, descending = false): { values: Tensor; indices: Tensor } {
  const backend = sameDevice("sort", x);
  const d = x.ndim === 0 ? 0 : normalizeDim("sort", dim, x.ndim);
  if (x.ndim === 0) {
    const values = clone(x);
    const indices = scalarTensor(0, "int64", x.device);
    return { values, indices };
  }
  let values: Tensor;
  let indices: Tensor;
  const kernel = backend.kernels?.sort;
  if (kernel) {
    values = emptyTensor(x.shape, x.dtype, x.device);
    indices = emptyTensor(x.shape, "int64", x.device);
    try {
      kernel.call(backend.kernels, x, d, descending, values, indices);
    } catch (err) {
      backendFailure("sort", backend, err, x);
    }
  } else {
    ({ values, indices } = decompose(() => sortDecomposed(x, d, descending)));
  }
  if (isFloatingPoint(x.dtype)) recordOp("sort", [x], [values, indices], { dim: d });
  return { values, indices };
}

/** Stable sort by ranks: rank(i) = #{j : x_j before x_i}. O(n²) per row, primitives only. */
function sortDecomposed(x: Tensor, d: number, descending: boolean): { values: Tensor; indices: Tensor } {
  const n = x.shape[d]!;
  const xm = M.movedim(x, d, -1); // [..., n]
  const a = M.unsqueeze(xm, -1); // element i along dim -2
  const b = M.unsqueeze(xm, -2); // element j along dim -1
  const before = precedes(b, a, descending); // x_j strictly before x_i
  const positions = arangeLike(n, x.device);
  const ties = E.binary("and", equalOrBothNan(a, b), E.binary("lt", M.unsqueeze(positions, 0), M.unsqueeze(positions, -1)));
  const rank = sum(E.binary("or", before, ties), -1, false); // int64 [..., n]
  const order = M.expand(positions, xm.shape);
  const indicesLast = scatter(emptyLike(rank), -1, rank, order, "set", false);
  const valuesLast = gather(xm, -1, indicesLast);
  return {
    values: contiguousCopy(M.movedim(valuesLast, -1, d)),
    indices: contiguousCopy(M.movedim(indicesLast, -1, d)),
  };
}

function emptyLike(t: Tensor): Tensor {
  const out = emptyTensor(t.shape, t.dtype, t.device);
  out.backend.fill(out, t.dtype === "int64" ? 0n : 0);
  return out;
}

/** NaN sorts as the largest value. */
function precedes(p: Tensor, q: Tensor, descending: boolean): Tensor {
  const pNan = E.binary("ne", p, p);
  const qNan = E.binary("ne", q, q);
  if (!descending) {
    // p < q, or q is NaN and p is not
    return E.binary("or", E.binary("lt", p, q), E.binary("and", qNan, E.unary("not", pNan)));
  }
  return E.binary("or", E.binary("gt", p, q), E.binary("and", pNan, E.unary("not", qNan)));
}

function equalOrBothNan(p: Tensor, q: Tensor): Tensor {
  return E.binary("or", E.binary("eq", p, q), E.binary("and", E.binary("ne", p, p), E.binary("ne", q, q)));
}

export function topk(x: Tensor, k: number, dim = -1, largest = true): { values: Tensor; indices: Tensor } {
  const d = x.ndim === 0 ? 0 : normalizeDim("topk", dim, x.ndim);
  const size = x.ndim === 0 ? 1 : x.shape[d]!;
  if (!Number.isInteger(k) || k < 0 || k > size) throw new IndexError(`topk: k (${k}) must be in 0..${size} for dim ${d} of size ${size}`);
  const sorted = decompose(() => sort(x, d, largest));
  const values = contiguousCopy(x.ndim === 0 ? sorted.values : M.narrow(sorted.values, d, 0, k));
  const indices = contiguousCopy(x.ndim === 0 ? sorted.indices : M.narrow(sorted.indices, d, 0, k));
  sorted.values.dispose();
  sorted.indices.dispose();
  if (isFloatingPoint(x.dtype)) recordOp("topk", [x], [values, indices], { dim: d });
  return { values, indices };
}
