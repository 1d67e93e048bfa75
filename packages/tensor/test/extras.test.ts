/** Behaviour of the tensor extras beyond the PyTorch fixtures: views, in-place forms, errors. */
import { describe, expect, it } from "vitest";
import {
  DTypeError,
  IndexError,
  ShapeError,
  arange,
  bincount,
  cummax,
  cummin,
  cumprod,
  diag,
  diagonal,
  einsum,
  kthvalue,
  logcumsumexp,
  median,
  meshgrid,
  quantile,
  registerBackend,
  searchsorted,
  tensor,
  trace,
  tril,
  triu,
  unique,
  addmm,
  baddbmm,
  zeros,
} from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";

registerBackend("cpu", () => new CpuBackend());

describe("diagonal, tril_ and triu_", () => {
  it("diagonal is a zero-copy view that sees writes to its base", () => {
    const x = arange(0, 12, { dtype: "float32" }).reshape(3, 4);
    const d = diagonal(x, 1);
    expect(d.tolistSync()).toEqual([1, 6, 11]);
    x.fill_(2);
    expect(d.tolistSync()).toEqual([2, 2, 2]);
    expect(x.diagonal(0, 0, 1).strides).toEqual([5]);
  });

  it("tril_ / triu_ modify in place", () => {
    const x = arange(0, 9, { dtype: "float32" }).reshape(3, 3);
    expect(x.tril_()).toBe(x);
    expect(x.tolistSync()).toEqual([[0, 0, 0], [3, 4, 0], [6, 7, 8]]);
    const y = arange(0, 9, { dtype: "int64" }).reshape(3, 3).triu_(1);
    expect(y.tolistSync()).toEqual([[0, 1, 2], [0, 0, 5], [0, 0, 0]]);
  });

  it("tril keeps bool tensors bool", () => {
    const m = tensor([[true, true], [true, true]]);
    expect(tril(m).dtype).toBe("bool");
    expect(tril(m).tolistSync()).toEqual([[true, false], [true, true]]);
  });
});

describe("cummax / cummin", () => {
  it("propagate NaN from its first occurrence", () => {
    const { values, indices } = cummax(tensor([1, NaN, 3, NaN], { dtype: "float64" }), 0);
    expect(Array.from(values.dataSync() as Float64Array).map((v) => (Number.isNaN(v) ? "nan" : v))).toEqual([1, "nan", "nan", "nan"]);
    expect(indices.tolistSync()).toEqual([0, 1, 1, 1]);
  });
});

describe("errors name the function and the offending shape, dim or dtype", () => {
  const v = tensor([1, 2, 3]);
  const m = zeros([2, 3]);
  const cases: [string, () => unknown, new (...args: never[]) => Error, RegExp][] = [
    ["tril 1-d", () => tril(v), ShapeError, /tril: input must have at least 2 dims, got shape \[3\]/],
    ["triu 1-d", () => triu(v), ShapeError, /triu: .*\[3\]/],
    ["diag 3-d", () => diag(zeros([2, 2, 2])), ShapeError, /diag: expected a 1-d or 2-d input, got shape \[2, 2, 2\]/],
    ["diagonal same dims", () => diagonal(m, 0, 1, 1), ShapeError, /diagonal: dim1 and dim2 must differ/],
    ["diagonal 1-d", () => diagonal(v), ShapeError, /diagonal: .*\[3\]/],
    ["trace 3-d", () => trace(zeros([2, 2, 2])), ShapeError, /trace: expected a 2-d tensor, got shape \[2, 2, 2\]/],
    ["einsum operand count", () => einsum("ij,jk->ik", m), ShapeError, /einsum: equation "ij,jk->ik" has 2 input subscripts but 1 operands/],
    ["einsum size mismatch", () => einsum("ij,jk->ik", m, zeros([4, 2])), ShapeError, /einsum: subscript 'j' has size 3 in operand 0 but size 4 in operand 1/],
    ["einsum rank mismatch", () => einsum("ijk->i", m), ShapeError, /einsum: subscripts "ijk" of operand 0 name 3 dims, but the operand has shape \[2, 3\]/],
    ["einsum bad char", () => einsum("i1->i", m), ShapeError, /einsum: invalid subscript '1'/],
    ["einsum unknown output", () => einsum("ij->z", m), ShapeError, /einsum: output subscript 'z'/],
    ["cumprod dim", () => cumprod(m, 2), IndexError, /cumprod/],
    ["logcumsumexp int", () => logcumsumexp(tensor([1, 2], { dtype: "int64" }), 0), DTypeError, /logcumsumexp: expected a floating-point input, got dtype int64/],
    ["median dim", () => median(m, 5), IndexError, /median/],
    ["kthvalue k", () => kthvalue(m, 4, 1), IndexError, /kthvalue: k = 4 is out of range for dim 1 of size 3 \(shape \[2, 3\]\)/],
    ["quantile int", () => quantile(tensor([1, 2], { dtype: "int64" }), 0.5), DTypeError, /quantile: .*int64/],
    ["quantile q", () => quantile(m, 1.5), RangeError, /quantile: q values must be in \[0, 1\], got 1.5/],
    ["meshgrid 2-d", () => meshgrid(m, v), ShapeError, /meshgrid: expected 0-d or 1-d tensors, got shape \[2, 3\]/],
    ["addmm 1-d", () => addmm(m, v, m), ShapeError, /addmm: expected 2-d mat1 and mat2, got \[3\] and \[2, 3\]/],
    ["addmm inner", () => addmm(m, m, m), ShapeError, /matmul: shapes \[2, 3\] and \[2, 3\]/],
    ["addmm input", () => addmm(zeros([4, 4]), m, zeros([3, 2])), ShapeError, /addmm/],
    ["baddbmm 2-d", () => baddbmm(m, m, m), ShapeError, /baddbmm: expected 3-d batch1 and batch2, got \[2, 3\] and \[2, 3\]/],
    ["bincount float", () => bincount(tensor([0.5])), DTypeError, /bincount: input must have an integer dtype, got float32/],
    ["bincount 2-d", () => bincount(zeros([2, 2], { dtype: "int64" })), ShapeError, /bincount: input must be 1-d, got shape \[2, 2\]/],
    ["bincount negative", () => bincount(tensor([1, -1], { dtype: "int64" })), RangeError, /bincount: input must be non-negative, got -1/],
    ["searchsorted leading dims", () => searchsorted(zeros([2, 3]), zeros([3, 1])), ShapeError, /searchsorted: leading dims of sortedSequence \[2, 3\] and values \[3, 1\]/],
  ];
  for (const [name, fn, type, pattern] of cases) {
    it(name, () => {
      expect(fn).toThrow(type);
      expect(fn).toThrow(pattern);
    });
  }
});

describe("misc", () => {
  it("unique without extras returns only values; int tensors stay int64", () => {
    const r = unique(tensor([3, 1, 3], { dtype: "int64" }));
    expect(r.values.tolistSync()).toEqual([1, 3]);
    expect(r.inverse).toBeUndefined();
    expect(r.counts).toBeUndefined();
  });
  it("einsum accepts an operand array and spaces", () => {
    const a = arange(0, 6, { dtype: "float64" }).reshape(2, 3);
    expect(einsum("ij -> j", [a]).tolistSync()).toEqual([3, 5, 7]);
  });
  it("searchsorted accepts a scalar", () => {
    expect(searchsorted(tensor([1, 2, 3]), 2, { right: true }).tolistSync()).toEqual(2);
  });
});

describe("scans longer than one block", () => {
  // 300 positions: three blocks of the blocked scan, compared with a plain running loop.
  const n = 300;
  const values = Array.from({ length: 2 * n }, (_, i) => {
    if (i % 97 === 5) return 0; // zeros for cumprod
    if (i % 53 === 7) return 0.75; // ties for cummax/cummin
    return 0.9 + 0.2 * Math.sin(i * 1.7);
  });
  const rows = [values.slice(0, n), values.slice(n)];
  const x = tensor(rows, { dtype: "float64" });
  const running = (row: number[], step: (acc: number, v: number) => number) => {
    const out: number[] = [];
    row.forEach((v, i) => out.push(i === 0 ? v : step(out[i - 1]!, v)));
    return out;
  };
  const close = (got: number[][], want: number[][]) =>
    got.forEach((row, r) => row.forEach((v, i) => expect(Math.abs(v - want[r]![i]!)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want[r]![i]!)))));

  it("cumprod and logcumsumexp", () => {
    close(cumprod(x, 1).tolistSync() as number[][], rows.map((r) => running(r, (a, v) => a * v)));
    const lse = (a: number, v: number) => Math.max(a, v) + Math.log(Math.exp(a - Math.max(a, v)) + Math.exp(v - Math.max(a, v)));
    close(logcumsumexp(x, 1).tolistSync() as number[][], rows.map((r) => running(r, lse)));
  });

  it("cummax and cummin: values, last index among ties, the first NaN kept", () => {
    const withNan = rows.map((r) => r.map((v, i) => (i === 200 || i === 250 ? Number.NaN : v)));
    const t = tensor(withNan, { dtype: "float64" });
    for (const [fn, better] of [[cummax, (v: number, a: number) => v >= a], [cummin, (v: number, a: number) => v <= a]] as const) {
      const { values: got, indices } = fn(t, 1);
      const idx = indices.tolistSync() as number[][];
      const vals = got.tolistSync() as number[][];
      withNan.forEach((row, r) => {
        let best = 0;
        row.forEach((v, i) => {
          if (i > 0 && !Number.isNaN(row[best]!) && (Number.isNaN(v) || better(v, row[best]!))) best = i;
          expect(idx[r]![i]).toBe(best);
          expect(Object.is(vals[r]![i], row[best]) || vals[r]![i] === row[best]).toBe(true);
        });
      });
    }
  });
});
