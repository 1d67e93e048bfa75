/**
 * The optional native kernels (native/kernels.c): an AVX2/FMA GEMM, the convolutions on it and
 * inference's 2×2 max pooling, for Node on x86-64. They run on the kernel module's shared memory, so buffers stay where they
 * are; the WebAssembly kernels remain the path everywhere else (browsers, other CPUs, machines
 * where the addon was not built). `TREK_CPU_NATIVE=0` turns them off.
 */

export interface NativeKernels {
  /** Remembers the kernel memory's base address (call again if the memory's buffer changes). */
  bind(memory: Uint8Array): void;
  sgemm(
    m: number, n: number, k: number,
    a: number, aRowStride: number, aColStride: number,
    b: number, bRowStride: number, bColStride: number,
    c: number, ldc: number, accumulate: number, threads: number,
  ): void;
  /** kind 0 forward, 1 input gradient, 2 weight gradient; see native/kernels.c. */
  conv(kind: number, desc: number, in0: number, in1: number, bias: number, out: number, accumulate: number, threads: number, partials: number): void;
  /** Values of 2×2/stride-2 max pooling over [planes, h, w], every window whole (no indices). */
  maxPool2x2(x: number, out: number, planes: number, h: number, w: number, oh: number, ow: number, threads: number): void;
  supported(): boolean;
}

type NodeProcess = {
  env?: Record<string, string | undefined>;
  arch?: string;
  getBuiltinModule?: (id: string) => unknown;
};

/** The native kernels, or null (not Node, not x86-64, not built, or turned off). */
export function loadNativeKernels(): NativeKernels | null {
  const proc = (globalThis as { process?: NodeProcess }).process;
  if (!proc?.getBuiltinModule || proc.arch !== "x64" || proc.env?.TREK_CPU_NATIVE === "0") return null;
  const moduleApi = proc.getBuiltinModule("node:module") as { createRequire(from: string | URL): (id: string) => unknown } | undefined;
  if (!moduleApi) return null;
  let here: string;
  try {
    here = import.meta.url;
  } catch {
    return null;
  }
  if (!here) return null;
  const require = moduleApi.createRequire(here);
  // From src/native/ (sources) or dist/ (the built package).
  for (const candidate of ["../../native/build/trek-cpu.node", "../native/build/trek-cpu.node"]) {
    try {
      const kernels = require(new URL(candidate, here).pathname) as NativeKernels;
      return kernels.supported() ? kernels : null;
    } catch {
      // not at this location
    }
  }
  return null;
}
