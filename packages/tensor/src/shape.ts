/** Shapes, strides and broadcasting: pure metadata arithmetic shared by every op. */
import { ShapeError, IndexError } from "./errors.js";

export type Shape = readonly number[];

/** Row-major (C-contiguous) strides for a shape, in elements. */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = step;
    step *= Math.max(shape[i]!, 1);
  }
  return strides;
}

export function shapeNumel(shape: Shape): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i]!;
  return n;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether a (shape, strides) pair walks memory in row-major order without gaps. */
export function isContiguousLayout(shape: Shape, strides: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const size = shape[i]!;
    if (size === 1) continue;
    if (size === 0) return true;
    if (strides[i] !== expected) return false;
    expected *= size;
  }
  return true;
}

/** A shape and per-operand strides after `collapseDims`. */
export interface CollapsedDims {
  readonly shape: number[];
  /** strides[operand][dim] */
  readonly strides: number[][];
}

/**
 * For backends: drops size-1 dims and merges each dim into the previous one when, for every
 * operand, the outer stride equals the inner stride times the inner size (contiguous runs,
 * broadcast runs with stride 0, reversed runs). Most elementwise launches become rank 1.
 */
export function collapseDims(shape: Shape, operandStrides: readonly (readonly number[])[]): CollapsedDims {
  const k = operandStrides.length;
  const outShape: number[] = [];
  const outStrides: number[][] = new Array<number[]>(k);
  for (let j = 0; j < k; j++) outStrides[j] = [];
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d]!;
    if (size === 1) continue;
    const last = outShape.length - 1;
    let mergeable = last >= 0;
    for (let j = 0; mergeable && j < k; j++) {
      if (outStrides[j]![last] !== operandStrides[j]![d]! * size) mergeable = false;
    }
    if (mergeable) {
      outShape[last]! *= size;
      for (let j = 0; j < k; j++) outStrides[j]![last] = operandStrides[j]![d]!;
    } else {
      outShape.push(size);
      for (let j = 0; j < k; j++) outStrides[j]!.push(operandStrides[j]![d]!);
    }
  }
  return { shape: outShape, strides: outStrides };
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(", ")}]`;
}

/** Broadcasts shapes NumPy-style; `op` names the operation in the error. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  let ndim = 0;
  for (const s of shapes) ndim = Math.max(ndim, s.length);
  const out = new Array<number>(ndim).fill(1);
  for (const s of shapes) {
    const offset = ndim - s.length;
    for (let i = 0; i < s.length; i++) {
      const size = s[i]!;
      const current = out[offset + i]!;
      if (size === current || size === 1) continue;
      if (current === 1) out[offset + i] = size;
      else {
        throw new ShapeError(
          `${op}: shapes ${shapes.map(formatShape).join(" and ")} cannot be broadcast together ` +
            `(dim ${offset + i - ndim}: ${current} vs ${size})`,
        );
      }
    }
  }
  return out;
}

/** Strides that view `shape`/`strides` as the larger `target` shape (0 on broadcast dims). */
export function broadcastStrides(shape: Shape, strides: readonly number[], target: Shape): number[] {
  const out = new Array<number>(target.length).fill(0);
  const offset = target.length - shape.length;
  for (let i = 0; i < shape.length; i++) {
    out[offset + i] = shape[i] === 1 && target[offset + i] !== 1 ? 0 : strides[i]!;
  }
  return out;
}

/** Normalizes a possibly negative dim; `op` and `ndim` go into the error. */
export function normalizeDim(op: string, dim: number, ndim: number, allowEnd = false): number {
  const limit = allowEnd ? ndim + 1 : ndim;
  if (!Number.isInteger(dim)) throw new IndexError(`${op}: dim must be an integer, got ${dim}`);
  const d = dim < 0 ? dim + limit : dim;
  if (d < 0 || d >= limit || (limit === 0 && d === 0)) {
    if (limit === 0) throw new IndexError(`${op}: dim ${dim} given for a 0-d tensor`);
    throw new IndexError(`${op}: dim ${dim} is out of range for a tensor with ${ndim} dims (expected ${-limit}..${limit - 1})`);
  }
  return d;
}

/** Normalizes and de-duplicates a dim list; undefined/empty means all dims. */
export function normalizeDims(op: string, dims: number | readonly number[] | undefined | null, ndim: number): number[] {
  if (dims === undefined || dims === null) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof dims === "number" ? [dims] : dims;
  const out: number[] = [];
  for (const d of list) {
    const n = ndim === 0 && (d === 0 || d === -1) ? 0 : normalizeDim(op, d, ndim);
    if (out.includes(n)) throw new IndexError(`${op}: dim ${d} appears more than once in ${formatShape(list)}`);
    if (ndim > 0) out.push(n);
  }
  return out.sort((a, b) => a - b);
}

/** Resolves a single -1 in a target shape and validates the element count. */
export function inferShape(op: string, shape: readonly number[], numel: number, from: Shape): number[] {
  let inferred = -1;
  let known = 1;
  for (let i = 0; i < shape.length; i++) {
    const s = shape[i]!;
    if (s === -1) {
      if (inferred >= 0) throw new ShapeError(`${op}: only one dimension can be -1, got ${formatShape(shape)}`);
      inferred = i;
    } else if (!Number.isInteger(s) || s < 0) {
      throw new ShapeError(`${op}: invalid size ${s} in shape ${formatShape(shape)}`);
    } else known *= s;
  }
  const out = shape.slice();
  if (inferred >= 0) {
    if (known === 0 || numel % known !== 0) {
      throw new ShapeError(`${op}: shape ${formatShape(shape)} is invalid for input ${formatShape(from)} of ${numel} elements`);
    }
    out[inferred] = numel / known;
  } else if (known !== numel) {
    throw new ShapeError(`${op}: shape ${formatShape(shape)} is invalid for input ${formatShape(from)} of ${numel} elements`);
  }
  return out;
}

/**
 * Strides for viewing (shape, strides) as newShape without copying, or null when the memory
 * layout does not allow it (PyTorch's `computeStride`).
 */
export function viewStrides(shape: Shape, strides: readonly number[], newShape: Shape): number[] | null {
  const numel = shapeNumel(shape);
  const out = new Array<number>(newShape.length);
  if (numel === 0) return contiguousStrides(newShape);
  let viewD = newShape.length - 1;
  let chunkBase = strides[strides.length - 1] ?? 1;
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    tensorNumel *= shape[d]!;
    if (d === 0 || (shape[d - 1] !== 1 && strides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] === 1)) {
        out[viewD] = viewNumel * chunkBase;
        viewNumel *= newShape[viewD]!;
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = strides[d - 1]!;
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  if (viewD !== -1) return null;
  return out;
}

/** Validates a user-given shape argument (numbers ≥ 0). */
export function checkShape(op: string, shape: readonly number[]): number[] {
  for (const s of shape) {
    if (!Number.isInteger(s) || s < 0) throw new ShapeError(`${op}: invalid size ${s} in shape ${formatShape(shape)}`);
  }
  return shape.slice();
}

/** Accepts `f(2, 3)` and `f([2, 3])` argument forms. */
export function shapeArgs(args: readonly (number | readonly number[])[]): number[] {
  if (args.length === 1 && Array.isArray(args[0])) return (args[0] as number[]).slice();
  return args as number[];
}
