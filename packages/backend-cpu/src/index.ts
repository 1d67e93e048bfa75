/**
 * @trek/backend-cpu — the CPU backend for TorchTrek, and the oracle other backends are tested
 * against. Register it explicitly:
 * ```ts
 * import { registerBackend } from "@trek/tensor";
 * import { CpuBackend } from "@trek/backend-cpu";
 * registerBackend("cpu", () => new CpuBackend());
 * ```
 * Float32 work runs on WebAssembly SIMD kernels (threads over shared memory for large kernels;
 * `TREK_NUM_THREADS` / `setNumThreads`), with a plain TypeScript path for everything else.
 * @packageDocumentation
 */
export { CpuBackend, cpuKernels, referenceKernels } from "./cpu-backend.js";
export type { CpuBackendOptions } from "./cpu-backend.js";
export { getNumThreads, setNumThreads } from "./wasm/runtime.js";
export { cpuRuntimeInfo } from "./runtime-info.js";
export type { CpuRuntimeInfo } from "./runtime-info.js";
export { erf } from "./math.js";
