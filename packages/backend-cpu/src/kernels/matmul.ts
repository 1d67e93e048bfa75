/** Batched matmul over strided views, on top of the packed GEMM. */
import type { View } from "@trek/tensor";
import { forEachRow } from "../strided.js";
import { contiguous, narrowInto, scratchFor, widen } from "../elementwise.js";
import { gemm } from "./gemm.js";

type FloatArray = Float32Array | Float64Array;

export function matmul(a: View, b: View, out: View): void {
  if (a.dtype === "float16" || a.dtype === "bfloat16") {
    const scratch = scratchFor(out);
    matmul(widen(a), widen(b), scratch);
    narrowInto(scratch, out);
    return;
  }
  const nd = out.shape.length;
  const M = out.shape[nd - 2]!;
  const N = out.shape[nd - 1]!;
  const K = a.shape[nd - 1]!;
  const rowMajorOut = out.strides[nd - 1] === 1 || N === 1;
  const target: View = rowMajorOut ? out : scratchLike(out);
  const batchShape = out.shape.slice(0, nd - 2);
  const aData = a.buffer as FloatArray;
  const bData = b.buffer as FloatArray;
  const cData = target.buffer as FloatArray;
  const run = (ao: number, bo: number, co: number): void =>
    gemm(
      M,
      N,
      K,
      { data: aData, offset: ao, rowStride: a.strides[nd - 2]!, colStride: a.strides[nd - 1]! },
      { data: bData, offset: bo, rowStride: b.strides[nd - 2]!, colStride: b.strides[nd - 1]! },
      { data: cData, offset: co, rowStride: target.strides[nd - 2]!, colStride: 1 },
      false,
    );
  if (batchShape.length === 0) run(a.offset, b.offset, target.offset);
  else {
    forEachRow(
      batchShape,
      [a.strides.slice(0, nd - 2), b.strides.slice(0, nd - 2), target.strides.slice(0, nd - 2)],
      [a.offset, b.offset, target.offset],
      (count, offs, inner) => {
        let ao = offs[0]!;
        let bo = offs[1]!;
        let co = offs[2]!;
        for (let k = 0; k < count; k++, ao += inner[0]!, bo += inner[1]!, co += inner[2]!) run(ao, bo, co);
      },
    );
  }
  if (target !== out) copyInto(target, out);
}

function scratchLike(out: View): View {
  const n = out.shape.reduce((p, s) => p * s, 1);
  const buffer = out.dtype === "float64" ? new Float64Array(n) : new Float32Array(n);
  return { buffer, dtype: out.dtype, shape: out.shape, strides: contiguous(out.shape), offset: 0 };
}

function copyInto(src: View, out: View): void {
  const s = src.buffer as FloatArray;
  const o = out.buffer as FloatArray;
  let i = 0;
  forEachRow(out.shape, [out.strides], [out.offset], (count, offs, inner) => {
    let oi = offs[0]!;
    for (let k = 0; k < count; k++, oi += inner[0]!) o[oi] = s[i++]!;
  });
}
