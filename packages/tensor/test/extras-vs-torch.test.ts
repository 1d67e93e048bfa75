/**
 * Tensor extras (tril/triu/diag/diagonal/trace, einsum, cumulative ops, order statistics, NaN
 * reductions, meshgrid, addmm/baddbmm, kron, unique, bincount, searchsorted) against PyTorch
 * 1.13 outputs written by scripts/fixtures/torch_tensor_extras.py.
 */
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import {
  addmm,
  baddbmm,
  bincount,
  cummax,
  cummin,
  cumprod,
  diag,
  diagonal,
  einsum,
  kron,
  kthvalue,
  logcumsumexp,
  median,
  meshgrid,
  nanmean,
  nansum,
  quantile,
  registerBackend,
  searchsorted,
  tensor,
  trace,
  tril,
  triu,
  unique,
  type DType,
  type QuantileInterpolation,
  type Tensor,
} from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";

registerBackend("cpu", () => new CpuBackend());

interface Encoded {
  dtype: string;
  shape: number[];
  data: (number | string | boolean)[];
}
interface Case {
  fn: string;
  inputs: Encoded[];
  params: Record<string, unknown>;
  outputs: Encoded[];
}

const fixture = JSON.parse(readFileSync(new URL("./fixtures/extras.json", import.meta.url), "utf8")) as { torch: string; cases: Case[] };

const decodeValue = (v: number | string | boolean): number =>
  v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : Number(v);

function decode(e: Encoded): Tensor {
  const data = e.data.map(decodeValue);
  const flat = e.dtype === "bool" ? tensor(data.map(Boolean), { dtype: "bool" }) : tensor(data, { dtype: e.dtype as DType });
  return flat.reshape(e.shape);
}

function run(c: Case): Tensor[] {
  const x = c.inputs.map(decode);
  const p = c.params as Record<string, never>;
  const pair = (r: { values: Tensor; indices: Tensor }): Tensor[] => [r.values, r.indices];
  switch (c.fn) {
    case "tril":
      return [tril(x[0]!, p.diagonal)];
    case "triu":
      return [x[0]!.triu(p.diagonal)];
    case "diag":
      return [diag(x[0]!, p.offset)];
    case "diagonal":
      return [diagonal(x[0]!, p.offset, p.dim1, p.dim2)];
    case "trace":
      return [trace(x[0]!)];
    case "einsum":
      return [einsum(p.equation, ...x)];
    case "cumprod":
      return [cumprod(x[0]!, p.dim)];
    case "logcumsumexp":
      return [logcumsumexp(x[0]!, p.dim)];
    case "cummax":
      return pair(cummax(x[0]!, p.dim));
    case "cummin":
      return pair(x[0]!.cummin(p.dim));
    case "median":
      return pair(median(x[0]!, p.dim, p.keepdim));
    case "medianAll":
      return [x[0]!.median()];
    case "kthvalue":
      return pair(kthvalue(x[0]!, p.k, p.dim, p.keepdim));
    case "quantile":
      return [quantile(x[0]!, p.q, p.dim, p.keepdim, p.interpolation as QuantileInterpolation)];
    case "nansum":
      return [nansum(x[0]!, p.dim, p.keepdim)];
    case "nanmean":
      return [nanmean(x[0]!, p.dim, p.keepdim)];
    case "meshgrid":
      return meshgrid(...x, { indexing: p.indexing });
    case "addmm":
      return [addmm(x[0]!, x[1]!, x[2]!, { beta: p.beta, alpha: p.alpha })];
    case "baddbmm":
      return [baddbmm(x[0]!, x[1]!, x[2]!, { beta: p.beta, alpha: p.alpha })];
    case "kron":
      return [kron(x[0]!, x[1]!)];
    case "unique": {
      const r = unique(x[0]!, { sorted: true, returnInverse: true, returnCounts: true, dim: p.dim });
      return [r.values, r.inverse!, r.counts!];
    }
    case "bincount":
      return [bincount(x[0]!, null, p.minlength)];
    case "bincountWeighted":
      return [bincount(x[0]!, x[1]!, p.minlength)];
    case "searchsorted":
      return [searchsorted(x[0]!, x[1]!, { right: p.right })];
    default:
      throw new Error(`no runner for ${c.fn}`);
  }
}

const maxDiff = new Map<string, number>();

describe(`tensor extras vs PyTorch ${fixture.torch}`, () => {
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
          const values = Array.from(g.dataSync() as ArrayLike<number | bigint | boolean>, Number);
          const expected = want.data.map(decodeValue);
          const tol = want.dtype === "float32" ? 2e-5 : want.dtype === "float64" ? 1e-12 : 0;
          values.forEach((v, i) => {
            const e = expected[i]!;
            if (Number.isNaN(e)) {
              expect(Number.isNaN(v), `${label} output ${k}[${i}]: expected NaN, got ${v}`).toBe(true);
              return;
            }
            if (!Number.isFinite(e)) {
              expect(v, `${label} output ${k}[${i}]`).toBe(e);
              return;
            }
            const diff = Math.abs(v - e);
            const key = `${fn} ${want.dtype}`;
            maxDiff.set(key, Math.max(maxDiff.get(key) ?? 0, diff));
            expect(diff, `${label} output ${k}[${i}]: got ${v}, expected ${e}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(e)));
          });
        });
      });
    });
  }
});

afterAll(() => {
  if (process.env.TREK_PRINT_MAX_DIFF) {
    for (const [k, v] of [...maxDiff.entries()].sort()) console.log(`max |Δ| ${k}: ${v.toExponential(2)}`);
  }
});
