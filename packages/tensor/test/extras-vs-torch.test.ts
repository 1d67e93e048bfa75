/**
 * Tensor extras (tril/triu/diag/diagonal/trace, einsum, cumulative ops, order statistics, NaN
 * reductions, meshgrid, addmm/baddbmm, kron, unique, bincount, searchsorted) against PyTorch
 * 1.13 outputs written by scripts/fixtures/torch_tensor_extras.py.
 */
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
import { decode, describeFixture, loadFixture, type FixtureCase } from "./torch-fixture.js";

registerBackend("cpu", () => new CpuBackend());

const fixture = loadFixture("extras.json");

function run(c: FixtureCase): Tensor[] {
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

describeFixture({ title: "tensor extras", fixture, run, tolerance: (dtype) => (dtype === "float32" ? 2e-5 : 1e-12) });
