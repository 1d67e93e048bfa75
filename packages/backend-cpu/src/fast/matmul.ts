/** Batched float32 matmul over strided views on the WebAssembly GEMM (any operand strides). */
import type { View } from "@trek/tensor";
import { forEachRow } from "../strided.js";
import type { WasmRuntime } from "../wasm/runtime.js";
import { f32Address } from "./blocks.js";
import { gemm } from "./gemm.js";

export function matmulFast(rt: WasmRuntime, a: View, b: View, out: View): boolean {
  const pa = f32Address(rt, a);
  const pb = f32Address(rt, b);
  const po = f32Address(rt, out);
  if (pa < 0 || pb < 0 || po < 0) return false;
  const nd = out.shape.length;
  const M = out.shape[nd - 2]!;
  const N = out.shape[nd - 1]!;
  const K = a.shape[nd - 1]!;
  if (out.strides[nd - 1] !== 1 && N !== 1) return false;
  const ars = a.strides[nd - 2]!;
  const acs = a.strides[nd - 1]!;
  const brs = b.strides[nd - 2]!;
  const bcs = b.strides[nd - 1]!;
  const ldc = out.strides[nd - 2]!;
  if (nd === 2) return gemm(rt, M, N, K, pa, ars, acs, pb, brs, bcs, po, ldc, false);
  let ok = true;
  forEachRow(
    out.shape.slice(0, nd - 2),
    [a.strides.slice(0, nd - 2), b.strides.slice(0, nd - 2), out.strides.slice(0, nd - 2)],
    [0, 0, 0],
    (count, offs, inner) => {
      let ao = offs[0]!;
      let bo = offs[1]!;
      let co = offs[2]!;
      for (let k = 0; k < count && ok; k++, ao += inner[0]!, bo += inner[1]!, co += inner[2]!) {
        ok = gemm(rt, M, N, K, pa + ao * 4, ars, acs, pb + bo * 4, brs, bcs, po + co * 4, ldc, false);
      }
    },
  );
  return ok;
}
