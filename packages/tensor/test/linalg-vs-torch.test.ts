/**
 * `linalg` (norms, LU, solve, inv, det, slogdet, Cholesky, triangular and Cholesky solves, QR,
 * eigh, eigvalsh, svd, svdvals, matrixRank, pinv) against PyTorch 1.13 outputs written by scripts/fixtures/torch_linalg.py, plus
 * its errors. Tolerances: |got − expected| ≤ tol · max(1, |expected|) with tol = 1e-4 for float32
 * and 1e-10 for float64; integer outputs (pivots, ranks) and -inf must match exactly. QR's Q and R
 * are compared with their signs; eigh's eigenvector columns and the SVD's singular vectors up to
 * sign (LAPACK picks those signs), the completing columns of a full U / Vh by orthonormality.
 */
import { describe, expect, it } from "vitest";
import { DTypeError, LinAlgError, ShapeError, det, inverse, linalg, registerBackend, tensor, zeros, type DType, type Tensor } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { decode, decodeValue, describeFixture, loadFixture, type FixtureCase } from "./torch-fixture.js";

registerBackend("cpu", () => new CpuBackend());

const fixture = loadFixture("linalg.json");

function run(c: FixtureCase): Tensor[] {
  const x = c.inputs.map(decode);
  const p = c.params as Record<string, never>;
  const ord = (v: unknown): number | "fro" | "nuc" => (v === "fro" || v === "nuc" ? v : decodeValue(v as number | string));
  switch (c.fn) {
    case "det":
      return [linalg.det(x[0]!)];
    case "slogdet": {
      const r = linalg.slogdet(x[0]!);
      return [r.sign, r.logabsdet];
    }
    case "inv":
      return [linalg.inv(x[0]!)];
    case "luFactor": {
      const r = linalg.luFactor(x[0]!);
      return [r.LU, r.pivots];
    }
    case "lu": {
      const r = linalg.lu(x[0]!);
      return [r.P, r.L, r.U];
    }
    case "solve":
      return [linalg.solve(x[0]!, x[1]!, { left: p.left })];
    case "cholesky":
      return [linalg.cholesky(x[0]!, { upper: p.upper })];
    case "choleskySolve":
      return [linalg.choleskySolve(x[0]!, x[1]!, p.upper)];
    case "solveTriangular":
      return [linalg.solveTriangular(x[0]!, x[1]!, { upper: p.upper, left: p.left, unitriangular: p.unitriangular })];
    case "vectorNorm":
      return [linalg.vectorNorm(x[0]!, ord(p.ord) as number, p.dim, p.keepdim)];
    case "matrixNorm":
      return [linalg.matrixNorm(x[0]!, ord(p.ord), p.dim, p.keepdim)];
    case "norm":
      return [linalg.norm(x[0]!, p.ord === null ? null : ord(p.ord), p.dim, p.keepdim)];
    case "qr": {
      const r = linalg.qr(x[0]!, { mode: p.mode });
      return p.mode === "r" ? [r.R] : [r.Q, r.R];
    }
    case "eigh": {
      const r = linalg.eigh(x[0]!, { UPLO: p.UPLO });
      return [r.eigenvalues, r.eigenvectors];
    }
    case "eigvalsh":
      return [linalg.eigvalsh(x[0]!, { UPLO: p.UPLO })];
    case "svd": {
      const r = linalg.svd(x[0]!, { fullMatrices: p.fullMatrices });
      return [r.U, r.S, r.Vh];
    }
    case "svdvals":
      return [linalg.svdvals(x[0]!)];
    case "matrixRank":
      return [linalg.matrixRank(x[0]!, { atol: p.atol ?? undefined, rtol: p.rtol ?? undefined, hermitian: p.hermitian })];
    case "pinv":
      return [linalg.pinv(x[0]!, { hermitian: p.hermitian })];
    default:
      throw new Error(`no runner for ${c.fn}`);
  }
}

/** Flips the sign of each column of `got` ([..., r, c], row-major) to agree with `expected`'s. */
function alignColumns(got: number[], expected: number[], r: number, c = r): number[] {
  const out = [...got];
  for (let base = 0; base < got.length; base += r * c) {
    for (let j = 0; j < c; j++) {
      let dot = 0;
      for (let i = 0; i < r; i++) dot += got[base + i * c + j]! * expected[base + i * c + j]!;
      if (dot < 0) for (let i = 0; i < r; i++) out[base + i * c + j] = -got[base + i * c + j]!;
    }
  }
  return out;
}

/** Flips the sign of each row of `got` ([..., r, c], row-major) to agree with `expected`'s. */
function alignRows(got: number[], expected: number[], r: number, c: number): number[] {
  const out = [...got];
  for (let base = 0; base < got.length; base += r * c) {
    for (let i = 0; i < r; i++) {
      let dot = 0;
      for (let j = 0; j < c; j++) dot += got[base + i * c + j]! * expected[base + i * c + j]!;
      if (dot < 0) for (let j = 0; j < c; j++) out[base + i * c + j] = -got[base + i * c + j]!;
    }
  }
  return out;
}

/** eigh's eigenvector columns and the SVD's defined singular vectors up to sign; completions by orthonormality below. */
function alignVectors(c: FixtureCase, k: number, values: number[], expected: number[]): number[] {
  const want = c.outputs[k]!;
  if (c.fn === "eigh" && k === 1) return alignColumns(values, expected, want.shape[want.shape.length - 1]!);
  if (c.fn !== "svd" || k === 1) return values;
  const [r, cols] = want.shape.slice(-2) as [number, number];
  // Only the first min(m, n) singular vectors are defined (up to sign); the completion of a full
  // U or Vh is any orthonormal basis of the complement, checked separately.
  const input = c.inputs[0]!.shape.slice(-2) as [number, number];
  const defined = Math.min(input[0], input[1]);
  const aligned = k === 0 ? alignColumns(values, expected, r, cols) : alignRows(values, expected, r, cols);
  return aligned.map((v, i) => {
    const inner = i % (r * cols);
    const index = k === 0 ? inner % cols : Math.floor(inner / cols);
    return index < defined ? v : expected[i]!;
  });
}

describeFixture({ title: "linalg", fixture, run, tolerance: (dtype) => (dtype === "float32" ? 1e-4 : 1e-10), align: alignVectors });

describe("linalg errors and edge cases", () => {
  const A = tensor([[2, 1], [1, 3]], { dtype: "float64" });
  const singular = tensor([[1, 2, 3], [2, 4, 6], [1, 0, 1]], { dtype: "float64" });

  it("rejects non-square, too few dims and integer inputs, naming the function and shape", () => {
    expect(() => linalg.solve(zeros([2, 3]), zeros([2]))).toThrow(ShapeError);
    expect(() => linalg.inv(zeros([2, 3]))).toThrow(/linalg\.inv: A must be batches of square matrices, got shape \[2, 3\]/);
    expect(() => linalg.det(zeros([3]))).toThrow(/linalg\.det: A must have at least 2 dims, got shape \[3\]/);
    expect(() => linalg.cholesky(tensor([[1, 0], [0, 1]], { dtype: "int64" }))).toThrow(DTypeError);
    expect(() => linalg.det(tensor([[1, 0], [0, 1]], { dtype: "int64" }))).toThrow(/linalg\.det: expected input to be float32 or float64, got int64/);
    expect(() => linalg.vectorNorm(tensor([1, 2], { dtype: "int32" }))).toThrow(/linalg\.vectorNorm: .*int32/);
    expect(() => linalg.solve(A, tensor([1, 2], { dtype: "float32" }))).toThrow(/linalg\.solve: expected A and B to have the same dtype/);
  });

  it("rejects B that does not fit A or whose batch dims do not broadcast", () => {
    expect(() => linalg.solve(A, zeros([3, 1], { dtype: "float64" }))).toThrow(/linalg\.solve: A \[2, 2\] and B \[3, 1\] do not fit/);
    expect(() => linalg.solve(zeros([2, 2, 2], { dtype: "float64" }), zeros([3, 2, 1], { dtype: "float64" }))).toThrow(/batch dims .* do not broadcast/);
    expect(() => linalg.solveTriangular(A, zeros([2], { dtype: "float64" }), { upper: true })).toThrow(/linalg\.solveTriangular: B must have at least 2 dims/);
    expect(() => linalg.choleskySolve(zeros([3, 1], { dtype: "float64" }), A)).toThrow(ShapeError);
  });

  it("solve and inv of a singular matrix throw naming the batch element; det gives 0", () => {
    const batch = tensor([[[2, 0, 0], [0, 1, 0], [0, 0, 1]], [[1, 2, 3], [2, 4, 6], [1, 0, 1]]], { dtype: "float64" });
    expect(() => linalg.solve(singular, zeros([3], { dtype: "float64" }))).toThrow(LinAlgError);
    expect(() => linalg.inv(batch)).toThrow(/linalg\.inv: \(batch element 1\) the input matrix is singular/);
    expect(Math.abs((linalg.det(singular).dataSync() as Float64Array)[0]!)).toBe(0);
    expect(Array.from(det(batch).dataSync() as Float64Array, Math.abs)).toEqual([2, 0]);
    const { sign, logabsdet } = linalg.slogdet(singular);
    expect(Array.from(sign.dataSync() as Float64Array, Math.abs)).toEqual([0]);
    expect(Array.from(logabsdet.dataSync() as Float64Array)).toEqual([-Infinity]);
  });

  it("cholesky of a non-positive-definite matrix names the leading minor", () => {
    const notPd = tensor([[[4, 0], [0, 1]], [[1, 2], [2, 1]]], { dtype: "float64" });
    expect(() => linalg.cholesky(notPd)).toThrow(/linalg\.cholesky: \(batch element 1\) .*leading minor of order 2 is not positive-definite/);
    expect(() => linalg.cholesky(tensor([[-1]], { dtype: "float32" }))).toThrow(LinAlgError);
  });

  it("matrixNorm rejects unsupported orders and bad dims", () => {
    expect(() => linalg.matrixNorm(A, 3)).toThrow(/linalg\.matrixNorm: unsupported ord 3; expected "fro", "nuc", 1, -1, 2, -2/);
    expect(() => linalg.matrixNorm(A, "fro", [1, 1])).toThrow(ShapeError);
  });

  it("svd, svdvals, matrixRank and pinv reject bad shapes, dtypes and options, naming the function", () => {
    expect(() => linalg.svd(zeros([3]))).toThrow(/linalg\.svd: A must have at least 2 dims, got shape \[3\]/);
    expect(() => linalg.svd(tensor([[1, 2]], { dtype: "int32" }))).toThrow(/linalg\.svd: expected input to be float32 or float64, got int32 \(shape \[1, 2\]\)/);
    expect(() => linalg.svd(A, { fullMatrices: "yes" as never })).toThrow(/linalg\.svd: fullMatrices must be a boolean, got "yes" \(A \[2, 2\], float64\)/);
    expect(() => linalg.svdvals(tensor([[1, 0]], { dtype: "int64" }))).toThrow(DTypeError);
    expect(() => linalg.svdvals(zeros([4]))).toThrow(/linalg\.svdvals: A must have at least 2 dims/);
    expect(() => linalg.matrixRank(A, { atol: -1 })).toThrow(/linalg\.matrixRank: atol must be a non-negative number, got -1 \(A \[2, 2\], float64\)/);
    expect(() => linalg.matrixRank(zeros([2, 3]), { hermitian: true })).toThrow(/linalg\.matrixRank: A must be batches of square matrices/);
    expect(() => linalg.pinv(tensor([[1, 0]], { dtype: "int32" }))).toThrow(/linalg\.pinv: expected input to be float32 or float64, got int32/);
  });

  /** max |x − y| over all entries. */
  const gap = (x: Tensor, y: Tensor): number => {
    const xs = Array.from(x.dataSync() as Float64Array);
    const ys = Array.from(y.dataSync() as Float64Array);
    expect(xs.length).toBe(ys.length);
    return Math.max(0, ...xs.map((v, i) => Math.abs(v - ys[i]!)));
  };
  const identity = (n: number): Tensor => linalg.qr(zeros([n, n], { dtype: "float64" })).Q;

  it("svd: U diag(S) Vh = A with orthonormal full U and Vh, also for rank-deficient inputs", () => {
    const inputs = [
      tensor([[2, -1, 0], [1, 3, 1], [0, 1, 4], [1, 0, 1]], { dtype: "float64" }),
      tensor([[1, 2, 3, 4, 5], [2, 4, 6, 8, 10], [1, 0, 1, 0, 1]], { dtype: "float64" }), // rank 2, wide
      tensor([[1, 0, 2], [2, 0, 1], [3, 0, 4], [1, 0, 0]], { dtype: "float64" }), // zero column
      zeros([3, 2], { dtype: "float64" }),
    ];
    for (const a of inputs) {
      const [m, n] = a.shape as [number, number];
      const k = Math.min(m, n);
      for (const fullMatrices of [true, false]) {
        const { U, S, Vh } = linalg.svd(a, { fullMatrices });
        expect([...U.shape]).toEqual([m, fullMatrices ? m : k]);
        expect([...Vh.shape]).toEqual([fullMatrices ? n : k, n]);
        const s = Array.from(S.dataSync() as Float64Array);
        expect(s).toEqual([...s].sort((x, y) => y - x));
        s.forEach((v) => expect(v).toBeGreaterThanOrEqual(0));
        const Uk = U.narrow(1, 0, k);
        const Vk = Vh.narrow(0, 0, k);
        expect(gap(Uk.mul(S.unsqueeze(0)).matmul(Vk), a)).toBeLessThan(1e-12);
        expect(gap(U.transpose(0, 1).matmul(U), identity(U.shape[1]!))).toBeLessThan(1e-12);
        expect(gap(Vh.matmul(Vh.transpose(0, 1)), identity(Vh.shape[0]!))).toBeLessThan(1e-12);
      }
    }
  });

  it("svd of batched and empty inputs; matrixRank and pinv of rank-deficient matrices", () => {
    const batch = tensor([[[3, 0], [0, -2]], [[0, 1], [1, 0]]], { dtype: "float64" });
    expect(Array.from(linalg.svdvals(batch).dataSync() as Float64Array)).toEqual([3, 2, 1, 1]);
    expect([...linalg.svd(zeros([2, 0, 3])).U.shape]).toEqual([2, 0, 0]);
    expect([...linalg.svd(zeros([2, 0, 3])).Vh.shape]).toEqual([2, 3, 3]);
    expect([...linalg.svdvals(zeros([4, 0])).shape]).toEqual([0]);
    const low = tensor([[1, 2, 3], [2, 4, 6], [1, 0, 1]], { dtype: "float64" });
    expect(Array.from(linalg.matrixRank(low).dataSync() as BigInt64Array, Number)).toEqual([2]);
    expect(linalg.matrixRank(low).dtype).toBe("int64");
    const p = linalg.pinv(low);
    expect(gap(low.matmul(p).matmul(low), low)).toBeLessThan(1e-12);
    expect(gap(p.matmul(low).matmul(p), p)).toBeLessThan(1e-12);
    expect(gap(linalg.pinv(A), linalg.inv(A))).toBeLessThan(1e-12);
  });

  it("qr and eigh reject bad shapes, dtypes and options, naming the function", () => {
    expect(() => linalg.qr(zeros([3]))).toThrow(/linalg\.qr: A must have at least 2 dims, got shape \[3\]/);
    expect(() => linalg.qr(tensor([[1, 2], [3, 4]], { dtype: "int32" }))).toThrow(/linalg\.qr: expected input to be float32 or float64, got int32 \(shape \[2, 2\]\)/);
    expect(() => linalg.qr(A, { mode: "full" as never })).toThrow(/linalg\.qr: mode must be "reduced", "complete" or "r", got "full" \(A \[2, 2\], float64\)/);
    expect(() => linalg.eigh(zeros([2, 3]))).toThrow(/linalg\.eigh: A must be batches of square matrices, got shape \[2, 3\]/);
    expect(() => linalg.eigvalsh(tensor([[1, 0], [0, 1]], { dtype: "int64" }))).toThrow(DTypeError);
    expect(() => linalg.eigh(A, { UPLO: "X" as never })).toThrow(/linalg\.eigh: UPLO must be "L" or "U", got "X"/);
  });

  it("qr: Q is orthonormal and Q R = A; mode r gives an empty Q; empty inputs", () => {
    const a = tensor([[2, -1, 0], [1, 3, 1], [0, 1, 4], [1, 0, 1]], { dtype: "float64" });
    const { Q, R } = linalg.qr(a, { mode: "complete" });
    const close = (x: Tensor, y: Tensor): void => {
      const xs = Array.from(x.dataSync() as Float64Array);
      const ys = Array.from(y.dataSync() as Float64Array);
      xs.forEach((v, i) => expect(Math.abs(v - ys[i]!)).toBeLessThan(1e-12));
    };
    close(Q.matmul(R), a);
    close(Q.transpose(0, 1).matmul(Q), linalg.qr(zeros([4, 4], { dtype: "float64" })).Q);
    expect([...linalg.qr(a, { mode: "r" }).Q.shape]).toEqual([0]);
    expect([...linalg.qr(zeros([2, 0, 3])).R.shape]).toEqual([2, 0, 3]);
  });

  it("eigh reconstructs A, reads only the named triangle, and eigvalsh agrees", () => {
    const lower = tensor([[4, 99, 99], [1, 3, 99], [0.5, -1, 2]], { dtype: "float64" });
    const upper = lower.transpose(0, 1);
    const { eigenvalues, eigenvectors } = linalg.eigh(lower);
    const rebuilt = eigenvectors.mul(eigenvalues.unsqueeze(0)).matmul(eigenvectors.transpose(0, 1));
    const want = [4, 1, 0.5, 1, 3, -1, 0.5, -1, 2];
    Array.from(rebuilt.dataSync() as Float64Array).forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(1e-12));
    const w = Array.from(eigenvalues.dataSync() as Float64Array);
    expect(w).toEqual([...w].sort((x, y) => x - y));
    Array.from(linalg.eigvalsh(upper, { UPLO: "U" }).dataSync() as Float64Array).forEach((v, i) => expect(Math.abs(v - w[i]!)).toBeLessThan(1e-12));
  });

  it("inverse is inv; empty matrices factor", () => {
    expect(Array.from(inverse(A).dataSync() as Float64Array)).toEqual(Array.from(linalg.inv(A).dataSync() as Float64Array));
    const e = zeros([2, 0, 0], { dtype: "float64" });
    expect(Array.from(linalg.det(e).dataSync() as Float64Array)).toEqual([1, 1]);
    expect([...linalg.inv(e).shape]).toEqual([2, 0, 0]);
  });
});
