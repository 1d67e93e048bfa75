/** What the CPU backend runs on here: WebAssembly kernels or not, threads, heap usage. */
import { getRuntime, runtimeUnavailableReason } from "./wasm/runtime.js";

export interface CpuRuntimeInfo {
  /** Whether the WebAssembly SIMD kernels are in use. */
  readonly wasm: boolean;
  /** Why they are not, when they are not. */
  readonly reason?: string;
  /** Whether the native AVX2/FMA GEMM and convolutions (Node on x86-64) are in use. */
  readonly native: boolean;
  /** Whether kernel memory is shared, so worker threads can help. */
  readonly sharedMemory: boolean;
  /** Threads large kernels use (the calling thread included). */
  readonly threads: number;
  /** Worker threads started and ready. */
  readonly readyWorkers: number;
  /** Bytes of live tensor buffers in the kernel heap, and the peak. */
  readonly heapUsedBytes: number;
  readonly heapPeakBytes: number;
  /** Size of the kernel module's linear memory. */
  readonly memoryBytes: number;
}

/** Describes the CPU backend's kernel runtime in this process. */
export function cpuRuntimeInfo(): CpuRuntimeInfo {
  const rt = getRuntime();
  if (!rt) {
    return {
      wasm: false,
      reason: runtimeUnavailableReason(),
      native: false,
      sharedMemory: false,
      threads: 1,
      readyWorkers: 0,
      heapUsedBytes: 0,
      heapPeakBytes: 0,
      memoryBytes: 0,
    };
  }
  const info = rt.info();
  return {
    wasm: true,
    native: info.native ?? false,
    sharedMemory: info.sharedMemory,
    threads: info.threads,
    readyWorkers: info.readyWorkers,
    heapUsedBytes: info.heap!.usedBytes,
    heapPeakBytes: info.heap!.peakBytes,
    memoryBytes: info.heap!.memoryBytes,
  };
}
