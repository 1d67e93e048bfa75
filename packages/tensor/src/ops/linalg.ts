/** Matrix products with PyTorch's 1-d / batched / broadcast rules. */
import { isFloatingPoint, resultType } from "../dtype.js";
import { ShapeError } from "../errors.js";
import { broadcastShapes, formatShape } from "../shape.js";
import { Tensor, emptyTensor, sameDevice } from "../tensor.js";
import { recordOp } from "../autograd-hooks.js";
import { backendFailure, broadcastView, decompose } from "./dispatch.js";
import { cast } from "./convert.js";
import * as E from "./elementwise.js";
import * as M from "./movement.js";
import { sum } from "./reduce.js";

function mismatch(op: string, a: Tensor, b: Tensor, k1: number, k2: number): ShapeError {
  return new ShapeError(`${op}: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} cannot be multiplied (${k1} ≠ ${k2})`);
}

/** `a @ b` for tensors of any rank ≥ 1, broadcasting batch dims. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  sameDevice("matmul", a, b);
  if (a.ndim === 0 || b.ndim === 0) {
    throw new ShapeError(`matmul: both arguments need at least 1 dim, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }
  if (a.ndim === 1 && b.ndim === 1) {
    if (a.shape[0] !== b.shape[0]) throw mismatch("matmul", a, b, a.shape[0]!, b.shape[0]!);
    return squeezeResult(matmulND(M.unsqueeze(a, 0), M.unsqueeze(b, 1)), [-2, -1]);
  }
  if (a.ndim === 1) return squeezeResult(matmulND(M.unsqueeze(a, 0), b), [-2]);
  if (b.ndim === 1) return squeezeResult(matmulND(a, M.unsqueeze(b, 1)), [-1]);
  return matmulND(a, b);
}

function squeezeResult(t: Tensor, dims: number[]): Tensor {
  const out = M.squeeze(t, dims.map((d) => d + t.ndim));
  t.dispose();
  return out;
}

function matmulND(a: Tensor, b: Tensor): Tensor {
  const m = a.shape[a.ndim - 2]!;
  const k = a.shape[a.ndim - 1]!;
  const k2 = b.shape[b.ndim - 2]!;
  const n = b.shape[b.ndim - 1]!;
  if (k !== k2) throw mismatch("matmul", a, b, k, k2);
  const dtype = resultType(a, b);
  const A = a.dtype === dtype ? a : cast(a, dtype);
  const B = b.dtype === dtype ? b : cast(b, dtype);
  const batch = broadcastShapes("matmul", a.shape.slice(0, -2), b.shape.slice(0, -2));
  const outShape = [...batch, m, n];
  const backend = A.backend;
  const kernel = backend.kernels?.matmul;
  let out: Tensor;
  if (kernel && isFloatingPoint(dtype)) {
    out = emptyTensor(outShape, dtype, A.device);
    const va = broadcastView(A, [...batch, m, k]);
    const vb = broadcastView(B, [...batch, k, n]);
    try {
      kernel.call(backend.kernels, va, vb, out);
    } catch (err) {
      backendFailure("matmul", backend, err, va, vb);
    }
  } else {
    out = decompose(() => matmulDecomposed(A, B));
  }
  if (isFloatingPoint(dtype)) recordOp("matmul", [A, B], [out]);
  if (A !== a) A.dispose();
  if (B !== b) B.dispose();
  return out;
}

/** Σ_k a[..., m, k, 1] · b[..., 1, k, n] from primitives. */
function matmulDecomposed(a: Tensor, b: Tensor): Tensor {
  const products = E.binary("mul", M.unsqueeze(a, -1), M.unsqueeze(b, -3));
  const out = sum(products, -2, false);
  products.dispose();
  return out.dtype === a.dtype ? out : cast(out, a.dtype);
}

export function mm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 2 || b.ndim !== 2) {
    throw new ShapeError(`mm: expected 2-d tensors, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }
  return matmul(a, b);
}

export function bmm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 3 || b.ndim !== 3) {
    throw new ShapeError(`bmm: expected 3-d tensors, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }
  if (a.shape[0] !== b.shape[0]) {
    throw new ShapeError(`bmm: batch sizes differ: ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }
  return matmul(a, b);
}

export function dot(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1 || b.ndim !== 1) {
    throw new ShapeError(`dot: expected 1-d tensors, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }
  return matmul(a, b);
}

export function mv(a: Tensor, v: Tensor): Tensor {
  if (a.ndim !== 2 || v.ndim !== 1) {
    throw new ShapeError(`mv: expected a 2-d matrix and a 1-d vector, got ${formatShape(a.shape)} and ${formatShape(v.shape)}`);
  }
  return matmul(a, v);
}

export function outer(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1 || b.ndim !== 1) {
    throw new ShapeError(`outer: expected 1-d tensors, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }
  const column = M.unsqueeze(a, 1);
  const row = M.unsqueeze(b, 0);
  const out = E.binary("mul", column, row);
  column.dispose();
  row.dispose();
  return out;
}
