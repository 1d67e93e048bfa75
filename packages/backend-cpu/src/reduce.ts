/**
 * Reductions as an accumulation into a broadcast output: iterate the input in memory order and
 * fold each element into the accumulator cell its output index maps to (stride 0 on reduced
 * dims). Floats accumulate in float64; int64 in BigInt.
 */
import type { ReduceOp, View } from "@trek/tensor";
import { forEachRow, numelOf } from "./strided.js";
import { contiguous, narrowInto, widen } from "./elementwise.js";

const IDENTITY: Record<ReduceOp, number> = { sum: 0, prod: 1, max: -Infinity, min: Infinity };

/** Accumulator strides: contiguous over `out`'s shape, 0 where a dim is reduced. */
function accumulatorStrides(xShape: readonly number[], dims: readonly number[]): number[] {
  const keep = xShape.map((s, i) => (dims.includes(i) ? 1 : s));
  const strides = contiguous(keep);
  for (const d of dims) strides[d] = 0;
  return strides;
}

export function reduce(op: ReduceOp, x: View, dims: readonly number[], out: View): void {
  if (x.dtype === "float16" || x.dtype === "bfloat16") {
    const wide = widen(x);
    const scratch: View = { buffer: new Float32Array(numelOf(out.shape)), dtype: "float32", shape: out.shape, strides: contiguous(out.shape), offset: 0 };
    reduce(op, wide, dims, scratch);
    narrowInto(scratch, out);
    return;
  }
  if (x.dtype === "int64") {
    reduceBig(op, x, dims, out);
    return;
  }
  const n = numelOf(out.shape);
  const acc = new Float64Array(n).fill(IDENTITY[op]);
  const accStrides = accumulatorStrides(x.shape, dims);
  const xa = x.buffer as { [i: number]: number };
  forEachRow(x.shape, [x.strides, accStrides], [x.offset, 0], (count, offs, inner) => {
    let xi = offs[0]!;
    let ai = offs[1]!;
    const xs = inner[0]!;
    const as = inner[1]!;
    if (as === 0) {
      // The whole row folds into one cell: keep the running value in a register.
      let r = acc[ai]!;
      switch (op) {
        case "sum":
          for (let k = 0; k < count; k++, xi += xs) r += xa[xi]!;
          break;
        case "prod":
          for (let k = 0; k < count; k++, xi += xs) r *= xa[xi]!;
          break;
        case "max":
          for (let k = 0; k < count; k++, xi += xs) { const v = xa[xi]!; if (v > r || v !== v) r = v; if (r !== r) break; }
          break;
        case "min":
          for (let k = 0; k < count; k++, xi += xs) { const v = xa[xi]!; if (v < r || v !== v) r = v; if (r !== r) break; }
          break;
      }
      acc[ai] = r;
      return;
    }
    switch (op) {
      case "sum":
        for (let k = 0; k < count; k++, xi += xs, ai += as) acc[ai]! += xa[xi]!;
        break;
      case "prod":
        for (let k = 0; k < count; k++, xi += xs, ai += as) acc[ai]! *= xa[xi]!;
        break;
      case "max":
        for (let k = 0; k < count; k++, xi += xs, ai += as) { const v = xa[xi]!; const r = acc[ai]!; if (v > r || v !== v) acc[ai] = r !== r ? r : v; }
        break;
      case "min":
        for (let k = 0; k < count; k++, xi += xs, ai += as) { const v = xa[xi]!; const r = acc[ai]!; if (v < r || v !== v) acc[ai] = r !== r ? r : v; }
        break;
    }
  });
  const oa = out.buffer as { [i: number]: number };
  let i = 0;
  forEachRow(out.shape, [out.strides], [out.offset], (count, offs, inner) => {
    let oi = offs[0]!;
    const os = inner[0]!;
    for (let k = 0; k < count; k++, oi += os) oa[oi] = acc[i++]!;
  });
}

function reduceBig(op: ReduceOp, x: View, dims: readonly number[], out: View): void {
  const n = numelOf(out.shape);
  const init = op === "sum" ? 0n : op === "prod" ? 1n : null;
  const acc: (bigint | null)[] = new Array(n).fill(init);
  const accStrides = accumulatorStrides(x.shape, dims);
  const xa = x.buffer as BigInt64Array;
  forEachRow(x.shape, [x.strides, accStrides], [x.offset, 0], (count, offs, inner) => {
    let xi = offs[0]!;
    let ai = offs[1]!;
    for (let k = 0; k < count; k++, xi += inner[0]!, ai += inner[1]!) {
      const v = xa[xi]!;
      const r = acc[ai];
      if (op === "sum") acc[ai] = BigInt.asIntN(64, (r as bigint) + v);
      else if (op === "prod") acc[ai] = BigInt.asIntN(64, (r as bigint) * v);
      else if (r === null || (op === "max" ? v > r : v < r)) acc[ai] = v;
    }
  });
  const oa = out.buffer as BigInt64Array;
  let i = 0;
  forEachRow(out.shape, [out.strides], [out.offset], (count, offs, inner) => {
    let oi = offs[0]!;
    for (let k = 0; k < count; k++, oi += inner[0]!) oa[oi] = acc[i++] ?? 0n;
  });
}
