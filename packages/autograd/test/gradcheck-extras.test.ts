/**
 * gradcheck (float64) for the tensor extras that are composed from differentiable ops: their
 * gradients come from existing rules, so these tests check the composition.
 */
import { describe, expect, it } from "vitest";
import {
  Generator,
  addmm,
  baddbmm,
  cummax,
  cumprod,
  diag,
  diagonal,
  einsum,
  kron,
  kthvalue,
  logcumsumexp,
  median,
  quantile,
  rand,
  randperm,
  registerBackend,
  tensor,
  trace,
  tril,
  triu,
  type Tensor,
} from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { gradcheck } from "@trek/autograd";

registerBackend("cpu", () => new CpuBackend());

const generator = new Generator(4321);

const leaf = (shape: number[], transposed = false): Tensor => {
  const physical = transposed ? [...shape].reverse() : shape;
  const base = rand(physical, { dtype: "float64", generator }).mul(2).sub(1);
  const t = transposed ? base.permute(physical.map((_, i) => physical.length - 1 - i)) : base;
  return t.detach().requiresGrad_(true);
};

/** Distinct values (well separated), so order statistics are locally smooth. */
const distinctLeaf = (shape: number[]): Tensor => {
  const n = shape.reduce((a, b) => a * b, 1);
  return randperm(n, { generator }).double().mul(0.3).reshape(shape).detach().requiresGrad_(true);
};

const cases: Record<string, () => { fn: (...xs: Tensor[]) => Tensor | Tensor[]; inputs: Tensor[] }> = {
  tril: () => ({ fn: (x) => tril(x, -1), inputs: [leaf([2, 3, 4], true)] }),
  triu: () => ({ fn: (x) => triu(x, 1), inputs: [leaf([4, 3])] }),
  "tril_ on a non-leaf": () => ({ fn: (x) => x.mul(2).tril_(0), inputs: [leaf([3, 3])] }),
  "diag vector → matrix": () => ({ fn: (x) => diag(x, -2), inputs: [leaf([3])] }),
  "diag matrix → vector": () => ({ fn: (x) => diag(x, 1), inputs: [leaf([3, 4], true)] }),
  diagonal: () => ({ fn: (x) => diagonal(x, -1, 2, 0), inputs: [leaf([3, 2, 4])] }),
  trace: () => ({ fn: (x) => trace(x), inputs: [leaf([3, 4], true)] }),
  "einsum ij,jk->ik": () => ({ fn: (a, b) => einsum("ij,jk->ik", a, b), inputs: [leaf([2, 3]), leaf([3, 4], true)] }),
  "einsum bij,bjk->bik": () => ({ fn: (a, b) => einsum("bij,bjk->bik", a, b), inputs: [leaf([2, 2, 3]), leaf([2, 3, 2])] }),
  "einsum ii->i and ii": () => ({ fn: (a) => [einsum("ii->i", a), einsum("ii", a)], inputs: [leaf([3, 3])] }),
  "einsum i,j->ij": () => ({ fn: (a, b) => einsum("i,j->ij", a, b), inputs: [leaf([3]), leaf([2])] }),
  "einsum ...ij,...jk->...ik": () => ({ fn: (a, b) => einsum("...ij,...jk->...ik", a, b), inputs: [leaf([2, 1, 2, 3]), leaf([3, 3, 2])] }),
  "einsum iij,jk,k->i": () => ({ fn: (a, b, c) => einsum("iij,jk,k->i", a, b, c), inputs: [leaf([2, 2, 3]), leaf([3, 2]), leaf([2])] }),
  cumprod: () => ({ fn: (x) => cumprod(x, 1), inputs: [leaf([2, 4], true)] }),
  "cumprod with zeros": () => ({
    fn: (x) => cumprod(x, 1),
    inputs: [tensor([[0.5, 0, 2, -1.5], [0, 1.5, 0, 2], [1.2, -0.7, 0, 0.9]], { dtype: "float64" }).requiresGrad_(true)],
  }),
  logcumsumexp: () => ({ fn: (x) => logcumsumexp(x, 0), inputs: [leaf([4, 3])] }),
  // Past one scan block (128): the blocks are joined through the carry.
  "cumprod and logcumsumexp over 300 positions, with zeros": () => ({
    fn: (x) => [cumprod(x.mul(0.1).add(1), 0), logcumsumexp(x, 0)],
    inputs: [tensor(Array.from({ length: 300 }, (_, i) => (i % 97 === 3 ? -10 : Math.sin(i))), { dtype: "float64" }).requiresGrad_(true)],
  }),
  "cummax over 300 positions": () => ({ fn: (x) => cummax(x, 0).values, inputs: [distinctLeaf([300])] }),
  cummax: () => ({ fn: (x) => cummax(x, 1).values, inputs: [distinctLeaf([2, 5])] }),
  median: () => ({ fn: (x) => [median(x, 1).values, median(x)], inputs: [distinctLeaf([3, 4])] }),
  quantile: () => ({ fn: (x) => [quantile(x, [0.1, 0.5, 0.75], 1), quantile(x, 0.3)], inputs: [distinctLeaf([2, 5])] }),
  kthvalue: () => ({ fn: (x) => kthvalue(x, 2, 0, true).values, inputs: [distinctLeaf([4, 3])] }),
  addmm: () => ({
    fn: (i, a, b) => addmm(i, a, b, { beta: 0.5, alpha: 2 }),
    inputs: [leaf([4]), leaf([3, 2]), leaf([2, 4], true)],
  }),
  baddbmm: () => ({
    fn: (i, a, b) => baddbmm(i, a, b, { beta: -1, alpha: 0.5 }),
    inputs: [leaf([2, 3, 2]), leaf([2, 3, 4]), leaf([2, 4, 2])],
  }),
  kron: () => ({ fn: (a, b) => kron(a, b), inputs: [leaf([2, 3]), leaf([2, 2], true)] }),
};

describe("gradcheck: tensor extras", () => {
  for (const [name, make] of Object.entries(cases)) {
    it(name, () => {
      const { fn, inputs } = make();
      expect(gradcheck(fn, inputs)).toBe(true);
    });
  }

  it("cumprod's gradient with zeros matches the product-of-others formula", () => {
    const x = tensor([2, 0, 3, 0, 5], { dtype: "float64" }).requiresGrad_(true);
    cumprod(x, 0).sum().backward();
    // d/dx_i Σ_j Π_{k≤j} x_k = Σ_{j≥i} Π_{k≤j, k≠i} x_k
    expect(Array.from(x.grad!.dataSync() as Float64Array)).toEqual([1, 2 + 6, 0, 0, 0]);
  });
});
