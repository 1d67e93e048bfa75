/** WebAssembly path of sum/max/min over float32: a float64 accumulator in scratch memory. */
import type { ReduceOp, View } from "@trek/tensor";
import { isContiguous, numelOf } from "../strided.js";
import { ReduceCode } from "../wasm/kernel-exports.js";
import type { WasmRuntime } from "../wasm/runtime.js";
import { contiguousStrides, f32Address, forEachBlock } from "./blocks.js";

const CODES: Partial<Record<ReduceOp, number>> = ReduceCode;
const IDENTITY: Record<number, number> = { [ReduceCode.sum]: 0, [ReduceCode.max]: -Infinity, [ReduceCode.min]: Infinity };

export function reduceFast(rt: WasmRuntime, op: ReduceOp, x: View, dims: readonly number[], out: View): boolean {
  const code = CODES[op];
  if (code === undefined) return false;
  const px = f32Address(rt, x);
  if (px < 0 || out.dtype !== "float32") return false;
  const count = numelOf(out.shape);
  const acc = rt.scratch(count * 8);
  if (!acc) return false;
  const e = rt.exports;
  e.fillF64(count, acc, IDENTITY[code]!);
  // Accumulator strides: contiguous over out's shape, 0 along reduced dims.
  const kept = x.shape.map((s, i) => (dims.includes(i) ? 1 : s));
  const accStrides = contiguousStrides(kept);
  for (const d of dims) accStrides[d] = 0;
  forEachBlock(
    x.shape,
    [x.strides, accStrides],
    [0, 0],
    () => true,
    (rows, n, offs, rowStrides, inner) => {
      e.reduceF32(code, rows, rowStrides[0]!, rowStrides[1]!, n, inner[0]!, inner[1]!, px + offs[0]! * 4, acc + offs[1]! * 8);
    },
  );
  const po = rt.address(out);
  if (po >= 0 && isContiguous(out.shape, out.strides)) {
    e.narrowF64(count, acc, po);
    return true;
  }
  const values = new Float64Array(rt.heap.buffer(), acc, count);
  const target = out.buffer as Float32Array;
  let i = 0;
  forEachBlock(out.shape, [out.strides], [out.offset], () => true, (rows, n, offs, rowStrides, inner) => {
    for (let r = 0; r < rows; r++) {
      let o = offs[0]! + r * rowStrides[0]!;
      for (let k = 0; k < n; k++, o += inner[0]!) target[o] = values[i++]!;
    }
  });
  return true;
}
