/**
 * gradcheck (float64) for `linalg`: each function is composed from differentiable ops (n steps of
 * recorded elimination, substitution, reflection or rotation), so these tests check the
 * composition. Inputs are well-conditioned (full rank for QR, distinct eigenvalues for eigh,
 * distinct non-zero singular values for the SVD); pivot choice and signs are locally constant for
 * them. Eigenvectors and singular vectors are checked through sign-invariant functions.
 */
import { describe, expect, it } from "vitest";
import { Generator, arange, eye, linalg, rand, registerBackend, type Tensor } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { gradcheck } from "@trek/autograd";

registerBackend("cpu", () => new CpuBackend());

const generator = new Generator(2024);

const leaf = (shape: number[]): Tensor => rand(shape, { dtype: "float64", generator }).mul(2).sub(1).detach().requiresGrad_(true);

/** Random square matrices with a boosted diagonal (well-conditioned, mixed signs). */
const matrix = (shape: number[]): Tensor => {
  const n = shape[shape.length - 1]!;
  return rand(shape, { dtype: "float64", generator }).mul(2).sub(1).add(eye(n, n, { dtype: "float64" }).mul(2.5)).detach().requiresGrad_(true);
};

/** Symmetric positive-definite from any square X (gradients flow to X through both triangles). */
const spd = (x: Tensor): Tensor => {
  const n = x.shape[x.ndim - 1]!;
  return x.matmul(x.transpose(-2, -1)).add(eye(n, n, { dtype: "float64" }));
};

/** Square matrices with well-separated diagonal entries (so distinct eigenvalues once symmetrized). */
const spread = (shape: number[]): Tensor => {
  const n = shape[shape.length - 1]!;
  const d = eye(n, n, { dtype: "float64" }).mul(rand([n], { dtype: "float64", generator }).mul(0.2).add(arange(n, { dtype: "float64" })).mul(1.5));
  return rand(shape, { dtype: "float64", generator }).mul(0.6).sub(0.3).add(d).detach().requiresGrad_(true);
};

/** [..., m, n] with well-separated diagonal entries (so distinct, non-zero singular values). */
const spreadRect = (shape: number[]): Tensor => {
  const m = shape[shape.length - 2]!;
  const n = shape[shape.length - 1]!;
  const k = Math.min(m, n);
  const diagonal = rand([k], { dtype: "float64", generator }).mul(0.2).add(arange(k, { dtype: "float64" })).add(1).mul(1.5);
  const d = eye(m, n, { dtype: "float64" }).mul(k === n ? diagonal : diagonal.unsqueeze(-1));
  return rand(shape, { dtype: "float64", generator }).mul(0.6).sub(0.3).add(d).detach().requiresGrad_(true);
};

/** (X + Xᵀ) / 2: gradients flow to both triangles of X. */
const symmetric = (x: Tensor): Tensor => x.add(x.transpose(-2, -1)).mul(0.5);

const cases: Record<string, () => { fn: (...xs: Tensor[]) => Tensor | Tensor[]; inputs: Tensor[] }> = {
  "solve, matrix B": () => ({ fn: (a, b) => linalg.solve(a, b), inputs: [matrix([4, 4]), leaf([4, 2])] }),
  "solve, batched vector B": () => ({ fn: (a, b) => linalg.solve(a, b), inputs: [matrix([2, 3, 3]), leaf([2, 3])] }),
  "solve, left: false": () => ({ fn: (a, b) => linalg.solve(a, b, { left: false }), inputs: [matrix([3, 3]), leaf([2, 3])] }),
  "solve with row swaps": () => ({
    fn: (a, b) => linalg.solve(a.flip([0]), b),
    inputs: [matrix([4, 4]), leaf([4, 1])],
  }),
  inv: () => ({ fn: (a) => linalg.inv(a), inputs: [matrix([2, 3, 3])] }),
  det: () => ({ fn: (a) => linalg.det(a), inputs: [matrix([2, 4, 4])] }),
  "det with row swaps": () => ({ fn: (a) => linalg.det(a.flip([-1])), inputs: [matrix([3, 3])] }),
  slogdet: () => ({ fn: (a) => linalg.slogdet(a).logabsdet, inputs: [matrix([3, 3, 3])] }),
  cholesky: () => ({ fn: (x) => linalg.cholesky(spd(x)), inputs: [leaf([2, 4, 4])] }),
  "cholesky upper": () => ({ fn: (x) => linalg.cholesky(spd(x), { upper: true }), inputs: [leaf([3, 3])] }),
  choleskySolve: () => ({ fn: (x, b) => linalg.choleskySolve(b, linalg.cholesky(spd(x))), inputs: [leaf([3, 3]), leaf([3, 2])] }),
  "solveTriangular lower": () => ({ fn: (a, b) => linalg.solveTriangular(a, b, { upper: false }), inputs: [matrix([4, 4]), leaf([4, 2])] }),
  "solveTriangular upper, right, unit": () => ({
    fn: (a, b) => linalg.solveTriangular(a, b, { upper: true, left: false, unitriangular: true }),
    inputs: [matrix([2, 3, 3]), leaf([2, 2, 3])],
  }),
  "vectorNorm p = 2, 1, 3, inf": () => ({
    fn: (x) => [linalg.vectorNorm(x), linalg.vectorNorm(x, 1, 1), linalg.vectorNorm(x, 3, [0, 1], true), linalg.vectorNorm(x, Infinity, 0)],
    inputs: [leaf([3, 4])],
  }),
  "qr reduced, tall (Q and R)": () => ({ fn: (a) => { const r = linalg.qr(a); return [r.Q, r.R]; }, inputs: [leaf([5, 3])] }),
  "qr complete, batched wide (Q and R)": () => ({
    fn: (a) => {
      const r = linalg.qr(a, { mode: "complete" });
      return [r.Q, r.R];
    },
    inputs: [leaf([2, 3, 4])],
  }),
  "qr square, mode r": () => ({ fn: (a) => linalg.qr(a, { mode: "r" }).R, inputs: [matrix([4, 4])] }),
  "eigvalsh (distinct eigenvalues)": () => ({ fn: (x) => linalg.eigvalsh(symmetric(x)), inputs: [spread([2, 4, 4])] }),
  "eigh eigenvalues, UPLO U": () => ({ fn: (x) => linalg.eigh(x, { UPLO: "U" }).eigenvalues, inputs: [spread([3, 3])] }),
  "eigh eigenvectors through V diag(w) Vᵀ and v vᵀ": () => ({
    fn: (x) => {
      const { eigenvalues, eigenvectors } = linalg.eigh(symmetric(x));
      const v = eigenvectors.select(-1, 0).unsqueeze(-1);
      return [eigenvectors.mul(eigenvalues.unsqueeze(-2)).matmul(eigenvectors.transpose(-2, -1)), v.matmul(v.transpose(-2, -1))];
    },
    inputs: [spread([4, 4])],
  }),
  "svdvals, tall and batched wide (distinct singular values)": () => ({
    fn: (a, b) => [linalg.svdvals(a), linalg.svdvals(b)],
    inputs: [spreadRect([5, 3]), spreadRect([2, 3, 4])],
  }),
  "svd reduced: U diag(S) Vh and u uᵀ, v vᵀ of the first pair": () => ({
    fn: (a) => {
      const { U, S, Vh } = linalg.svd(a, { fullMatrices: false });
      const u = U.select(-1, 0).unsqueeze(-1);
      const v = Vh.select(-2, 0).unsqueeze(-1);
      return [U.mul(S.unsqueeze(-2)).matmul(Vh), u.matmul(u.transpose(-2, -1)), v.matmul(v.transpose(-2, -1))];
    },
    inputs: [spreadRect([4, 3])],
  }),
  "svd full, wide: U diag(S) Vh[:k] and S": () => ({
    fn: (a) => {
      const { U, S, Vh } = linalg.svd(a);
      return [U.mul(S.unsqueeze(-2)).matmul(Vh.narrow(-2, 0, 2)), S];
    },
    inputs: [spreadRect([2, 4])],
  }),
  "matrixNorm nuc, 2, -2 and pinv": () => ({
    fn: (x) => [linalg.matrixNorm(x, "nuc"), linalg.matrixNorm(x, 2), linalg.matrixNorm(x, -2, [0, 1], true), linalg.pinv(x)],
    inputs: [spreadRect([4, 3])],
  }),
  "matrixNorm fro, 1, -inf": () => ({
    fn: (x) => [linalg.matrixNorm(x), linalg.matrixNorm(x, 1), linalg.matrixNorm(x, -Infinity, [0, 2], true)],
    inputs: [leaf([3, 4, 3])],
  }),
};

describe("gradcheck: linalg", () => {
  for (const [name, make] of Object.entries(cases)) {
    it(name, () => {
      const { fn, inputs } = make();
      expect(gradcheck(fn, inputs)).toBe(true);
    });
  }
});
