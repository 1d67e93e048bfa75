/**
 * Triangular masks, diagonals, einsum, cumulative products and extrema, order statistics,
 * NaN-aware reductions and assorted `torch.*` helpers. Every function here is composed from
 * existing ops (views, where, sum, prod, matmul, gather, indexSelect, sort…), so each backend runs
 * it and autograd differentiates it with the rules those ops already have.
 */
import type { DType } from "../dtype.js";
import { isFloatingPoint, resultType } from "../dtype.js";
import { DTypeError, IndexError, ShapeError } from "../errors.js";
import { formatShape, normalizeDim, shapeNumel } from "../shape.js";
import { Tensor, emptyTensor, sameDevice } from "../tensor.js";
import { scope } from "../memory.js";
import { scalarTensor } from "./dispatch.js";
import { withoutRecording } from "./no-record.js";
import { cast, clone } from "./convert.js";
import * as E from "./elementwise.js";
import * as M from "./movement.js";
import * as L from "./linalg.js";
import * as R from "./reduce.js";
import { gather, indexSelect, sort } from "./indexing.js";

// ---- helpers ------------------------------------------------------------------------------------

/** int64 [0, 1, …, n-1] on a device. */
function positions(n: number, device: string): Tensor {
  const out = emptyTensor([n], "int64", device);
  if (n > 0) out.backend.write(out.buffer, "int64", BigInt64Array.from({ length: n }, (_, i) => BigInt(i)), 0);
  return out;
}

/** A 1-d int64 tensor holding `values`. */
function int64Vector(values: readonly number[], device: string): Tensor {
  const out = emptyTensor([values.length], "int64", device);
  if (values.length > 0) out.backend.write(out.buffer, "int64", BigInt64Array.from(values, (v) => BigInt(v)), 0);
  return out;
}

/** A 1-d tensor of `dtype` holding `values`. */
function vectorOf(values: readonly number[], dtype: DType, device: string): Tensor {
  const out = emptyTensor([values.length], dtype, device);
  if (values.length > 0) {
    const data = dtype === "int64" ? BigInt64Array.from(values, (v) => BigInt(v)) : dtype === "float64" ? Float64Array.from(values) : Float32Array.from(values);
    out.backend.write(out.buffer, dtype === "int64" || dtype === "float64" ? dtype : "float32", data, 0);
  }
  return out;
}

function zeroOf(x: Tensor): Tensor {
  return scalarTensor(x.dtype === "bool" ? false : 0, x.dtype, x.device);
}

function requireFloat(op: string, x: Tensor): void {
  if (!isFloatingPoint(x.dtype)) {
    throw new DTypeError(`${op}: expected a floating-point input, got dtype ${x.dtype} (shape ${formatShape(x.shape)})`);
  }
}

function requireInteger(op: string, x: Tensor, what = "input"): void {
  if (isFloatingPoint(x.dtype) || x.dtype === "bool") {
    throw new DTypeError(`${op}: ${what} must have an integer dtype, got ${x.dtype} (shape ${formatShape(x.shape)})`);
  }
}

/** Bool [rows, cols] mask of `col - row <= k` (lower) or `col - row >= k` (upper). */
function triangleMask(rows: number, cols: number, k: number, lower: boolean, device: string): Tensor {
  return withoutRecording(() =>
    scope(() => {
      const r = M.reshape(positions(rows, device), [rows, 1]);
      const c = M.reshape(positions(cols, device), [1, cols]);
      const diff = E.sub(c, r);
      return E.binary(lower ? "le" : "ge", diff, k);
    }),
  );
}

// ---- triangles and diagonals --------------------------------------------------------------------

function triangle(op: "tril" | "triu", x: Tensor, diagonal: number): Tensor {
  sameDevice(op, x);
  if (x.ndim < 2) throw new ShapeError(`${op}: input must have at least 2 dims, got shape ${formatShape(x.shape)}`);
  if (!Number.isInteger(diagonal)) throw new TypeError(`${op}: diagonal must be an integer, got ${diagonal}`);
  return scope(() => {
    const mask = triangleMask(x.shape[x.ndim - 2]!, x.shape[x.ndim - 1]!, diagonal, op === "tril", x.device);
    return E.where(mask, x, zeroOf(x));
  });
}

/** Lower triangle of the last two dims (elements with `col - row <= diagonal`); the rest are 0. */
export function tril(x: Tensor, diagonal = 0): Tensor {
  return triangle("tril", x, diagonal);
}

/** Upper triangle of the last two dims (elements with `col - row >= diagonal`); the rest are 0. */
export function triu(x: Tensor, diagonal = 0): Tensor {
  return triangle("triu", x, diagonal);
}

/** 1-d → a square matrix with `x` on diagonal `offset`; 2-d → a copy of diagonal `offset`. */
export function diag(x: Tensor, offset = 0): Tensor {
  sameDevice("diag", x);
  if (!Number.isInteger(offset)) throw new TypeError(`diag: offset must be an integer, got ${offset}`);
  if (x.ndim === 2) return scope(() => clone(M.diagonal(x, offset, 0, 1)));
  if (x.ndim !== 1) throw new ShapeError(`diag: expected a 1-d or 2-d input, got shape ${formatShape(x.shape)}`);
  const m = x.shape[0]!;
  const n = m + Math.abs(offset);
  return scope(() => {
    const padded = Math.abs(offset) > 0 ? M.pad(x, [0, Math.abs(offset)]) : x;
    const mask = withoutRecording(() => scope(() => E.binary("eq", E.sub(M.reshape(positions(n, x.device), [1, n]), M.reshape(positions(n, x.device), [n, 1])), offset)));
    // offset ≥ 0: out[i][i+k] = x[i] (value indexed by row); offset < 0: out[j-k][j] = x[j] (by column).
    const values = offset >= 0 ? M.reshape(padded, [n, 1]) : M.reshape(padded, [1, n]);
    return E.where(mask, values, zeroOf(x));
  });
}

/** A zero-copy view of the diagonal `offset` of the (dim1, dim2) planes, appended as the last dim. */
export function diagonal(x: Tensor, offset = 0, dim1 = 0, dim2 = 1): Tensor {
  if (x.ndim < 2) throw new ShapeError(`diagonal: input must have at least 2 dims, got shape ${formatShape(x.shape)}`);
  return M.diagonal(x, offset, dim1, dim2);
}

/** Sum of the main diagonal of a 2-d tensor (integers sum in int64). */
export function trace(x: Tensor): Tensor {
  sameDevice("trace", x);
  if (x.ndim !== 2) throw new ShapeError(`trace: expected a 2-d tensor, got shape ${formatShape(x.shape)}`);
  return scope(() => R.sum(M.diagonal(x, 0, 0, 1)));
}

// ---- einsum -------------------------------------------------------------------------------------

interface Term {
  t: Tensor;
  labels: number[];
}

const letterName = (l: number, ellipsisDims: number): string => (l < ellipsisDims ? `...[${l}]` : String.fromCharCode(l));

function parseSubscripts(equation: string, term: string): { letters: number[]; ellipsisAt: number } {
  const letters: number[] = [];
  let ellipsisAt = -1;
  for (let i = 0; i < term.length; i++) {
    const c = term[i]!;
    if (c === ".") {
      if (term.slice(i, i + 3) !== "..." || ellipsisAt >= 0) {
        throw new ShapeError(`einsum: invalid ellipsis in subscripts "${term}" of equation "${equation}"`);
      }
      ellipsisAt = letters.length;
      i += 2;
    } else if (/[a-zA-Z]/.test(c)) letters.push(c.charCodeAt(0));
    else throw new ShapeError(`einsum: invalid subscript '${c}' in equation "${equation}" (only letters and "..." are allowed)`);
  }
  return { letters, ellipsisAt };
}

/** Sums the dims whose label is not in `keep`. */
function sumOut(term: Term, keep: ReadonlySet<number>): Term {
  const dims: number[] = [];
  term.labels.forEach((l, i) => {
    if (!keep.has(l)) dims.push(i);
  });
  if (dims.length === 0) return term;
  return { t: R.sum(term.t, dims, false), labels: term.labels.filter((l) => keep.has(l)) };
}

/** Takes diagonals over repeated labels within one operand. */
function diagonalize(term: Term): Term {
  let { t, labels } = term;
  for (;;) {
    let a = -1;
    let b = -1;
    for (let i = 0; i < labels.length && a < 0; i++) {
      const j = labels.indexOf(labels[i]!, i + 1);
      if (j >= 0) {
        a = i;
        b = j;
      }
    }
    if (a < 0) return { t, labels };
    const label = labels[a]!;
    t = M.diagonal(t, 0, a, b);
    labels = [...labels.filter((_, i) => i !== a && i !== b), label];
  }
}

function contract(A: Term, B: Term, later: ReadonlySet<number>): Term {
  const shared = A.labels.filter((l) => B.labels.includes(l));
  const batch = shared.filter((l) => later.has(l));
  const contr = shared.filter((l) => !later.has(l));
  const aOnly = A.labels.filter((l) => !B.labels.includes(l));
  const bOnly = B.labels.filter((l) => !A.labels.includes(l));
  const sizeIn = (term: Term, l: number): number => term.t.shape[term.labels.indexOf(l)]!;
  const common = (l: number): number => Math.max(sizeIn(A, l), sizeIn(B, l));
  const aOrder = [...batch, ...aOnly, ...contr];
  const bOrder = [...batch, ...contr, ...bOnly];
  let a = M.permute(A.t, aOrder.map((l) => A.labels.indexOf(l)));
  let b = M.permute(B.t, bOrder.map((l) => B.labels.indexOf(l)));
  const aSizes = aOrder.map((l) => (shared.includes(l) ? common(l) : sizeIn(A, l)));
  const bSizes = bOrder.map((l) => (shared.includes(l) ? common(l) : sizeIn(B, l)));
  if (aSizes.some((s, i) => s !== a.shape[i])) a = M.expand(a, aSizes);
  if (bSizes.some((s, i) => s !== b.shape[i])) b = M.expand(b, bSizes);
  const batchSizes = batch.map(common);
  const aOnlySizes = aOnly.map((l) => sizeIn(A, l));
  const bOnlySizes = bOnly.map((l) => sizeIn(B, l));
  const k = shapeNumel(contr.map(common));
  const a3 = M.reshape(a, [...batchSizes, shapeNumel(aOnlySizes), k]);
  const b3 = M.reshape(b, [...batchSizes, k, shapeNumel(bOnlySizes)]);
  const product = L.matmul(a3, b3);
  return { t: M.reshape(product, [...batchSizes, ...aOnlySizes, ...bOnlySizes]), labels: [...batch, ...aOnly, ...bOnly] };
}

/**
 * Einstein summation, like `torch.einsum`: `einsum("ij,jk->ik", a, b)`. Supports implicit output
 * (labels seen once, alphabetically), `...` broadcasting, repeated labels within one operand
 * (diagonals) and summed labels. Lowered to diagonal/permute/reshape/matmul/sum, so it runs on
 * every backend and is differentiable.
 */
export function einsum(equation: string, ...operands: (Tensor | readonly Tensor[])[]): Tensor {
  const tensors: Tensor[] = operands.length === 1 && Array.isArray(operands[0]) ? [...(operands[0] as readonly Tensor[])] : (operands as Tensor[]);
  if (tensors.length === 0) throw new ShapeError("einsum: expected at least one operand");
  for (const t of tensors) sameDevice("einsum", tensors[0]!, t);
  const eq = equation.replace(/\s+/g, "");
  const arrow = eq.indexOf("->");
  const lhs = arrow >= 0 ? eq.slice(0, arrow) : eq;
  const rhs = arrow >= 0 ? eq.slice(arrow + 2) : null;
  const terms = lhs.split(",");
  if (terms.length !== tensors.length) {
    throw new ShapeError(`einsum: equation "${equation}" has ${terms.length} input subscripts but ${tensors.length} operands were given`);
  }
  const parsed = terms.map((term, i) => {
    const p = parseSubscripts(equation, term);
    const t = tensors[i]!;
    const ellipsisDims = t.ndim - p.letters.length;
    if (ellipsisDims < 0 || (p.ellipsisAt < 0 && ellipsisDims !== 0)) {
      throw new ShapeError(
        `einsum: subscripts "${term}" of operand ${i} name ${p.letters.length} dims, but the operand has shape ${formatShape(t.shape)}`,
      );
    }
    return { ...p, ellipsisDims };
  });
  const E_ = Math.max(0, ...parsed.map((p) => p.ellipsisDims));
  const inputs: Term[] = parsed.map((p, i) => {
    const labels = [...p.letters];
    if (p.ellipsisAt >= 0) {
      const ell = Array.from({ length: p.ellipsisDims }, (_, k) => E_ - p.ellipsisDims + k);
      labels.splice(p.ellipsisAt, 0, ...ell);
    }
    return { t: tensors[i]!, labels };
  });
  // Sizes must agree (size 1 broadcasts across operands).
  const sizes = new Map<number, { size: number; operand: number }>();
  inputs.forEach((term, i) => {
    const own = new Map<number, number>();
    term.labels.forEach((l, d) => {
      const s = term.t.shape[d]!;
      const mine = own.get(l);
      if (mine !== undefined && mine !== s) {
        throw new ShapeError(
          `einsum: subscript '${letterName(l, E_)}' is repeated in operand ${i} with sizes ${mine} and ${s} (shape ${formatShape(term.t.shape)})`,
        );
      }
      own.set(l, s);
      const seen = sizes.get(l);
      if (seen === undefined || seen.size === 1) sizes.set(l, { size: s, operand: i });
      else if (s !== 1 && s !== seen.size) {
        throw new ShapeError(
          `einsum: subscript '${letterName(l, E_)}' has size ${seen.size} in operand ${seen.operand} but size ${s} in operand ${i} (shape ${formatShape(term.t.shape)})`,
        );
      }
    });
  });
  let output: number[];
  if (rhs === null) {
    const counts = new Map<number, number>();
    for (const term of inputs) for (const l of term.labels) counts.set(l, (counts.get(l) ?? 0) + 1);
    output = [
      ...Array.from({ length: E_ }, (_, k) => k),
      ...[...counts.entries()].filter(([l, c]) => l >= E_ && c === 1).map(([l]) => l).sort((a, b) => a - b),
    ];
  } else {
    const p = parseSubscripts(equation, rhs);
    output = [...p.letters];
    if (p.ellipsisAt >= 0) output.splice(p.ellipsisAt, 0, ...Array.from({ length: E_ }, (_, k) => k));
    for (const l of p.letters) {
      if (!sizes.has(l)) throw new ShapeError(`einsum: output subscript '${String.fromCharCode(l)}' of "${equation}" does not appear in the inputs`);
    }
    if (new Set(output).size !== output.length) throw new ShapeError(`einsum: output subscripts "${rhs}" of "${equation}" repeat a label`);
  }
  const outSet = new Set(output);
  return scope(() => {
    const needed = (from: number, extra: readonly number[] = []): Set<number> => {
      const s = new Set<number>([...outSet, ...extra]);
      for (let k = from; k < inputs.length; k++) for (const l of inputs[k]!.labels) s.add(l);
      return s;
    };
    let cur = sumOut(diagonalize(inputs[0]!), needed(1));
    for (let k = 1; k < inputs.length; k++) {
      const next = sumOut(diagonalize(inputs[k]!), needed(k + 1, cur.labels));
      cur = contract(cur, next, needed(k + 1));
    }
    cur = sumOut(cur, outSet);
    // Output labels of size-1 broadcast that no operand carries can't occur: each comes from an input.
    const order = output.map((l) => cur.labels.indexOf(l));
    const result = M.permute(cur.t, order);
    const want = output.map((l) => sizes.get(l)!.size);
    return want.some((s, i) => s !== result.shape[i]) ? M.expand(result, want) : result;
  });
}

// ---- cumulative ops -----------------------------------------------------------------------------

/**
 * Lays `x` out as [..., n(i), n(j)] with entries `x_i` where `i <= j` and `fill` elsewhere, where
 * n is the size of `dim` (moved last). Reducing over -2 gives an inclusive scan along `dim`.
 */
function scanTerms(x: Tensor, d: number, fill: Tensor): Tensor {
  const n = x.shape[d]!;
  const moved = M.movedim(x, d, -1);
  const mask = triangleMask(n, n, 0, false, x.device); // [i, j]: j - i >= 0
  return E.where(mask, M.unsqueeze(moved, -1), fill);
}

/**
 * Scans longer than this run block by block: each block's scan takes block² memory (the terms
 * above), and the blocks are joined through the carry, so memory stays linear in the length.
 */
const SCAN_BLOCK = 128;

/**
 * An inclusive scan along `d` in blocks of SCAN_BLOCK: `scanBlock` scans one block, `join`
 * folds the carry (the previous blocks' last scan value, size 1 along `d`) into a block's scan.
 */
function blockedScan(x: Tensor, d: number, scanBlock: (block: Tensor) => Tensor, join: (carry: Tensor, scanned: Tensor) => Tensor): Tensor {
  const n = x.shape[d]!;
  if (n <= SCAN_BLOCK) return scanBlock(x);
  const parts: Tensor[] = [];
  let carry: Tensor | null = null;
  for (let start = 0; start < n; start += SCAN_BLOCK) {
    const length = Math.min(SCAN_BLOCK, n - start);
    let part = scanBlock(M.narrow(x, d, start, length));
    if (carry) part = join(carry, part);
    carry = M.narrow(part, d, length - 1, 1);
    parts.push(part);
  }
  return M.cat(parts, d);
}

function scanDim(op: string, x: Tensor, dim: number): number {
  sameDevice(op, x);
  return x.ndim === 0 ? 0 : normalizeDim(op, dim, x.ndim);
}

/** Inclusive cumulative product along `dim` (integers accumulate in int64); exact gradients with zeros. */
export function cumprod(x: Tensor, dim: number): Tensor {
  const d = scanDim("cumprod", x, dim);
  if (x.ndim === 0) return R.prod(x);
  return scope(() => {
    const input = isFloatingPoint(x.dtype) ? x : cast(x, "int64");
    const one = scalarTensor(1, input.dtype, x.device);
    return blockedScan(
      input,
      d,
      (block) => M.movedim(R.prod(scanTerms(block, d, one), -2), -1, d),
      (carry, scanned) => E.binary("mul", carry, scanned),
    );
  });
}

/** log Σ_{i ≤ j} exp(x_i) along `dim`, computed stably. */
export function logcumsumexp(x: Tensor, dim: number): Tensor {
  const d = scanDim("logcumsumexp", x, dim);
  requireFloat("logcumsumexp", x);
  if (x.ndim === 0) return clone(x);
  return scope(() => {
    const lowest = scalarTensor(-Infinity, x.dtype, x.device);
    return blockedScan(
      x,
      d,
      (block) => M.movedim(R.logsumexp(scanTerms(block, d, lowest), -2), -1, d),
      // log(e^carry + e^scanned), as a logsumexp over the pair.
      (carry, scanned) => R.logsumexp(M.stack([M.expand(carry, scanned.shape), scanned], 0), 0),
    );
  });
}

function cumExtremum(op: "cummax" | "cummin", x: Tensor, dim: number): { values: Tensor; indices: Tensor } {
  const d = scanDim(op, x, dim);
  if (x.ndim === 0) return { values: clone(x), indices: scalarTensor(0, "int64", x.device) };
  return scope(() => {
    const n = x.shape[d]!;
    const floating = isFloatingPoint(x.dtype);
    const indices = withoutRecording(() =>
      scope(() => {
        const parts: Tensor[] = [];
        let carryIndex: Tensor | null = null;
        let carryValue: Tensor | null = null;
        for (let start = 0; start < n; start += SCAN_BLOCK) {
          const length = Math.min(SCAN_BLOCK, n - start);
          const block = M.narrow(x, d, start, length);
          const local = blockExtremumIndices(op, block, d);
          let value = gather(block, d, local);
          let index = E.add(local, start);
          if (carryIndex && carryValue) {
            // The block's extremum takes over where it ties or beats the carry (the last index
            // wins ties) or is the first NaN; a NaN carry stays.
            const carryNan = floating ? E.binary("ne", carryValue, carryValue) : null;
            let takes = E.binary(op === "cummax" ? "ge" : "le", value, carryValue);
            if (carryNan) {
              const valueNan = E.binary("ne", value, value);
              takes = E.binary("and", E.binary("or", takes, valueNan), E.unary("not", carryNan));
            }
            index = E.where(takes, index, carryIndex);
            value = E.where(takes, value, carryValue);
          }
          carryIndex = M.narrow(index, d, length - 1, 1);
          carryValue = M.narrow(value, d, length - 1, 1);
          parts.push(index);
        }
        return clone(parts.length === 1 ? parts[0]! : M.cat(parts, d));
      }),
    );
    return { values: gather(x, d, indices), indices };
  });
}

/** Within one block (at most SCAN_BLOCK along `d`): the index of the running extremum, NaN-aware. */
function blockExtremumIndices(op: "cummax" | "cummin", x: Tensor, d: number): Tensor {
  const n = x.shape[d]!;
  const moved = M.movedim(x, d, -1);
  const first = M.unsqueeze(M.narrow(moved, -1, 0, 1), -1); // [..., 1, 1]: always in range
  const terms = scanTerms(x, d, first);
  const best = op === "cummax" ? R.amax(terms, -2, true) : R.amin(terms, -2, true); // [..., 1, j]
  const mask = triangleMask(n, n, 0, false, x.device);
  const hit = E.binary("and", mask, E.binary("eq", terms, best));
  const rows = M.reshape(positions(n, x.device), [n, 1]);
  const candidate = E.where(hit, rows, scalarTensor(-1, "int64", x.device));
  // Ties resolve to the last index (PyTorch's `>=` scan); NaN is handled below.
  const last = M.movedim(R.amax(candidate, -2), -1, d);
  return isFloatingPoint(x.dtype) ? firstNanIndices(x, d, clone(last)) : clone(last);
}

/** Where a NaN has occurred at or before position j, the index of the first NaN. */
function firstNanIndices(x: Tensor, d: number, indices: Tensor): Tensor {
  return withoutRecording(() =>
    scope(() => {
      const n = x.shape[d]!;
      const isNan = E.binary("ne", x, x);
      const pos = M.reshape(positions(n, x.device), x.shape.map((s, i) => (i === d ? n : 1)));
      const nanPos = E.where(isNan, pos, scalarTensor(n, "int64", x.device));
      // Running minimum of NaN positions: min over i <= j.
      const terms = scanTerms(nanPos, d, scalarTensor(n, "int64", x.device));
      const firstNan = M.movedim(R.amin(terms, -2), -1, d);
      return clone(E.where(E.binary("lt", firstNan, n), firstNan, indices));
    }),
  );
}

/** Running maximum along `dim` and the index where it was attained (last index among ties). */
export function cummax(x: Tensor, dim: number): { values: Tensor; indices: Tensor } {
  return cumExtremum("cummax", x, dim);
}

/** Running minimum along `dim` and the index where it was attained (last index among ties). */
export function cummin(x: Tensor, dim: number): { values: Tensor; indices: Tensor } {
  return cumExtremum("cummin", x, dim);
}

// ---- order statistics ---------------------------------------------------------------------------

function pickSorted(op: string, x: Tensor, dim: number, rank: (n: number) => number, keepdim: boolean): { values: Tensor; indices: Tensor } {
  sameDevice(op, x);
  const d = x.ndim === 0 ? 0 : normalizeDim(op, dim, x.ndim);
  const source = x.ndim === 0 ? M.reshape(x, [1]) : x;
  const n = source.shape[d]!;
  if (n === 0) throw new IndexError(`${op}: cannot take a value over dim ${d} of size 0 (shape ${formatShape(x.shape)})`);
  const r = rank(n);
  return scope(() => {
    const sorted = withoutRecording(() => sort(source, d));
    const at = int64Vector([r], x.device);
    const idxKept = indexSelect(sorted.indices, d, at);
    const valuesKept = gather(source, d, idxKept);
    if (x.ndim === 0) return { values: M.reshape(valuesKept, []), indices: M.reshape(idxKept, []) };
    if (keepdim) return { values: valuesKept, indices: idxKept };
    return { values: M.squeeze(valuesKept, d), indices: M.squeeze(idxKept, d) };
  });
}

/**
 * Median like `torch.median`: the lower of the two middle values for even counts. Without `dim`
 * returns the median of all elements; with `dim` returns `{ values, indices }`. NaN propagates.
 */
export function median(x: Tensor): Tensor;
export function median(x: Tensor, dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
export function median(x: Tensor, dim?: number | null, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
  if (dim === undefined || dim === null) {
    if (x.numel() === 0) throw new IndexError(`median: cannot take the median of an empty tensor (shape ${formatShape(x.shape)})`);
    return scope(() => {
      const flat = M.reshape(x, [-1]);
      return median(flat, 0).values;
    });
  }
  return pickSorted("median", x, dim, (n) => Math.floor((n - 1) / 2), keepdim);
}

/** The k-th smallest value (1-based) along `dim` and its index. */
export function kthvalue(x: Tensor, k: number, dim = -1, keepdim = false): { values: Tensor; indices: Tensor } {
  const d = x.ndim === 0 ? 0 : normalizeDim("kthvalue", dim, x.ndim);
  const n = x.ndim === 0 ? 1 : x.shape[d]!;
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new IndexError(`kthvalue: k = ${k} is out of range for dim ${d} of size ${n} (shape ${formatShape(x.shape)})`);
  }
  return pickSorted("kthvalue", x, d, () => k - 1, keepdim);
}

export type QuantileInterpolation = "linear" | "lower" | "higher" | "midpoint" | "nearest";

/**
 * Quantiles `q` ∈ [0, 1] along `dim` (all elements when `dim` is null), like `torch.quantile`.
 * A scalar q drops the q dim; an array or 1-d tensor of q puts it first in the result.
 */
export function quantile(
  x: Tensor,
  q: number | readonly number[] | Tensor,
  dim: number | null = null,
  keepdim = false,
  interpolation: QuantileInterpolation = "linear",
): Tensor {
  sameDevice("quantile", x);
  requireFloat("quantile", x);
  const scalarQ = typeof q === "number" || (q instanceof Tensor && q.ndim === 0);
  const qs: number[] = typeof q === "number" ? [q] : q instanceof Tensor ? Array.from(q.dataSync() as ArrayLike<number>, Number) : [...q];
  if (q instanceof Tensor && q.ndim > 1) throw new ShapeError(`quantile: q must be a scalar or 1-d, got shape ${formatShape(q.shape)}`);
  for (const v of qs) {
    if (!(v >= 0 && v <= 1)) throw new RangeError(`quantile: q values must be in [0, 1], got ${v}`);
  }
  if (!["linear", "lower", "higher", "midpoint", "nearest"].includes(interpolation)) {
    throw new TypeError(`quantile: unknown interpolation "${interpolation}"`);
  }
  const source = dim === null || x.ndim === 0 ? null : x;
  const d = source ? normalizeDim("quantile", dim!, x.ndim) : 0;
  return scope(() => {
    const input = source ?? M.reshape(x, [-1]);
    const n = input.shape[d]!;
    if (n === 0) throw new IndexError(`quantile: cannot take quantiles over an empty dim ${d} (shape ${formatShape(x.shape)})`);
    const sorted = sort(input, d).values;
    const lo: number[] = [];
    const hi: number[] = [];
    const w: number[] = [];
    for (const v of qs) {
      const pos = v * (n - 1);
      let a = Math.floor(pos);
      let b = Math.ceil(pos);
      let t = pos - a;
      if (interpolation === "lower") b = a;
      else if (interpolation === "higher") a = b;
      else if (interpolation === "nearest") {
        const r = roundHalfEven(pos);
        a = r;
        b = r;
      } else if (interpolation === "midpoint") t = b > a ? 0.5 : 0;
      if (a === b) t = 0;
      lo.push(a);
      hi.push(b);
      w.push(t);
    }
    const vLo = M.movedim(indexSelect(sorted, d, int64Vector(lo, x.device)), d, 0); // [nq, ...rest]
    const vHi = M.movedim(indexSelect(sorted, d, int64Vector(hi, x.device)), d, 0);
    const weights = M.reshape(vectorOf(w, x.dtype, x.device), [qs.length, ...vLo.shape.slice(1).map(() => 1)]);
    let out = E.add(vLo, E.binary("mul", E.sub(vHi, vLo), weights));
    // Any NaN in the slice makes its quantile NaN (sorting puts NaN last).
    const hasNan = R.amax(E.binary("ne", input, input), d, false);
    out = E.where(hasNan, scalarTensor(NaN, x.dtype, x.device), out);
    if (keepdim) {
      const kept = source ? x.shape.map((s, i) => (i === d ? 1 : s)) : x.shape.map(() => 1);
      out = M.reshape(out, [qs.length, ...kept]);
    }
    return scalarQ ? M.squeeze(out, 0) : out;
  });
}

function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const diff = v - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

type Dims = number | readonly number[] | null | undefined;

/** Sum treating NaN as zero. */
export function nansum(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  sameDevice("nansum", x);
  if (!isFloatingPoint(x.dtype)) return R.sum(x, dim, keepdim);
  return scope(() => R.sum(E.where(E.binary("ne", x, x), zeroOf(x), x), dim, keepdim));
}

/** Mean over the non-NaN elements (NaN where all are NaN). */
export function nanmean(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  sameDevice("nanmean", x);
  requireFloat("nanmean", x);
  return scope(() => {
    const isNum = E.binary("eq", x, x);
    const total = R.sum(E.where(isNum, x, zeroOf(x)), dim, keepdim);
    const count = cast(R.sum(isNum, dim, keepdim), x.dtype);
    return E.div(total, count);
  });
}

// ---- construction and linear algebra helpers ---------------------------------------------------

/**
 * Coordinate grids from 1-d tensors: `indexing: "ij"` (matrix, PyTorch's default) or `"xy"`
 * (Cartesian: the first two output dims swap). Outputs are expanded views.
 */
export function meshgrid(...args: (Tensor | readonly Tensor[] | { indexing?: "ij" | "xy" })[]): Tensor[] {
  let indexing: "ij" | "xy" = "ij";
  const tensors: Tensor[] = [];
  for (const a of args) {
    if (a instanceof Tensor) tensors.push(a);
    else if (Array.isArray(a)) tensors.push(...(a as readonly Tensor[]));
    else if (a && typeof a === "object") indexing = (a as { indexing?: "ij" | "xy" }).indexing ?? "ij";
  }
  if (indexing !== "ij" && indexing !== "xy") throw new TypeError(`meshgrid: indexing must be "ij" or "xy", got "${String(indexing)}"`);
  if (tensors.length === 0) throw new ShapeError("meshgrid: expected at least one tensor");
  for (const t of tensors) {
    sameDevice("meshgrid", tensors[0]!, t);
    if (t.ndim > 1) throw new ShapeError(`meshgrid: expected 0-d or 1-d tensors, got shape ${formatShape(t.shape)}`);
  }
  const swap = indexing === "xy" && tensors.length >= 2;
  const shape = tensors.map((t) => t.numel());
  return scope(() => {
    const grids = tensors.map((t, i) => M.expand(M.reshape(t, shape.map((s, j) => (j === i ? s : 1))), shape));
    return swap ? grids.map((g) => M.transpose(g, 0, 1)) : grids;
  });
}

function scaledProduct(op: string, input: Tensor, product: () => Tensor, beta: number, alpha: number): Tensor {
  return scope(() => {
    const p = product();
    const scaled = alpha === 1 ? p : E.binary("mul", p, alpha);
    if (beta === 0) {
      // PyTorch ignores `input` (even NaN/inf) when beta is 0, but it still broadcasts.
      const dtype = resultType(input, scaled);
      const base = M.expand(scalarTensor(0, dtype, input.device), scaled.shape);
      return E.add(base, scaled);
    }
    let out: Tensor;
    try {
      out = E.add(beta === 1 ? input : E.binary("mul", input, beta), scaled);
    } catch (err) {
      if (err instanceof ShapeError) {
        throw new ShapeError(`${op}: input of shape ${formatShape(input.shape)} does not broadcast to the product's shape ${formatShape(scaled.shape)}`);
      }
      throw err;
    }
    if (!shapeEquals(out.shape, scaled.shape)) {
      throw new ShapeError(`${op}: input of shape ${formatShape(input.shape)} does not broadcast to the product's shape ${formatShape(scaled.shape)}`);
    }
    return out;
  });
}

function shapeEquals(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

/** `beta * input + alpha * (mat1 @ mat2)` for 2-d mat1, mat2. */
export function addmm(input: Tensor, mat1: Tensor, mat2: Tensor, options: { beta?: number; alpha?: number } = {}): Tensor {
  if (mat1.ndim !== 2 || mat2.ndim !== 2) {
    throw new ShapeError(`addmm: expected 2-d mat1 and mat2, got ${formatShape(mat1.shape)} and ${formatShape(mat2.shape)}`);
  }
  return scaledProduct("addmm", input, () => L.mm(mat1, mat2), options.beta ?? 1, options.alpha ?? 1);
}

/** `beta * input + alpha * (batch1 @ batch2)` for 3-d batches. */
export function baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, options: { beta?: number; alpha?: number } = {}): Tensor {
  if (batch1.ndim !== 3 || batch2.ndim !== 3) {
    throw new ShapeError(`baddbmm: expected 3-d batch1 and batch2, got ${formatShape(batch1.shape)} and ${formatShape(batch2.shape)}`);
  }
  return scaledProduct("baddbmm", input, () => L.bmm(batch1, batch2), options.beta ?? 1, options.alpha ?? 1);
}

/** Kronecker product: block (i…) of the result is `a[i…] * b`. */
export function kron(a: Tensor, b: Tensor): Tensor {
  sameDevice("kron", a, b);
  const nd = Math.max(a.ndim, b.ndim);
  const as = [...new Array<number>(nd - a.ndim).fill(1), ...a.shape];
  const bs = [...new Array<number>(nd - b.ndim).fill(1), ...b.shape];
  return scope(() => {
    const ar = M.reshape(a, as.flatMap((s) => [s, 1]));
    const br = M.reshape(b, bs.flatMap((s) => [1, s]));
    return M.reshape(E.binary("mul", ar, br), as.map((s, i) => s * bs[i]!));
  });
}

// ---- data-dependent helpers (read values synchronously) ----------------------------------------

function hostNumbers(op: string, x: Tensor): number[] {
  x._check(op);
  return Array.from(x.dataSync() as ArrayLike<number | bigint | boolean>, Number);
}

export interface UniqueOptions {
  /** Sort the unique values ascending (always done; kept for PyTorch parity). */
  sorted?: boolean;
  returnInverse?: boolean;
  returnCounts?: boolean;
  /** Unique slices along this dim instead of unique elements. */
  dim?: number | null;
}

/**
 * Unique elements (or slices along `dim`), sorted ascending, like `torch.unique`. Returns
 * `{ values, inverse?, counts? }`. Not differentiable. Reads the values synchronously.
 */
export function unique(x: Tensor, options: UniqueOptions = {}): { values: Tensor; inverse?: Tensor; counts?: Tensor } {
  sameDevice("unique", x);
  const dimOpt = options.dim ?? null;
  return withoutRecording(() =>
    scope(() => {
      const d = dimOpt === null ? null : normalizeDim("unique", dimOpt, Math.max(x.ndim, 1));
      const source = d === null ? M.reshape(x, [-1]) : x.ndim === 0 ? M.reshape(x, [1]) : M.movedim(x, d, 0);
      const rows = source.shape[0]!;
      const width = rows === 0 ? 0 : source.numel() / rows;
      const flat = source.dtype === "bool" ? cast(source, "int64") : source;
      const data = hostNumbers("unique", flat.contiguous());
      const keyOf = (r: number): number[] => data.slice(r * width, (r + 1) * width);
      const compare = (p: number[], q: number[]): number => {
        for (let i = 0; i < p.length; i++) {
          const a = p[i]!;
          const b = q[i]!;
          if (a !== b) {
            if (Number.isNaN(a)) return 1;
            if (Number.isNaN(b)) return -1;
            return a < b ? -1 : 1;
          }
        }
        return 0;
      };
      const order = Array.from({ length: rows }, (_, i) => i).sort((p, q) => compare(keyOf(p), keyOf(q)) || p - q);
      const firstRows: number[] = [];
      const counts: number[] = [];
      const inverse = new Array<number>(rows);
      for (const r of order) {
        const last = firstRows[firstRows.length - 1];
        // NaN rows stay distinct (NaN ≠ NaN), as in PyTorch.
        if (last !== undefined && compare(keyOf(last), keyOf(r)) === 0 && !keyOf(r).some(Number.isNaN)) counts[counts.length - 1]!++;
        else {
          firstRows.push(r);
          counts.push(1);
        }
        inverse[r] = firstRows.length - 1;
      }
      const picked = indexSelect(source, 0, int64Vector(firstRows, x.device));
      const values = d === null || x.ndim === 0 ? picked : M.movedim(picked, 0, d);
      const result: { values: Tensor; inverse?: Tensor; counts?: Tensor } = { values: values.contiguous() };
      if (options.returnInverse) {
        const inv = int64Vector(inverse, x.device);
        result.inverse = d === null ? M.reshape(inv, x.shape) : inv;
      }
      if (options.returnCounts) result.counts = int64Vector(counts, x.device);
      return result;
    }),
  );
}

/**
 * Counts of each non-negative integer in a 1-d tensor (`weights` sums weights instead), with at
 * least `minlength` bins, like `torch.bincount`.
 */
export function bincount(x: Tensor, weights: Tensor | null = null, minlength = 0): Tensor {
  sameDevice("bincount", x, weights);
  requireInteger("bincount", x);
  if (x.ndim !== 1) throw new ShapeError(`bincount: input must be 1-d, got shape ${formatShape(x.shape)}`);
  if (weights && !shapeEquals(weights.shape, x.shape)) {
    throw new ShapeError(`bincount: weights of shape ${formatShape(weights.shape)} must match the input's shape ${formatShape(x.shape)}`);
  }
  if (!Number.isInteger(minlength) || minlength < 0) throw new RangeError(`bincount: minlength must be a non-negative integer, got ${minlength}`);
  const values = hostNumbers("bincount", x.contiguous());
  let max = -1;
  for (const v of values) {
    if (v < 0) throw new RangeError(`bincount: input must be non-negative, got ${v}`);
    if (v > max) max = v;
  }
  const bins = Math.max(minlength, max + 1);
  return scope(() => {
    const dtype: DType = weights ? (isFloatingPoint(weights.dtype) ? (weights.dtype === "float32" ? "float32" : "float64") : "float64") : "int64";
    const onehot = E.binary("eq", M.reshape(positions(bins, x.device), [bins, 1]), M.reshape(cast(x, "int64"), [1, -1])); // [bins, n]
    const w = weights ? cast(weights, dtype) : scalarTensor(1, dtype, x.device);
    const terms = E.where(onehot, M.reshape(w, weights ? [1, -1] : []), scalarTensor(0, dtype, x.device));
    const out = R.sum(terms, 1);
    return out.dtype === dtype ? out : cast(out, dtype);
  });
}

/**
 * Insertion indices of `values` into the last dim of `sortedSequence` that keep it sorted: the
 * first position (`right: false`) or the position after equal elements (`right: true`).
 */
export function searchsorted(sortedSequence: Tensor, values: Tensor | number, options: { right?: boolean; outInt32?: boolean } = {}): Tensor {
  const v = values instanceof Tensor ? values : scalarTensor(values, sortedSequence.dtype, sortedSequence.device);
  sameDevice("searchsorted", sortedSequence, v);
  if (sortedSequence.ndim === 0) throw new ShapeError("searchsorted: sortedSequence must have at least 1 dim, got shape []");
  if (sortedSequence.ndim > 1) {
    if (v.ndim !== sortedSequence.ndim || !shapeEquals(v.shape.slice(0, -1), sortedSequence.shape.slice(0, -1))) {
      throw new ShapeError(
        `searchsorted: leading dims of sortedSequence ${formatShape(sortedSequence.shape)} and values ${formatShape(v.shape)} must match`,
      );
    }
  }
  return withoutRecording(() =>
    scope(() => {
      const seq = M.unsqueeze(sortedSequence, -2); // [..., 1, n]
      const vals = M.unsqueeze(v, -1); // [..., m, 1]
      const before = E.binary(options.right ? "le" : "lt", seq, vals);
      const out = M.reshape(R.sum(before, -1), v.shape);
      return options.outInt32 ? cast(out, "int32") : out;
    }),
  );
}
