/**
 * `torch.linalg`: vector and matrix norms, LU with partial pivoting (solve, inv, det, slogdet),
 * Cholesky and triangular solves, Householder QR, the symmetric eigendecomposition (Jacobi) and the
 * SVD (one-sided Jacobi) with the norms, rank and pseudo-inverse built on it. Every function is composed from existing ops (views, where,
 * gather, sum, amax, mul/sub/div…): an n×n factorization is n steps of recorded elementwise and
 * outer-product updates, so every backend runs it and autograd differentiates the recorded
 * elimination with the rules those ops already have. Pivot choice (argmax of |column|) is made
 * without recording, as it is piecewise constant.
 */
import { DTypeError, LinAlgError, ShapeError } from "../errors.js";
import { broadcastShapes, formatShape, normalizeDims } from "../shape.js";
import { Tensor, emptyTensor, sameDevice } from "../tensor.js";
import { scope } from "../memory.js";
import { withoutRecording } from "./no-record.js";
import { cast } from "./convert.js";
import * as E from "./elementwise.js";
import * as M from "./movement.js";
import * as R from "./reduce.js";
import { gather, sort } from "./indexing.js";
import * as L from "./linalg.js";

// ---- helpers ------------------------------------------------------------------------------------

/** int64 [0, 1, …, n-1] on a device. */
function positions(n: number, device: string): Tensor {
  const out = emptyTensor([n], "int64", device);
  if (n > 0) out.backend.write(out.buffer, "int64", BigInt64Array.from({ length: n }, (_, i) => BigInt(i)), 0);
  return out;
}

function requireFloat(op: string, x: Tensor, what = "input"): void {
  if (x.dtype !== "float32" && x.dtype !== "float64") {
    throw new DTypeError(`${op}: expected ${what} to be float32 or float64, got ${x.dtype} (shape ${formatShape(x.shape)})`);
  }
}

function requireSquare(op: string, A: Tensor, what = "A"): number {
  if (A.ndim < 2) throw new ShapeError(`${op}: ${what} must have at least 2 dims, got shape ${formatShape(A.shape)}`);
  const n = A.shape[A.ndim - 1]!;
  if (A.shape[A.ndim - 2] !== n) {
    throw new ShapeError(`${op}: ${what} must be batches of square matrices, got shape ${formatShape(A.shape)}`);
  }
  return n;
}

/** The checks of every square-matrix function: one device, a float dtype, square trailing dims. */
function checkSquareFloat(op: string, A: Tensor): void {
  sameDevice(op, A);
  requireFloat(op, A);
  requireSquare(op, A);
}

function sameDType(op: string, A: Tensor, B: Tensor): void {
  if (A.dtype !== B.dtype) {
    throw new DTypeError(`${op}: expected A and B to have the same dtype, got ${A.dtype} ${formatShape(A.shape)} and ${B.dtype} ${formatShape(B.shape)}`);
  }
}

/** The matrix transpose of the last two dims (a view). */
function mT(x: Tensor): Tensor {
  return M.transpose(x, -2, -1);
}

/** Reshapes [...batch, r, c] to [prod(batch), r, c]. */
function flat3(x: Tensor): Tensor {
  const r = x.shape[x.ndim - 2]!;
  const c = x.shape[x.ndim - 1]!;
  const batch = x.shape.slice(0, -2).reduce((a, d) => a * d, 1);
  return M.reshape(x, [batch, r, c]);
}

/** Broadcasts the batch dims of two matrix stacks; returns both as 3-d and the common batch shape. */
function broadcastBatch(op: string, A: Tensor, B: Tensor): { a: Tensor; b: Tensor; batch: number[] } {
  let batch: number[];
  try {
    batch = broadcastShapes(op, A.shape.slice(0, -2), B.shape.slice(0, -2));
  } catch {
    throw new ShapeError(`${op}: the batch dims of A ${formatShape(A.shape)} and B ${formatShape(B.shape)} do not broadcast`);
  }
  const ea = M.expand(A, [...batch, ...A.shape.slice(-2)]);
  const eb = M.expand(B, [...batch, ...B.shape.slice(-2)]);
  return { a: flat3(ea), b: flat3(eb), batch };
}

/** Reads a small tensor synchronously when the backend can; null when it cannot. */
function hostValues(x: Tensor): number[] | null {
  if (!x.backend.readSync) return null;
  return withoutRecording(() => Array.from(x.contiguous().dataSync() as ArrayLike<number>, Number));
}

// ---- LU with partial pivoting -------------------------------------------------------------------

interface LuParts {
  /** [B, n, n]: unit-lower L below the diagonal, U on and above it (LAPACK's compact form). */
  lu: Tensor;
  /** int64 [B, n]: row i of P·A is row perm[i] of A. */
  perm: Tensor;
  /** int64 [B, n]: the 0-based row swapped with row k at step k. */
  pivots: Tensor;
}

/** Gaussian elimination with partial pivoting on [B, n, n], as n steps of recorded ops. */
function luCore(A: Tensor): LuParts {
  const b = A.shape[0]!;
  const n = A.shape[1]!;
  if (n === 0) {
    const none = M.expand(M.reshape(positions(0, A.device), [1, 0]), [b, 0]);
    return { lu: A, perm: none, pivots: none };
  }
  const idx = M.reshape(positions(n, A.device), [1, n]);
  const rows = M.reshape(idx, [1, n, 1]);
  const cols = M.reshape(idx, [1, 1, n]);
  let W = A;
  let perm: Tensor = M.expand(idx, [b, n]);
  const pivots: Tensor[] = [];
  for (let k = 0; k < n; k++) {
    // Pivot: the first row at or below k with the largest |W[i, k]| (not differentiated).
    const piv = withoutRecording(() => {
      const column = E.unary("abs", M.slice(M.select(W, 2, k), 1, k));
      return E.add(R.argReduce("argmax", column, 1, true), k); // [B, 1]
    });
    pivots.push(piv);
    const swap = E.where(E.binary("eq", idx, k), piv, E.where(E.binary("eq", idx, piv), k, idx)); // [B, n]
    perm = gather(perm, 1, swap);
    W = gather(W, 1, M.expand(M.unsqueeze(swap, 2), [b, n, n]));
    if (k === n - 1) break;
    const pivot = M.reshape(M.select(M.select(W, 1, k), 1, k), [b, 1]);
    // A zero pivot means the whole column is zero from k down: skip the division (as LAPACK does).
    const safe = E.where(E.binary("eq", pivot, 0), 1, pivot);
    const below = E.binary("gt", idx, k);
    const l = E.where(below, E.div(M.select(W, 2, k), safe), 0); // multipliers, [B, n]
    const u = E.where(below, M.select(W, 1, k), 0); // row k right of the diagonal, [B, n]
    W = E.sub(W, E.binary("mul", M.unsqueeze(l, 2), M.unsqueeze(u, 1)));
    W = E.where(E.binary("and", E.binary("gt", rows, k), E.binary("eq", cols, k)), M.unsqueeze(l, 2), W);
  }
  return { lu: W, perm, pivots: M.cat(pivots, 1) };
}

/** Throws when a U diagonal entry is exactly zero (backends with synchronous reads only). */
function checkSingular(op: string, lu: Tensor): void {
  const n = lu.shape[lu.ndim - 1]!;
  const values = hostValues(M.diagonal(lu, 0, -2, -1));
  if (!values) return;
  const at = values.findIndex((v) => v === 0);
  if (at >= 0) {
    const batch = Math.floor(at / n);
    const i = at % n;
    throw new LinAlgError(
      `${op}: (batch element ${batch}) the input matrix is singular: U[${i}, ${i}] is zero in its LU factorization with partial pivoting`,
    );
  }
}

/** (-1)^(number of row swaps), [B], in `dtype`. */
function permutationSign(pivots: Tensor, dtype: "float32" | "float64"): Tensor {
  const n = pivots.shape[1]!;
  const swapped = E.binary("ne", pivots, M.reshape(positions(n, pivots.device), [1, n]));
  const count = R.sum(swapped, 1);
  const parity = E.binary("mod", count, 2);
  return cast(E.sub(1, E.binary("mul", parity, 2)), dtype);
}

// ---- triangular solves --------------------------------------------------------------------------

/** Solves T X = B for [B, n, n] triangular T and [B, n, m] B by substitution, one row per step. */
function triangularCore(T: Tensor, B: Tensor, upper: boolean, unit: boolean): Tensor {
  const b = T.shape[0]!;
  const n = T.shape[1]!;
  if (n === 0) return B;
  const idx = M.reshape(positions(n, T.device), [1, n]);
  const xs: Tensor[] = new Array<Tensor>(n);
  let rhs = B;
  for (let s = 0; s < n; s++) {
    const k = upper ? n - 1 - s : s;
    let xk = M.select(rhs, 1, k); // [B, m]
    if (!unit) xk = E.div(xk, M.reshape(M.select(M.select(T, 1, k), 1, k), [b, 1]));
    xs[k] = xk;
    if (s === n - 1) break;
    const remaining = E.binary(upper ? "lt" : "gt", idx, k);
    const column = E.where(remaining, M.select(T, 2, k), 0); // [B, n]
    rhs = E.sub(rhs, E.binary("mul", M.unsqueeze(column, 2), M.unsqueeze(xk, 1)));
  }
  return M.stack(xs, 1);
}

function solveWithLu(parts: LuParts, B: Tensor): Tensor {
  const [b, n, m] = B.shape as [number, number, number];
  const PB = gather(B, 1, M.expand(M.unsqueeze(parts.perm, 2), [b, n, m]));
  const Y = triangularCore(parts.lu, PB, false, true);
  return triangularCore(parts.lu, Y, true, false);
}

// ---- QR (Householder) ---------------------------------------------------------------------------

/** ±1 with sign(0) = +1 (Fortran's SIGN), not differentiated. */
function signOf(x: Tensor): Tensor {
  return withoutRecording(() => E.sub(E.binary("mul", cast(E.binary("ge", x, 0), x.dtype), 2), 1));
}

/** The identity's first `cols` columns, [1, m, cols], in `dtype`. */
function eyeColumns(m: number, cols: number, dtype: "float32" | "float64", device: string): Tensor {
  const rows = M.reshape(positions(m, device), [1, m, 1]);
  const columns = M.reshape(positions(cols, device), [1, 1, cols]);
  return cast(E.binary("eq", rows, columns), dtype);
}

/**
 * Householder QR of [B, m, n] as min(m, n) steps of recorded ops, with LAPACK's geqrf convention:
 * at step k the reflector `H = I − τ v vᵀ` has v[k] = 1, zeros above k, and maps column k to
 * β e_k with β = −sign(x_k)·‖x‖, τ = (β − x_k)/β; a column already zero below the diagonal gives
 * τ = 0 (H = I). Returns R (upper trapezoidal, [B, m, n]) and the reflectors.
 */
function householderCore(A: Tensor): { R: Tensor; vs: Tensor[]; taus: Tensor[] } {
  const b = A.shape[0]!;
  const m = A.shape[1]!;
  const n = A.shape[2]!;
  const idx = M.reshape(positions(m, A.device), [1, m]);
  const rows = M.reshape(idx, [1, m, 1]);
  const cols = M.reshape(positions(n, A.device), [1, 1, n]);
  let W = A;
  const vs: Tensor[] = [];
  const taus: Tensor[] = [];
  const steps = Math.min(m - 1, n);
  for (let k = 0; k < steps; k++) {
    const column = M.select(W, 2, k); // [B, m]
    const below = E.binary("gt", idx, k);
    const tail = E.where(below, column, 0);
    const alpha = M.reshape(M.select(column, 1, k), [b, 1]);
    const sigma2 = R.sum(E.binary("mul", tail, tail), 1, true); // [B, 1]
    // A zero tail means nothing to annihilate: τ = 0 (the safe values keep the gradients finite).
    const reflect = E.binary("gt", sigma2, 0);
    const norm = E.unary("sqrt", E.add(E.binary("mul", alpha, alpha), E.where(reflect, sigma2, 1)));
    const beta = E.where(reflect, E.binary("mul", E.sub(0, signOf(alpha)), norm), alpha);
    const safeBeta = E.where(reflect, beta, 1);
    const tau = E.where(reflect, E.div(E.sub(beta, alpha), safeBeta), 0);
    const scale = E.where(reflect, E.sub(alpha, beta), 1);
    const v = E.where(E.binary("eq", idx, k), 1, E.div(tail, scale)); // [B, m]
    vs.push(v);
    taus.push(tau);
    // W ← H W on the columns right of k; column k becomes β e_k (rows above k untouched).
    const w = R.sum(E.binary("mul", M.unsqueeze(v, 2), W), 1); // vᵀ W, [B, n]
    const updated = E.sub(W, E.binary("mul", E.binary("mul", M.unsqueeze(tau, 2), M.unsqueeze(v, 2)), M.unsqueeze(w, 1)));
    const columnK = E.where(E.binary("eq", rows, k), M.unsqueeze(beta, 2), E.where(E.binary("gt", rows, k), 0, W));
    W = E.where(E.binary("eq", cols, k), columnK, E.where(E.binary("gt", cols, k), updated, W));
  }
  return { R: E.where(E.binary("le", rows, cols), W, 0), vs, taus };
}

// ---- symmetric eigendecomposition (cyclic Jacobi) -----------------------------------------------

/** Machine epsilon of a float dtype. */
function epsilonOf(dtype: string): number {
  return dtype === "float32" ? 1.1920928955078125e-7 : 2.220446049250313e-16;
}


/** Sweeps of the Jacobi methods when convergence cannot be read back (they stop earlier when it can). */
function jacobiSweeps(n: number): number {
  return 10 + 2 * Math.ceil(Math.log2(n));
}

/**
 * The rotation (c, s) that zeroes the off-diagonal entry `offDiagonal` of the 2×2 symmetric block
 * whose diagonal difference (q minus p) is `difference`: t = 2·a·sign(d) / (|d| + √(d² + 4a²)),
 * written so that its gradient stays finite where a = d = 0 (no rotation there).
 */
function jacobiRotation(offDiagonal: Tensor, difference: Tensor): { c: Tensor; s: Tensor } {
  const d = difference;
  const r2 = E.add(E.binary("mul", d, d), E.binary("mul", E.binary("mul", offDiagonal, offDiagonal), 4));
  const rotate = E.binary("gt", r2, 0);
  const denominator = E.add(E.unary("abs", d), E.unary("sqrt", E.where(rotate, r2, 1)));
  const t = E.where(rotate, E.div(E.binary("mul", E.binary("mul", offDiagonal, 2), signOf(d)), denominator), 0);
  const c = E.div(1, E.unary("sqrt", E.add(E.binary("mul", t, t), 1)));
  return { c, s: E.binary("mul", t, c) };
}

/**
 * Slices p and q of X along `axis` (1: rows, 2: columns) rotated: p ← c·p − s·q, q ← s·p + c·q.
 * `index` holds the positions along that axis, shaped to broadcast against X.
 */
function rotatePair(X: Tensor, axis: 1 | 2, index: Tensor, p: number, q: number, c: Tensor, s: Tensor): Tensor {
  const xp = M.select(X, axis, p);
  const xq = M.select(X, axis, q);
  const np = E.sub(E.binary("mul", c, xp), E.binary("mul", s, xq));
  const nq = E.add(E.binary("mul", s, xp), E.binary("mul", c, xq));
  return E.where(E.binary("eq", index, p), M.unsqueeze(np, axis), E.where(E.binary("eq", index, q), M.unsqueeze(nq, axis), X));
}

/**
 * Cyclic Jacobi on symmetric [B, n, n]: each rotation (p, q) is a batch of recorded row and
 * column updates with angle from the current entries, `t = 2·sgn(d)·a_pq / (|d| + √(d² + 4a_pq²))`
 * (d = a_qq − a_pp; smooth in a_pq, so the derivative of a nearly converged rotation is kept).
 * Sweeps stop once the off-diagonal norm is below n·ε·‖A‖ (checked by a synchronous read when the
 * backend has one) or after 10 + 2·⌈log2 n⌉ sweeps. Returns the unsorted diagonal and V.
 */
function jacobiCore(A: Tensor): { w: Tensor; V: Tensor } {
  const b = A.shape[0]!;
  const n = A.shape[1]!;
  const dtype = A.dtype as "float32" | "float64";
  let V = M.expand(eyeColumns(n, n, dtype, A.device), [b, n, n]);
  if (n <= 1) return { w: M.reshape(M.diagonal(A, 0, -2, -1), [b, n]), V };
  const idx = M.reshape(positions(n, A.device), [1, n]);
  const rows = M.reshape(idx, [1, n, 1]);
  const offDiagonal = E.binary("ne", rows, M.reshape(idx, [1, 1, n]));
  const tolerance = withoutRecording(() => {
    const scale = hostValues(R.amax(E.unary("sqrt", R.sum(E.binary("mul", A, A), [1, 2])), 0));
    return scale ? n * epsilonOf(dtype) * scale[0]! : null;
  });
  const rotateRows = (X: Tensor, p: number, q: number, c: Tensor, s: Tensor): Tensor => rotatePair(X, 1, rows, p, q, c, s);
  const maxSweeps = jacobiSweeps(n);
  let W = A;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    if (tolerance !== null) {
      const off = hostValues(R.amax(E.unary("sqrt", R.sum(E.where(offDiagonal, E.binary("mul", W, W), 0), [1, 2])), 0));
      if (off && off[0]! <= tolerance) break;
    }
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = M.reshape(M.select(M.select(W, 1, p), 1, q), [b, 1]);
        const d = E.sub(M.reshape(M.select(M.select(W, 1, q), 1, q), [b, 1]), M.reshape(M.select(M.select(W, 1, p), 1, p), [b, 1]));
        const { c, s } = jacobiRotation(apq, d);
        // W ← Jᵀ W J with J the rotation in the (p, q) plane; V ← V J.
        W = mT(rotateRows(mT(rotateRows(W, p, q, c, s)), p, q, c, s));
        V = mT(rotateRows(mT(V), p, q, c, s));
      }
    }
  }
  return { w: M.diagonal(W, 0, -2, -1), V };
}

/** Symmetric [B, n, n] from the triangle named by `uplo` (the other one is not read). */
function symmetrize(A: Tensor, uplo: "L" | "U"): Tensor {
  const n = A.shape[A.ndim - 1]!;
  const idx = positions(n, A.device);
  const rows = M.reshape(idx, [1, n, 1]);
  const cols = M.reshape(idx, [1, 1, n]);
  const keep = E.binary(uplo === "L" ? "ge" : "le", rows, cols);
  return E.where(keep, A, mT(A));
}

function checkUplo(op: string, uplo: unknown): "L" | "U" {
  if (uplo !== "L" && uplo !== "U") throw new RangeError(`${op}: UPLO must be "L" or "U", got ${JSON.stringify(uplo)}`);
  return uplo;
}

/** Eigenvalues ascending and matching eigenvector columns, each column's largest-|·| entry positive. */
function eighCore(A: Tensor, uplo: "L" | "U", vectors: boolean): { eigenvalues: Tensor; eigenvectors: Tensor | null } {
  const n = A.shape[A.ndim - 1]!;
  const batch = A.shape.slice(0, -2);
  const { w, V } = jacobiCore(symmetrize(flat3(A), uplo));
  const b = w.shape[0]!;
  const order = withoutRecording(() => sort(w, 1).indices); // [B, n]
  const eigenvalues = M.reshape(gather(w, 1, order), [...batch, n]);
  if (!vectors) return { eigenvalues, eigenvectors: null };
  let U = gather(V, 2, M.expand(M.unsqueeze(order, 1), [b, n, n]));
  if (n > 0) {
    const sign = withoutRecording(() => {
      const largest = R.argReduce("argmax", E.unary("abs", U), 1, true); // [B, 1, n]
      return signOf(gather(U, 1, largest));
    });
    U = E.binary("mul", U, sign);
  }
  return { eigenvalues, eigenvectors: M.reshape(U, [...batch, n, n]) };
}

// ---- singular value decomposition (one-sided Jacobi) --------------------------------------------

/**
 * One-sided (Hestenes) Jacobi on tall [B, m, n] (m ≥ n): rotates pairs of columns of G = A until
 * they are mutually orthogonal, accumulating the rotations in V, so that G = A V = U diag(S) with
 * S the column norms. Each rotation (p, q) is the symmetric Jacobi rotation of the 2×2 Gram block
 * [[‖g_p‖², g_p·g_q], [g_p·g_q, ‖g_q‖²]], with the same smooth angle formula as {@link jacobiCore}.
 * Sweeps stop once every |g_p·g_q| ≤ n·ε·‖g_p‖‖g_q‖ (checked by a synchronous read when the
 * backend has one) or after 10 + 2·⌈log2 n⌉ sweeps. Returns G and V (columns unsorted).
 */
function oneSidedJacobi(A: Tensor): { G: Tensor; V: Tensor } {
  const b = A.shape[0]!;
  const n = A.shape[2]!;
  const dtype = A.dtype as "float32" | "float64";
  let V = M.expand(eyeColumns(n, n, dtype, A.device), [b, n, n]);
  let G = A;
  if (n <= 1) return { G, V };
  const idx = M.reshape(positions(n, A.device), [1, n]);
  const columns = M.reshape(idx, [1, 1, n]);
  const offDiagonal = E.binary("ne", M.reshape(idx, [1, n, 1]), columns);
  const tolerance = n * epsilonOf(dtype);
  const rotateColumns = (X: Tensor, p: number, q: number, c: Tensor, s: Tensor): Tensor => rotatePair(X, 2, columns, p, q, c, s);
  const maxSweeps = jacobiSweeps(n);
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    const converged = withoutRecording(() => {
      const gram = R.sum(E.binary("mul", M.unsqueeze(G, 3), M.unsqueeze(G, 2)), 1); // [B, n, n]
      const d = M.diagonal(gram, 0, -2, -1); // [B, n]
      const scale = E.unary("sqrt", E.binary("mul", M.unsqueeze(d, 2), M.unsqueeze(d, 1)));
      const excess = E.sub(E.unary("abs", gram), E.binary("mul", scale, tolerance));
      const worst = hostValues(R.amax(E.where(offDiagonal, excess, -1), [0, 1, 2]));
      return worst !== null && worst[0]! <= 0;
    });
    if (converged) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const gp = M.select(G, 2, p);
        const gq = M.select(G, 2, q);
        const alpha = R.sum(E.binary("mul", gp, gp), 1, true); // [B, 1]
        const beta = R.sum(E.binary("mul", gq, gq), 1, true);
        const gamma = R.sum(E.binary("mul", gp, gq), 1, true);
        const { c, s } = jacobiRotation(gamma, E.sub(beta, alpha)); // [B, 1] each
        G = rotateColumns(G, p, q, c, s);
        V = rotateColumns(V, p, q, c, s);
      }
    }
  }
  return { G, V };
}

/**
 * SVD of [B, m, n] with m ≥ n: S [B, n] descending, V [B, n, n] (each column's largest-|·| entry
 * positive) and, when `vectors`, U [B, m, n] (or [B, m, m] when `full`). A column of U whose
 * singular value is ≤ m·ε·σ_max is replaced by an orthonormal completion (not differentiated), as
 * are the extra columns of the full U.
 */
function svdTall(A: Tensor, vectors: boolean, full: boolean): { U: Tensor | null; S: Tensor; V: Tensor } {
  const b = A.shape[0]!;
  const m = A.shape[1]!;
  const n = A.shape[2]!;
  const dtype = A.dtype as "float32" | "float64";
  const { G, V: Vraw } = oneSidedJacobi(A);
  const norms = E.unary("sqrt", R.sum(E.binary("mul", G, G), 1)); // [B, n]
  const order = withoutRecording(() => sort(norms, 1, true).indices); // [B, n]
  const S = gather(norms, 1, order);
  if (!vectors) return { U: null, S, V: Vraw };
  const columnOrder = M.expand(M.unsqueeze(order, 1), [b, n, n]);
  let V = gather(Vraw, 2, columnOrder);
  let W = gather(G, 2, M.expand(M.unsqueeze(order, 1), [b, m, n]));
  if (n > 0) {
    const sign = withoutRecording(() => signOf(gather(V, 1, R.argReduce("argmax", E.unary("abs", V), 1, true)))); // [B, 1, n]
    V = E.binary("mul", V, sign);
    W = E.binary("mul", W, sign);
  }
  const cols = full ? m : n;
  if (cols === 0 || n === 0) return { U: M.expand(eyeColumns(m, cols, dtype, A.device), [b, m, cols]), S, V };
  // Columns with a (numerically) zero singular value, and the extra columns of a full U, come
  // from the complete QR of [U | I]: its Q spans the given columns first, then their complement.
  const kept = withoutRecording(() => E.binary("gt", S, E.binary("mul", R.amax(S, 1, true), Math.max(m, n) * epsilonOf(dtype)))); // [B, n]
  const safe = E.where(kept, S, 1);
  const Un = E.where(M.unsqueeze(kept, 1), E.div(W, M.unsqueeze(safe, 1)), 0); // [B, m, n]
  const needsCompletion = full && m > n ? true : withoutRecording(() => {
    const all = hostValues(R.amin(cast(kept, dtype), [0, 1]));
    return all === null || all[0]! < 1;
  });
  if (!needsCompletion) return { U: Un, S, V };
  const Q = withoutRecording(() => {
    const stacked = M.cat([Un, M.expand(eyeColumns(m, m, dtype, A.device), [b, m, m])], 2);
    return M.slice(qr(stacked, { mode: "complete" }).Q, 2, 0, cols);
  });
  const padded = cols > n ? M.cat([Un, M.slice(Q, 2, n, cols)], 2) : Un;
  const keptCols = cols > n ? M.cat([kept, M.expand(E.binary("ne", M.reshape(positions(cols - n, A.device), [1, cols - n]), M.reshape(positions(cols - n, A.device), [1, cols - n])), [b, cols - n])], 1) : kept; // extra columns: all false
  return { U: E.where(M.unsqueeze(keptCols, 1), padded, Q), S, V };
}

/** SVD of [..., m, n]: U [..., m, k or m], S [..., k], Vh [..., k or n, n], k = min(m, n). */
function svdCore(A: Tensor, vectors: boolean, full: boolean): { U: Tensor | null; S: Tensor; Vh: Tensor | null } {
  const m = A.shape[A.ndim - 2]!;
  const n = A.shape[A.ndim - 1]!;
  const k = Math.min(m, n);
  const batch = A.shape.slice(0, -2);
  const wide = m < n;
  const a = flat3(wide ? mT(A) : A);
  const { U, S, V } = svdTall(a, vectors, full);
  const values = M.reshape(S, [...batch, k]);
  if (!vectors) return { U: null, S: values, Vh: null };
  // A = U S Vᵀ; for a wide A, Aᵀ = U' S V'ᵀ gives U = V' and Vh = U'ᵀ.
  const left = wide ? V : U!;
  const right = wide ? U! : V;
  return {
    U: M.reshape(left, [...batch, m, left.shape[2]!]),
    S: values,
    Vh: M.reshape(mT(right), [...batch, right.shape[2]!, n]),
  };
}

// ---- public API ---------------------------------------------------------------------------------

/**
 * Vector norm over `dim` (all elements when null), like `torch.linalg.vector_norm`:
 * `ord` = p gives (Σ|x|^p)^(1/p) for any real p; `Infinity` / `-Infinity` the largest / smallest
 * |x|; 0 the number of non-zero elements.
 */
export function vectorNorm(x: Tensor, ord = 2, dim: number | readonly number[] | null = null, keepdim = false): Tensor {
  const op = "linalg.vectorNorm";
  sameDevice(op, x);
  requireFloat(op, x);
  if (typeof ord !== "number" || Number.isNaN(ord)) throw new TypeError(`${op}: ord must be a number, got ${String(ord)}`);
  const dims = dim === null ? null : normalizeDims(op, dim, x.ndim);
  return scope(() => {
    if (ord === 0) return cast(R.sum(E.binary("ne", x, 0), dims, keepdim), x.dtype);
    if (ord === 2) return E.unary("sqrt", R.sum(E.binary("mul", x, x), dims, keepdim));
    const magnitude = E.unary("abs", x);
    if (ord === Infinity) return R.amax(magnitude, dims, keepdim);
    if (ord === -Infinity) return R.amin(magnitude, dims, keepdim);
    if (ord === 1) return R.sum(magnitude, dims, keepdim);
    return E.binary("pow", R.sum(E.binary("pow", magnitude, ord), dims, keepdim), 1 / ord);
  });
}

/** Matrix norm orders: `"fro"`, `"nuc"`, ±1, ±2 and ±Infinity. */
export type MatrixNormOrd = "fro" | "nuc" | 1 | -1 | 2 | -2 | number;

/**
 * Matrix norm over the two dims `dim` (the last two by default), like `torch.linalg.matrix_norm`:
 * `"fro"` (Frobenius), 1 / -1 (largest / smallest absolute column sum), `Infinity` / `-Infinity`
 * (largest / smallest absolute row sum), and from the singular values (see {@link svdvals}):
 * `"nuc"` (their sum), 2 / -2 (the largest / smallest).
 */
export function matrixNorm(A: Tensor, ord: MatrixNormOrd | "nuc" = "fro", dim: readonly [number, number] = [-2, -1], keepdim = false): Tensor {
  const op = "linalg.matrixNorm";
  sameDevice(op, A);
  requireFloat(op, A);
  if (A.ndim < 2) throw new ShapeError(`${op}: input must have at least 2 dims, got shape ${formatShape(A.shape)}`);
  if (!Array.isArray(dim) || dim.length !== 2) throw new ShapeError(`${op}: dim must be a pair of dims, got ${JSON.stringify(dim)}`);
  const [d0, d1] = dim.map((d) => normalizeDims(op, d, A.ndim)[0]!) as [number, number];
  if (d0 === d1) throw new ShapeError(`${op}: dim must name two different dims, got ${JSON.stringify(dim)} for shape ${formatShape(A.shape)}`);
  if (ord === "fro") return vectorNorm(A, 2, [d0, d1], keepdim);
  if (ord === "nuc" || ord === 2 || ord === -2) {
    return scope(() => {
      // Singular values of the matrices spanned by (d0, d1): move those dims last, rows first.
      const rest = A.shape.map((_, i) => i).filter((i) => i !== d0 && i !== d1);
      const values = svdCore(M.permute(A, [...rest, d0, d1]), false, false).S; // [...rest, k]
      const out = ord === "nuc" ? R.sum(values, -1) : ord === 2 ? R.amax(values, -1) : R.amin(values, -1);
      if (!keepdim) return out;
      const [lo, hi] = d0 < d1 ? [d0, d1] : [d1, d0];
      return M.unsqueeze(M.unsqueeze(out, lo), hi);
    });
  }
  if (ord !== 1 && ord !== -1 && ord !== Infinity && ord !== -Infinity) {
    throw new RangeError(`${op}: unsupported ord ${String(ord)}; expected "fro", "nuc", 1, -1, 2, -2, Infinity or -Infinity`);
  }
  return scope(() => {
    // ±1: reduce |A| over rows (column sums), then take the extreme over columns; ±inf: the reverse.
    const [first, second] = ord === 1 || ord === -1 ? [d0, d1] : [d1, d0];
    const sums = R.sum(E.unary("abs", A), first, true);
    const out = ord > 0 ? R.amax(sums, second, true) : R.amin(sums, second, true);
    return keepdim ? out : M.squeeze(out, [d0, d1]);
  });
}

/**
 * Vector or matrix norm, dispatching like `torch.linalg.norm`: with no `ord` and no `dim`, the
 * 2-norm of all elements; a string `ord` or a 2-element `dim` (or a 2-d input with an `ord` and no
 * `dim`) gives a matrix norm; otherwise a vector norm.
 */
export function norm(
  A: Tensor,
  ord: number | "fro" | "nuc" | null = null,
  dim: number | readonly number[] | null = null,
  keepdim = false,
): Tensor {
  const op = "linalg.norm";
  requireFloat(op, A);
  if (dim !== null) {
    const dims = typeof dim === "number" ? [dim] : [...dim];
    if (dims.length === 2) return matrixNorm(A, ord ?? "fro", dims as [number, number], keepdim);
    if (dims.length !== 1) throw new ShapeError(`${op}: dim must have 1 or 2 entries, got ${JSON.stringify(dim)}`);
    if (typeof ord === "string") throw new RangeError(`${op}: ord "${ord}" needs a 2-element dim, got ${JSON.stringify(dim)}`);
    return vectorNorm(A, ord ?? 2, dims, keepdim);
  }
  if (ord === null) return vectorNorm(A, 2, null, keepdim);
  if (A.ndim === 2) return matrixNorm(A, ord, [-2, -1], keepdim);
  if (A.ndim === 1 && typeof ord === "number") return vectorNorm(A, ord, null, keepdim);
  throw new ShapeError(`${op}: with ord ${JSON.stringify(ord)} and no dim, the input must be 1-d or 2-d, got shape ${formatShape(A.shape)}`);
}

/**
 * Compact LU factorization with partial pivoting, like `torch.linalg.lu_factor`: `LU` holds the
 * unit-lower L below the diagonal and U on and above it, `pivots` (int32, 1-based, LAPACK
 * convention) says that row k was swapped with row `pivots[k] - 1` at step k. A singular input
 * gives a zero on U's diagonal (no error).
 */
export function luFactor(A: Tensor): { LU: Tensor; pivots: Tensor } {
  const op = "linalg.luFactor";
  sameDevice(op, A);
  requireFloat(op, A);
  const n = requireSquare(op, A);
  const batch = A.shape.slice(0, -2);
  return scope(() => {
    const parts = luCore(flat3(A));
    return {
      LU: M.reshape(parts.lu, [...batch, n, n]),
      pivots: M.reshape(cast(E.add(parts.pivots, 1), "int32"), [...batch, n]),
    };
  });
}

/** LU factorization `A = P L U` with partial pivoting, like `torch.linalg.lu`. */
export function lu(A: Tensor): { P: Tensor; L: Tensor; U: Tensor } {
  const op = "linalg.lu";
  sameDevice(op, A);
  requireFloat(op, A);
  const n = requireSquare(op, A);
  const batch = A.shape.slice(0, -2);
  return scope(() => {
    const parts = luCore(flat3(A));
    const idx = positions(n, A.device);
    const rows = M.reshape(idx, [1, n, 1]);
    const cols = M.reshape(idx, [1, 1, n]);
    const lower = E.binary("gt", rows, cols);
    const eye = E.binary("eq", rows, cols);
    const L = E.add(E.where(lower, parts.lu, 0), cast(eye, A.dtype));
    const U = E.where(E.binary("le", rows, cols), parts.lu, 0);
    // (P·A)[i] = A[perm[i]]; torch's P is the transpose of that row selection.
    const P = cast(E.binary("eq", M.unsqueeze(parts.perm, 1), rows), A.dtype);
    const back = (t: Tensor): Tensor => M.reshape(t, [...batch, n, n]);
    return { P: back(P), L: back(L), U: back(U) };
  });
}

/** Options of {@link solve}. */
export interface SolveOptions {
  /** Solve `A X = B` (true, default) or `X A = B` (false). */
  left?: boolean;
}

/**
 * Solves `A X = B` (or `X A = B` with `left: false`) for square non-singular A, like
 * `torch.linalg.solve`, by LU with partial pivoting. B is a batch of vectors when it is 1-d or has
 * shape `A.shape[:-1]`, otherwise a batch of matrices; batch dims broadcast. A singular A throws a
 * {@link LinAlgError} naming the batch element (on backends with synchronous reads).
 */
export function solve(A: Tensor, B: Tensor, options: SolveOptions = {}): Tensor {
  const op = "linalg.solve";
  sameDevice(op, A, B);
  requireFloat(op, A, "A");
  requireFloat(op, B, "B");
  sameDType(op, A, B);
  const n = requireSquare(op, A);
  const left = options.left ?? true;
  const vectorCase = B.ndim === 1 || (B.ndim === A.ndim - 1 && B.shape.every((s, i) => s === A.shape[i]));
  if (!vectorCase && B.ndim < 2) throw new ShapeError(`${op}: B must have at least 1 dim, got shape ${formatShape(B.shape)}`);
  return scope(() => {
    let Bm = vectorCase ? M.unsqueeze(B, left ? -1 : -2) : B;
    const size = left ? Bm.shape[Bm.ndim - 2] : Bm.shape[Bm.ndim - 1];
    if (size !== n) {
      throw new ShapeError(`${op}: A ${formatShape(A.shape)} and B ${formatShape(B.shape)} do not fit (${left ? "A X = B" : "X A = B"} needs ${n} ${left ? "rows" : "columns"} in B)`);
    }
    let Am = A;
    if (!left) {
      Am = mT(A);
      Bm = mT(Bm);
    }
    const { a, b, batch } = broadcastBatch(op, Am, Bm);
    const parts = luCore(a);
    checkSingular(op, parts.lu);
    let X = M.reshape(solveWithLu(parts, b), [...batch, ...Bm.shape.slice(-2)]);
    if (!left) X = mT(X);
    return vectorCase ? M.squeeze(X, left ? -1 : -2) : X;
  });
}

/**
 * Inverse of square non-singular matrices, like `torch.linalg.inv`. A singular input throws a
 * {@link LinAlgError} naming the batch element (on backends with synchronous reads).
 */
export function inv(A: Tensor): Tensor {
  const op = "linalg.inv";
  sameDevice(op, A);
  requireFloat(op, A);
  const n = requireSquare(op, A);
  const batch = A.shape.slice(0, -2);
  return scope(() => {
    const a = flat3(A);
    const idx = positions(n, A.device);
    const eye = cast(E.binary("eq", M.reshape(idx, [1, n, 1]), M.reshape(idx, [1, 1, n])), A.dtype);
    const parts = luCore(a);
    checkSingular(op, parts.lu);
    return M.reshape(solveWithLu(parts, M.expand(eye, [a.shape[0]!, n, n])), [...batch, n, n]);
  });
}

/** Determinant of square matrices, like `torch.linalg.det` (0 for a singular input). */
export function det(A: Tensor): Tensor {
  const op = "linalg.det";
  checkSquareFloat(op, A);
  const batch = A.shape.slice(0, -2);
  return scope(() => {
    const parts = luCore(flat3(A));
    const diagonal = M.diagonal(parts.lu, 0, -2, -1);
    const value = E.binary("mul", R.prod(diagonal, -1), permutationSign(parts.pivots, A.dtype as "float32" | "float64"));
    return M.reshape(value, batch);
  });
}

/**
 * Sign and log of the absolute value of the determinant, like `torch.linalg.slogdet`:
 * `det = sign · exp(logabsdet)`; a singular input gives sign 0 and logabsdet -Infinity.
 */
export function slogdet(A: Tensor): { sign: Tensor; logabsdet: Tensor } {
  const op = "linalg.slogdet";
  checkSquareFloat(op, A);
  const batch = A.shape.slice(0, -2);
  return scope(() => {
    const parts = luCore(flat3(A));
    const diagonal = M.diagonal(parts.lu, 0, -2, -1);
    const sign = withoutRecording(() =>
      E.binary("mul", R.prod(E.unary("sign", diagonal), -1), permutationSign(parts.pivots, A.dtype as "float32" | "float64")),
    );
    const logabsdet = R.sum(E.unary("log", E.unary("abs", diagonal)), -1);
    return { sign: M.reshape(sign, batch), logabsdet: M.reshape(logabsdet, batch) };
  });
}

/** Options of {@link cholesky}. */
export interface CholeskyOptions {
  /** Return the upper factor U = Lᴴ (A = Uᴴ U) instead of L. */
  upper?: boolean;
}

/**
 * Cholesky factor of symmetric positive-definite matrices, like `torch.linalg.cholesky`:
 * lower L with `A = L Lᵀ` (or upper `U = Lᵀ`). Only the lower triangle of A is read. A
 * non-positive-definite input throws a {@link LinAlgError} naming the batch element and the
 * leading minor that fails (on backends with synchronous reads; otherwise the result holds NaN).
 */
export function cholesky(A: Tensor, options: CholeskyOptions = {}): Tensor {
  const op = "linalg.cholesky";
  sameDevice(op, A);
  requireFloat(op, A);
  const n = requireSquare(op, A);
  const batch = A.shape.slice(0, -2);
  return scope(() => {
    let W = flat3(A);
    const b = W.shape[0]!;
    const idx = M.reshape(positions(n, A.device), [1, n]);
    const columns: Tensor[] = [];
    const pivots: Tensor[] = [];
    for (let k = 0; k < n; k++) {
      const d2 = M.reshape(M.select(M.select(W, 1, k), 1, k), [b, 1]);
      pivots.push(d2);
      const d = E.unary("sqrt", E.where(E.binary("gt", d2, 0), d2, 1));
      const below = E.where(E.binary("gt", idx, k), E.div(M.select(W, 2, k), d), 0); // [B, n]
      columns.push(E.where(E.binary("eq", idx, k), d, below));
      if (k < n - 1) W = E.sub(W, E.binary("mul", M.unsqueeze(below, 2), M.unsqueeze(below, 1)));
    }
    if (n > 0) {
      const values = hostValues(M.cat(pivots, 1));
      if (values) {
        const at = values.findIndex((v) => !(v > 0));
        if (at >= 0) {
          throw new LinAlgError(
            `${op}: (batch element ${Math.floor(at / n)}) the input is not positive-definite: the leading minor of order ${(at % n) + 1} is not positive-definite`,
          );
        }
      }
    }
    const L = M.reshape(n > 0 ? M.stack(columns, 2) : W, [...batch, n, n]);
    return options.upper ? mT(L) : L;
  });
}

/** Options of {@link solveTriangular}. */
export interface SolveTriangularOptions {
  /** A is upper triangular (required, as in PyTorch). */
  upper: boolean;
  /** Solve `A X = B` (true, default) or `X A = B` (false). */
  left?: boolean;
  /** Assume A's diagonal is all ones (it is not read). */
  unitriangular?: boolean;
}

/**
 * Solves `A X = B` (or `X A = B`) for triangular A, like `torch.linalg.solve_triangular`; only
 * the triangle named by `upper` is read. B is a matrix (batch dims broadcast). A zero on the
 * diagonal gives inf/NaN, as in PyTorch.
 */
export function solveTriangular(A: Tensor, B: Tensor, options: SolveTriangularOptions): Tensor {
  const op = "linalg.solveTriangular";
  sameDevice(op, A, B);
  requireFloat(op, A, "A");
  requireFloat(op, B, "B");
  sameDType(op, A, B);
  if (!options || typeof options.upper !== "boolean") throw new TypeError(`${op}: options.upper (boolean) is required`);
  const n = requireSquare(op, A);
  if (B.ndim < 2) throw new ShapeError(`${op}: B must have at least 2 dims, got shape ${formatShape(B.shape)}`);
  const left = options.left ?? true;
  const size = left ? B.shape[B.ndim - 2] : B.shape[B.ndim - 1];
  if (size !== n) {
    throw new ShapeError(`${op}: A ${formatShape(A.shape)} and B ${formatShape(B.shape)} do not fit (${left ? "A X = B" : "X A = B"} needs ${n} ${left ? "rows" : "columns"} in B)`);
  }
  return scope(() => {
    const Am = left ? A : mT(A);
    const Bm = left ? B : mT(B);
    const upper = left ? options.upper : !options.upper;
    const { a, b, batch } = broadcastBatch(op, Am, Bm);
    const X = M.reshape(triangularCore(a, b, upper, options.unitriangular ?? false), [...batch, ...Bm.shape.slice(-2)]);
    return left ? X : mT(X);
  });
}

/**
 * Solves `A X = B` given the Cholesky factor of A, like `torch.cholesky_solve(B, L, upper)`:
 * `L` is lower (`A = L Lᵀ`) or, with `upper`, upper (`A = Uᵀ U`).
 */
export function choleskySolve(B: Tensor, L: Tensor, upper = false): Tensor {
  const op = "linalg.choleskySolve";
  sameDevice(op, B, L);
  requireFloat(op, L, "L");
  requireFloat(op, B, "B");
  sameDType(op, L, B);
  const n = requireSquare(op, L, "L");
  if (B.ndim < 2 || B.shape[B.ndim - 2] !== n) {
    throw new ShapeError(`${op}: B ${formatShape(B.shape)} must be a matrix (batch) with ${n} rows to fit L ${formatShape(L.shape)}`);
  }
  return scope(() => {
    const lower = upper ? mT(L) : L;
    const Y = solveTriangular(lower, B, { upper: false });
    return solveTriangular(mT(lower), Y, { upper: true });
  });
}

/** Options of {@link qr}. */
export interface QrOptions {
  /**
   * `"reduced"` (default): Q [..., m, k], R [..., k, n] with k = min(m, n); `"complete"`:
   * Q [..., m, m], R [..., m, n]; `"r"`: R only (Q is an empty tensor), as in PyTorch.
   */
  mode?: "reduced" | "complete" | "r";
}

/**
 * QR decomposition `A = Q R` of [..., m, n] matrices, like `torch.linalg.qr`, by Householder
 * reflections with LAPACK's sign convention (geqrf/orgqr), so Q and R match PyTorch's including
 * the signs (R's diagonal may be negative). Composed of min(m, n) steps of recorded ops, so
 * autograd differentiates it (through R and Q for full-rank inputs).
 */
export function qr(A: Tensor, options: QrOptions = {}): { Q: Tensor; R: Tensor } {
  const op = "linalg.qr";
  sameDevice(op, A);
  requireFloat(op, A);
  if (A.ndim < 2) throw new ShapeError(`${op}: A must have at least 2 dims, got shape ${formatShape(A.shape)}`);
  const mode = options.mode ?? "reduced";
  if (mode !== "reduced" && mode !== "complete" && mode !== "r") {
    throw new RangeError(`${op}: mode must be "reduced", "complete" or "r", got ${JSON.stringify(mode)} (A ${formatShape(A.shape)}, ${A.dtype})`);
  }
  const m = A.shape[A.ndim - 2]!;
  const n = A.shape[A.ndim - 1]!;
  const k = Math.min(m, n);
  const batch = A.shape.slice(0, -2);
  const dtype = A.dtype as "float32" | "float64";
  return scope(() => {
    const a = flat3(A);
    const { R: Rfull, vs, taus } = householderCore(a);
    const rows = mode === "complete" ? m : k;
    const Rout = M.reshape(M.slice(Rfull, 1, 0, rows), [...batch, rows, n]);
    if (mode === "r") return { Q: emptyTensor([0], dtype, A.device), R: Rout };
    // Q = H_0 H_1 … applied to the identity's first columns, last reflector first (orgqr).
    let Q = M.expand(eyeColumns(m, rows, dtype, A.device), [a.shape[0]!, m, rows]);
    for (let s = vs.length - 1; s >= 0; s--) {
      const v = M.unsqueeze(vs[s]!, 2); // [B, m, 1]
      const w = R.sum(E.binary("mul", v, Q), 1, true); // vᵀ Q, [B, 1, cols]
      Q = E.sub(Q, E.binary("mul", E.binary("mul", M.unsqueeze(taus[s]!, 2), v), w));
    }
    return { Q: M.reshape(Q, [...batch, m, rows]), R: Rout };
  });
}

/** Options of {@link eigh} and {@link eigvalsh}. */
export interface EighOptions {
  /** Which triangle of A is read: `"L"` (lower, default) or `"U"` (upper). */
  UPLO?: "L" | "U";
}

/**
 * Eigendecomposition of symmetric [..., n, n] matrices, like `torch.linalg.eigh`: eigenvalues in
 * ascending order and orthonormal eigenvectors as columns, `A = V diag(w) Vᵀ`. Only the triangle
 * named by `UPLO` is read. Computed by cyclic Jacobi sweeps of recorded rotations (angles taken
 * from the current entries), so autograd differentiates it. Eigenvectors are unique only up to
 * sign (and within repeated eigenvalues): each column is scaled so that its largest-magnitude
 * entry is positive, which may differ in sign from PyTorch's LAPACK-defined choice.
 */
export function eigh(A: Tensor, options: EighOptions = {}): { eigenvalues: Tensor; eigenvectors: Tensor } {
  const op = "linalg.eigh";
  checkSquareFloat(op, A);
  const uplo = checkUplo(op, options.UPLO ?? "L");
  return scope(() => {
    const r = eighCore(A, uplo, true);
    return { eigenvalues: r.eigenvalues, eigenvectors: r.eigenvectors! };
  });
}

/** Eigenvalues (ascending) of symmetric [..., n, n] matrices, like `torch.linalg.eigvalsh`. */
export function eigvalsh(A: Tensor, options: EighOptions = {}): Tensor {
  const op = "linalg.eigvalsh";
  checkSquareFloat(op, A);
  const uplo = checkUplo(op, options.UPLO ?? "L");
  return scope(() => eighCore(A, uplo, false).eigenvalues);
}

/** Options of {@link svd}. */
export interface SvdOptions {
  /**
   * `true` (default): U [..., m, m] and Vh [..., n, n]; `false`: the reduced U [..., m, k] and
   * Vh [..., k, n] with k = min(m, n), as in PyTorch.
   */
  fullMatrices?: boolean;
}

/**
 * Singular value decomposition `A = U diag(S) Vh` of [..., m, n] matrices, like
 * `torch.linalg.svd`: S [..., k] (k = min(m, n)) non-negative and descending, U and Vh with
 * orthonormal columns / rows. Computed by one-sided Jacobi sweeps of recorded column rotations
 * (on Aᵀ when m < n), so autograd differentiates it for distinct, non-zero singular values.
 * Singular vectors are unique only up to sign (and within repeated singular values): each right
 * singular vector is scaled so that its largest-magnitude entry is positive, which may differ in
 * sign from PyTorch's LAPACK-defined choice. Columns of U (or rows of Vh for m < n) beyond the
 * rank and the extra ones of `fullMatrices` are an orthonormal completion, not differentiated.
 */
export function svd(A: Tensor, options: SvdOptions = {}): { U: Tensor; S: Tensor; Vh: Tensor } {
  const op = "linalg.svd";
  sameDevice(op, A);
  requireFloat(op, A);
  if (A.ndim < 2) throw new ShapeError(`${op}: A must have at least 2 dims, got shape ${formatShape(A.shape)}`);
  const full = options.fullMatrices ?? true;
  if (typeof full !== "boolean") {
    throw new TypeError(`${op}: fullMatrices must be a boolean, got ${JSON.stringify(full)} (A ${formatShape(A.shape)}, ${A.dtype})`);
  }
  return scope(() => {
    const r = svdCore(A, true, full);
    return { U: r.U!, S: r.S, Vh: r.Vh! };
  });
}

/** Singular values (descending) of [..., m, n] matrices, like `torch.linalg.svdvals`. */
export function svdvals(A: Tensor): Tensor {
  const op = "linalg.svdvals";
  sameDevice(op, A);
  requireFloat(op, A);
  if (A.ndim < 2) throw new ShapeError(`${op}: A must have at least 2 dims, got shape ${formatShape(A.shape)}`);
  return scope(() => svdCore(A, false, false).S);
}

/** Options of {@link matrixRank} and {@link pinv}. */
export interface RankToleranceOptions {
  /** Absolute tolerance (default 0). */
  atol?: number;
  /**
   * Relative tolerance, a multiple of the largest singular value; defaults to ε·max(m, n), or to
   * 0 when only a positive `atol` is given, as in PyTorch.
   */
  rtol?: number;
  /** Treat A as symmetric (only its lower triangle is read) and use {@link eigh}. */
  hermitian?: boolean;
}

function checkTolerances(op: string, A: Tensor, options: RankToleranceOptions): { atol: number; rtol: number; hermitian: boolean } {
  const { atol, rtol, hermitian = false } = options;
  for (const [name, v] of [["atol", atol], ["rtol", rtol]] as const) {
    if (v !== undefined && (typeof v !== "number" || Number.isNaN(v) || v < 0)) {
      throw new RangeError(`${op}: ${name} must be a non-negative number, got ${String(v)} (A ${formatShape(A.shape)}, ${A.dtype})`);
    }
  }
  if (typeof hermitian !== "boolean") throw new TypeError(`${op}: hermitian must be a boolean, got ${JSON.stringify(hermitian)}`);
  if (hermitian) requireSquare(op, A);
  const m = A.shape[A.ndim - 2]!;
  const n = A.shape[A.ndim - 1]!;
  const defaultRtol = atol !== undefined && atol > 0 ? 0 : epsilonOf(A.dtype) * Math.max(m, n);
  return { atol: atol ?? 0, rtol: rtol ?? defaultRtol, hermitian };
}

/** The threshold max(atol, rtol·σ_max) per matrix, [..., 1], computed without recording. */
function rankThreshold(values: Tensor, atol: number, rtol: number): Tensor {
  return withoutRecording(() => {
    const k = values.shape[values.ndim - 1]!;
    const largest = k === 0 ? E.binary("mul", R.sum(values, -1, true), 0) : R.amax(values, -1, true);
    return E.binary("maximum", E.binary("mul", largest, rtol), atol);
  });
}

/**
 * Numerical rank of [..., m, n] matrices, like `torch.linalg.matrix_rank`: the number of singular
 * values (absolute eigenvalues when `hermitian`) above max(atol, rtol·σ_max), as int64.
 */
export function matrixRank(A: Tensor, options: RankToleranceOptions = {}): Tensor {
  const op = "linalg.matrixRank";
  sameDevice(op, A);
  requireFloat(op, A);
  if (A.ndim < 2) throw new ShapeError(`${op}: A must have at least 2 dims, got shape ${formatShape(A.shape)}`);
  const { atol, rtol, hermitian } = checkTolerances(op, A, options);
  return scope(() =>
    withoutRecording(() => {
      const values = hermitian ? E.unary("abs", eighCore(A, "L", false).eigenvalues) : svdCore(A, false, false).S;
      return R.sum(E.binary("gt", values, rankThreshold(values, atol, rtol)), -1);
    }),
  );
}

/**
 * Moore–Penrose pseudo-inverse [..., n, m] of [..., m, n] matrices, like `torch.linalg.pinv`:
 * `V diag(1/S) Uᵀ` from the reduced SVD (or eigh when `hermitian`), with singular values at or
 * below max(atol, rtol·σ_max) treated as zero. Differentiable where the rank is locally constant.
 */
export function pinv(A: Tensor, options: RankToleranceOptions = {}): Tensor {
  const op = "linalg.pinv";
  sameDevice(op, A);
  requireFloat(op, A);
  if (A.ndim < 2) throw new ShapeError(`${op}: A must have at least 2 dims, got shape ${formatShape(A.shape)}`);
  const { atol, rtol, hermitian } = checkTolerances(op, A, options);
  return scope(() => {
    let left: Tensor;
    let values: Tensor;
    let rightT: Tensor;
    if (hermitian) {
      const r = eighCore(A, "L", true);
      left = r.eigenvectors!;
      values = r.eigenvalues;
      rightT = left;
    } else {
      const r = svdCore(A, true, false);
      left = r.U!;
      values = r.S;
      rightT = mT(r.Vh!);
    }
    const magnitude = E.unary("abs", values);
    const kept = E.binary("gt", magnitude, rankThreshold(magnitude, atol, rtol));
    const inverse = E.where(kept, E.div(1, E.where(kept, values, 1)), 0);
    return L.matmul(E.binary("mul", rightT, M.unsqueeze(inverse, -2)), mT(left));
  });
}

/**
 * `torch.linalg` in camelCase: `vectorNorm`, `matrixNorm`, `norm`, `luFactor`, `lu`, `solve`,
 * `inv`, `det`, `slogdet`, `cholesky`, `solveTriangular`, `choleskySolve`, `qr`, `eigh`,
 * `eigvalsh`, `svd`, `svdvals`, `matrixRank` and `pinv`.
 */
export const linalg = {
  vectorNorm,
  matrixNorm,
  norm,
  luFactor,
  lu,
  solve,
  inv,
  det,
  slogdet,
  cholesky,
  solveTriangular,
  choleskySolve,
  qr,
  eigh,
  eigvalsh,
  svd,
  svdvals,
  matrixRank,
  pinv,
} as const;

/** `torch.inverse`: the same as {@link inv}. */
export const inverse = inv;
