import { describe, expect, it } from "vitest";
import { Generator, arange, matmul, rand, randn, registerBackend, tensor, zeros, type Tensor } from "@trek/tensor";
import { CpuBackend, erf } from "@trek/backend-cpu";

registerBackend("cpu", () => new CpuBackend());

const values = (t: Tensor): number[] => Array.from(t.dataSync() as ArrayLike<number>, Number);
const nested = (t: Tensor): unknown => t.tolistSync();
const g = new Generator(99);

function expectClose(actual: number[], expected: number[], tolerance = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i]!;
    if (Number.isNaN(e)) expect(Number.isNaN(a)).toBe(true);
    else expect(Math.abs(a - e)).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(e)));
  });
}

describe("elementwise math against Math.* in float64", () => {
  const x = tensor([-2.5, -1, -0.3, 0, 0.4, 1, 3.7], { dtype: "float64" });
  const xs = values(x);
  const cases: [string, (t: Tensor) => Tensor, (v: number) => number][] = [
    ["neg", (t) => t.neg(), (v) => -v],
    ["abs", (t) => t.abs(), Math.abs],
    ["exp", (t) => t.exp(), Math.exp],
    ["expm1", (t) => t.expm1(), Math.expm1],
    ["sin", (t) => t.sin(), Math.sin],
    ["cos", (t) => t.cos(), Math.cos],
    ["tan", (t) => t.tan(), Math.tan],
    ["tanh", (t) => t.tanh(), Math.tanh],
    ["sigmoid", (t) => t.sigmoid(), (v) => 1 / (1 + Math.exp(-v))],
    ["relu", (t) => t.relu(), (v) => Math.max(v, 0)],
    ["floor", (t) => t.floor(), Math.floor],
    ["ceil", (t) => t.ceil(), Math.ceil],
    ["trunc", (t) => t.trunc(), Math.trunc],
    ["sign", (t) => t.sign(), Math.sign],
    ["square", (t) => t.square(), (v) => v * v],
    ["clamp", (t) => t.clamp(-1, 1), (v) => Math.min(Math.max(v, -1), 1)],
  ];
  for (const [name, op, reference] of cases) {
    it(name, () => expectClose(values(op(x)), xs.map(reference)));
  }

  it("log, sqrt, rsqrt, reciprocal, log1p, log2, log10 on positives", () => {
    const p = tensor([0.25, 1, 2, 10], { dtype: "float64" });
    const ps = values(p);
    expectClose(values(p.log()), ps.map(Math.log));
    expectClose(values(p.sqrt()), ps.map(Math.sqrt));
    expectClose(values(p.rsqrt()), ps.map((v) => 1 / Math.sqrt(v)));
    expectClose(values(p.reciprocal()), ps.map((v) => 1 / v));
    expectClose(values(p.log1p()), ps.map(Math.log1p));
    expectClose(values(p.log2()), ps.map(Math.log2));
    expectClose(values(p.log10()), ps.map(Math.log10));
  });

  it("erf matches tabulated values to 1e-14", () => {
    // Values from Abramowitz & Stegun, table 7.1 (to 15 digits).
    const table: [number, number][] = [
      [0.1, 0.112462916018285],
      [0.5, 0.520499877813047],
      [1, 0.842700792949715],
      [1.5, 0.966105146475311],
      [2, 0.995322265018953],
      [2.5, 0.999593047982555],
      [3, 0.999977909503001],
    ];
    for (const [v, expected] of table) {
      expect(Math.abs(erf(v) - expected)).toBeLessThan(1e-14);
      expect(Math.abs(erf(-v) + expected)).toBeLessThan(1e-14);
    }
    expect(erf(0)).toBe(0);
    expect(erf(8)).toBe(1);
  });

  it("round is half-to-even", () => {
    expect(values(tensor([0.5, 1.5, 2.5, -0.5, -1.5, 2.6]).round())).toEqual([0, 2, 2, -0, -2, 3]);
  });

  it("NaN propagates through max/min/clamp/relu, comparisons with NaN are false", () => {
    const n = tensor([NaN, 1]);
    expect(Number.isNaN(values(n.maximum(tensor([0, 0])))[0]!)).toBe(true);
    expect(Number.isNaN(values(n.clamp(0, 1))[0]!)).toBe(true);
    expect(Number.isNaN(values(n.relu())[0]!)).toBe(true);
    expect(Number.isNaN(n.max().itemSync())).toBe(true);
    expect(values(n.eq(n))).toEqual([0, 1]);
    expect(values(n.isnan())).toEqual([1, 0]);
    expect(values(tensor([Infinity, -Infinity, 1]).isinf())).toEqual([1, 1, 0]);
    expect(values(tensor([NaN, Infinity, 2]).nanToNum(0, 5))).toEqual([0, 5, 2]);
  });
});

describe("integer semantics", () => {
  it("floor division and remainder follow Python (sign of the divisor)", () => {
    const a = tensor([7, -7, 7, -7], { dtype: "int32" });
    const b = tensor([2, 2, -2, -2], { dtype: "int32" });
    expect(values(a.floorDivide(b))).toEqual([3, -4, -4, 3]);
    expect(values(a.remainder(b))).toEqual([1, 1, -1, -1]);
    expect(values(a.div(b, "trunc"))).toEqual([3, -3, -3, 3]);
    expect(values(a.fmod(b))).toEqual([1, -1, 1, -1]);
    expect(values(tensor([7.5, -7.5]).remainder(2))).toEqual([1.5, 0.5]);
  });

  it("int64 arithmetic is exact beyond 2^53", () => {
    const big = tensor([2n ** 60n + 1n]);
    expect((big.add(tensor([1n])).dataSync() as BigInt64Array)[0]).toBe(2n ** 60n + 2n);
    expect((big.mul(tensor([2n])).dataSync() as BigInt64Array)[0]).toBe(2n ** 61n + 2n);
    expect(tensor([5n, -5n]).floorDivide(tensor([2n, 2n])).tolistSync()).toEqual([2, -3]);
  });

  it("sum of ints gives int64; mean of ints gives float", () => {
    const i = tensor([1, 2, 3], { dtype: "int32" });
    expect(i.sum().dtype).toBe("int64");
    expect(i.sum().itemSync()).toBe(6);
    expect(i.mean().dtype).toBe("float32");
    expect(i.mean().itemSync()).toBe(2);
    expect(tensor([true, true, false]).sum().itemSync()).toBe(2);
  });
});

describe("reductions", () => {
  const x = tensor([[1, 5, 2], [4, 3, 6]], { dtype: "float64" });

  it("sum, mean, prod, amax, amin with dim and keepdim", () => {
    expect(x.sum().itemSync()).toBe(21);
    expect(nested(x.sum(0))).toEqual([5, 8, 8]);
    expect(nested(x.sum(1, true))).toEqual([[8], [13]]);
    expect(nested(x.sum([0, 1]))).toBe(21);
    expect(nested(x.mean(1))).toEqual([8 / 3, 13 / 3]);
    expect(x.prod().itemSync()).toBe(720);
    expect(nested(x.amax(0))).toEqual([4, 5, 6]);
    expect(nested(x.amin(1))).toEqual([1, 3]);
    expect(x.max().itemSync()).toBe(6);
    const { values: v, indices } = x.max(1);
    expect(nested(v)).toEqual([5, 6]);
    expect(nested(indices)).toEqual([1, 2]);
    expect(nested(x.min(0, true).indices)).toEqual([[0, 1, 0]]);
    expect(x.argmax().itemSync()).toBe(5);
    expect(nested(x.argmin(1))).toEqual([0, 1]);
    expect(nested(tensor([2, 7, 7]).argmax())).toBe(1); // first maximum
  });

  it("var and std (Bessel-corrected by default), logsumexp, norm, any, all, cumsum", () => {
    const v = tensor([2, 4, 4, 4, 5, 5, 7, 9], { dtype: "float64" });
    expect(v.var().itemSync()).toBeCloseTo(32 / 7, 12);
    expect(v.var(null, { correction: 0 }).itemSync()).toBeCloseTo(4, 12);
    expect(v.std(null, { correction: 0 }).itemSync()).toBeCloseTo(2, 12);
    const l = tensor([1000, 1000], { dtype: "float64" }).logsumexp(0).itemSync();
    expect(l).toBeCloseTo(1000 + Math.LN2, 10);
    expect(tensor([-Infinity, -Infinity]).logsumexp(0).itemSync()).toBe(-Infinity);
    expect(tensor([3, 4]).norm().itemSync()).toBe(5);
    expect(tensor([3, -4]).norm(1).itemSync()).toBe(7);
    expect(tensor([3, -4]).norm(Infinity).itemSync()).toBe(4);
    expect(tensor([0, 1]).any().itemSync()).toBe(1);
    expect(tensor([0, 1]).all().itemSync()).toBe(0);
    expect(nested(tensor([[true, false], [true, true]]).all(1))).toEqual([false, true]);
    expect(nested(x.cumsum(1))).toEqual([[1, 6, 8], [4, 7, 13]]);
    expect(nested(tensor([1, 2, 3], { dtype: "int32" }).cumsum(0))).toEqual([1, 3, 6]);
  });

  it("reductions over empty dims: sum is 0, max is an error", () => {
    expect(zeros(0, 3).sum(0).tolistSync()).toEqual([0, 0, 0]);
    expect(() => zeros(0, 3).amax(0)).toThrow(/cannot reduce over dim 0 of size 0/);
  });
});

describe("matmul", () => {
  function naive(a: number[][], b: number[][]): number[][] {
    return a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
  }

  it("2-d against a naive triple loop, including transposed operands", () => {
    const a = rand([37, 19], { generator: g, dtype: "float64" });
    const b = rand([19, 23], { generator: g, dtype: "float64" });
    const expected = naive(a.tolistSync() as number[][], b.tolistSync() as number[][]);
    const got = a.matmul(b).tolistSync() as number[][];
    got.forEach((row, i) => expectClose(row, expected[i]!, 1e-12));
    const viaTranspose = b.T.contiguous().T; // same values, column-major storage
    const got2 = a.T.contiguous().T.matmul(viaTranspose).tolistSync() as number[][];
    got2.forEach((row, i) => expectClose(row, expected[i]!, 1e-12));
  });

  it("1-d and batched broadcasting forms", () => {
    const m = tensor([[1, 2], [3, 4]]);
    const v = tensor([1, 1]);
    expect(nested(m.matmul(v))).toEqual([3, 7]);
    expect(nested(v.matmul(m))).toEqual([4, 6]);
    expect(v.dot(v).itemSync()).toBe(2);
    expect(nested(v.outer(tensor([1, 2, 3])))).toEqual([[1, 2, 3], [1, 2, 3]]);
    const batch = randn([3, 1, 4, 5], { generator: g });
    const right = randn([2, 5, 6], { generator: g });
    const out = matmul(batch, right);
    expect(out.shape).toEqual([3, 2, 4, 6]);
    const slice = out.index(2, 1).tolistSync() as number[][];
    const expected = naive(batch.index(2, 0).tolistSync() as number[][], right.index(1).tolistSync() as number[][]);
    slice.forEach((row, i) => expectClose(row, expected[i]!, 1e-5));
  });

  it("mismatched shapes name both shapes", () => {
    expect(() => zeros(32, 10).matmul(zeros(32, 10))).toThrow("matmul: shapes [32, 10] and [32, 10] cannot be multiplied (10 ≠ 32)");
    expect(() => zeros(2, 3).mm(zeros(3))).toThrow(/mm: expected 2-d tensors/);
  });
});

describe("softmax family", () => {
  it("softmax rows sum to 1, are shift invariant and survive large inputs", () => {
    const x = tensor([[1, 2, 3], [1000, 1001, 1002]], { dtype: "float64" });
    const s = x.softmax(1).tolistSync() as number[][];
    const e = [1, Math.E, Math.E ** 2];
    const total = e.reduce((a, b) => a + b);
    expectClose(s[0]!, e.map((v) => v / total));
    expectClose(s[1]!, e.map((v) => v / total));
    const ls = x.logSoftmax(1).tolistSync() as number[][];
    expectClose(ls[1]!, e.map((v) => Math.log(v / total)));
  });
});

describe("broadcasting and errors", () => {
  it("broadcasts like NumPy", () => {
    expect(nested(arange(3).reshape(3, 1).add(arange(2)))).toEqual([[0, 1], [1, 2], [2, 3]]);
  });
  it("incompatible shapes name the op and both shapes", () => {
    expect(() => zeros(2, 3).add(zeros(4))).toThrow("add: shapes [2, 3] and [4] cannot be broadcast together (dim -1: 3 vs 4)");
  });
  it("dtype problems name the dtypes", () => {
    expect(() => tensor([true]).neg()).toThrow(/neg: not supported for bool tensors/);
    expect(() => tensor([1], { dtype: "int32" }).add_(1.5)).toThrow(/result type float32 cannot be stored in a int32 tensor/);
  });
});
