/**
 * Matrix products: the native AVX2/FMA GEMM when it is loaded, else the WebAssembly one (on the
 * worker pool for large products). One entry used by matmul and by conv's helpers.
 */
import { TaskKind } from "../wasm/kernel-exports.js";
import type { WasmRuntime } from "../wasm/runtime.js";

/** WebAssembly products below this many flops stay on the calling thread (a pool job costs ~10 µs). */
export const PARALLEL_FLOPS = 1 << 22;

/** Native products below this many flops stay on the calling thread (it starts threads per call). */
export const NATIVE_PARALLEL_FLOPS = 1 << 25;

/**
 * C = A·B (+ C) with byte addresses and element strides; C row-major with row stride ldc.
 * `scratch` (when given) must hold threads × GEMM_SCRATCH_BYTES; otherwise the runtime's is used.
 */
export function gemm(
  rt: WasmRuntime,
  M: number, N: number, K: number,
  a: number, aRowStride: number, aColStride: number,
  b: number, bRowStride: number, bColStride: number,
  c: number, ldc: number,
  accumulate: boolean,
  scratch = 0,
): boolean {
  const native = rt.nativeKernels();
  if (native) {
    const threads = rt.nativeThreadsFor(2 * M * N * K, NATIVE_PARALLEL_FLOPS);
    native.sgemm(M, N, K, a, aRowStride, aColStride, b, bRowStride, bColStride, c, ldc, accumulate ? 1 : 0, threads);
    return true;
  }
  const threads = rt.threadsFor(2 * M * N * K, PARALLEL_FLOPS);
  const work = scratch || rt.scratch(threads * rt.gemmScratchBytes);
  if (!work) return false;
  if (threads <= 1) {
    rt.exports.sgemm(0, M, 0, N, K, a, aRowStride, aColStride, b, bRowStride, bColStride, c, ldc, accumulate ? 1 : 0, work);
    return true;
  }
  const slots = rt.i32();
  const j = rt.jobAddress >> 2;
  slots[j] = TaskKind.gemm;
  slots[j + 1] = M;
  slots[j + 2] = N;
  slots[j + 3] = K;
  slots[j + 4] = a;
  slots[j + 5] = aRowStride;
  slots[j + 6] = aColStride;
  slots[j + 7] = b;
  slots[j + 8] = bRowStride;
  slots[j + 9] = bColStride;
  slots[j + 10] = c;
  slots[j + 11] = ldc;
  slots[j + 12] = accumulate ? 1 : 0;
  slots[j + 13] = work;
  rt.runJob(threads);
  return true;
}
