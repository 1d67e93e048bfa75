/**
 * gradcheck (float64) for `linalg`: each function is composed from differentiable ops (n steps of
 * recorded elimination or substitution), so these tests check the composition. Inputs are
 * well-conditioned; pivot choice is locally constant for them.
 */
import { describe, expect, it } from "vitest";
import { Generator, eye, linalg, rand, registerBackend, type Tensor } from "@trek/tensor";
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
