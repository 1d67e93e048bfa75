/**
 * `linalg` (norms, LU, solve, inv, det, slogdet, Cholesky, triangular and Cholesky solves, QR,
 * eigh, eigvalsh) against PyTorch 1.13 outputs written by scripts/fixtures/torch_linalg.py, plus
 * its errors. Tolerances: |got − expected| ≤ tol · max(1, |expected|) with tol = 1e-4 for float32
 * and 1e-10 for float64; integer outputs (pivots) and -inf must match exactly. QR's Q and R are
 * compared with their signs; eigh's eigenvector columns up to sign (LAPACK picks those signs).
 */
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { DTypeError, LinAlgError, ShapeError, det, inverse, linalg, registerBackend, tensor, zeros, type DType, type Tensor } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";

registerBackend("cpu", () => new CpuBackend());

interface Encoded {
  dtype: string;
  shape: number[];
  data: (number | string)[];
}
interface Case {
  fn: string;
  inputs: Encoded[];
  params: Record<string, unknown>;
  outputs: Encoded[];
}

const fixture = JSON.parse(readFileSync(new URL("./fixtures/linalg.json", import.meta.url), "utf8")) as { torch: string; cases: Case[] };

const decodeValue = (v: number | string): number => (v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : Number(v));

const decode = (e: Encoded): Tensor => tensor(e.data.map(decodeValue), { dtype: e.dtype as DType }).reshape(e.shape);

function run(c: Case): Tensor[] {
  const x = c.inputs.map(decode);
  const p = c.params as Record<string, never>;
  const ord = (v: unknown): number | "fro" => (v === "fro" ? "fro" : decodeValue(v as number | string));
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
    default:
      throw new Error(`no runner for ${c.fn}`);
  }
}

/** Flips the sign of each column of `got` ([..., n, n], row-major) to agree with `expected`'s. */
function alignColumns(got: number[], expected: number[], n: number): number[] {
  const out = [...got];
  for (let base = 0; base < got.length; base += n * n) {
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += got[base + i * n + j]! * expected[base + i * n + j]!;
      if (dot < 0) for (let i = 0; i < n; i++) out[base + i * n + j] = -got[base + i * n + j]!;
    }
  }
  return out;
}

const maxDiff = new Map<string, number>();

describe(`linalg vs PyTorch ${fixture.torch}`, () => {
  const groups = new Map<string, Case[]>();
  for (const c of fixture.cases) groups.set(c.fn, [...(groups.get(c.fn) ?? []), c]);
  for (const [fn, cases] of groups) {
    it(`${fn} (${cases.length} cases)`, () => {
      cases.forEach((c, n) => {
        const label = `${fn} case ${n} ${JSON.stringify(c.params)} inputs ${c.inputs.map((i) => `${i.dtype}[${i.shape}]`).join(", ")}`;
        const got = run(c);
        expect(got.length, label).toBe(c.outputs.length);
        c.outputs.forEach((want, k) => {
          const g = got[k]!;
          expect(g.dtype, `${label} output ${k} dtype`).toBe(want.dtype);
          expect([...g.shape], `${label} output ${k} shape`).toEqual(want.shape);
          const expected = want.data.map(decodeValue);
          let values = Array.from(g.dataSync() as ArrayLike<number>, Number);
          if (fn === "eigh" && k === 1) values = alignColumns(values, expected, want.shape[want.shape.length - 1]!);
          const tol = want.dtype === "float32" ? 1e-4 : want.dtype === "float64" ? 1e-10 : 0;
          values.forEach((v, i) => {
            const e = expected[i]!;
            if (!Number.isFinite(e)) {
              expect(v, `${label} output ${k}[${i}]`).toBe(e);
              return;
            }
            const diff = Math.abs(v - e);
            const key = `${fn} ${want.dtype}`;
            maxDiff.set(key, Math.max(maxDiff.get(key) ?? 0, diff / Math.max(1, Math.abs(e))));
            expect(diff, `${label} output ${k}[${i}]: got ${v}, expected ${e}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(e)));
          });
        });
      });
    });
  }
});

afterAll(() => {
  if (process.env.TREK_PRINT_MAX_DIFF) {
    for (const [k, v] of [...maxDiff.entries()].sort()) console.log(`max relative |Δ| ${k}: ${v.toExponential(2)}`);
  }
});

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

  it("matrixNorm rejects orders that need singular values", () => {
    expect(() => linalg.matrixNorm(A, "nuc")).toThrow(/linalg\.matrixNorm: ord "nuc" needs singular values/);
    expect(() => linalg.norm(A, 2)).toThrow(/ord 2 needs singular values/);
    expect(() => linalg.matrixNorm(A, "fro", [1, 1])).toThrow(ShapeError);
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
