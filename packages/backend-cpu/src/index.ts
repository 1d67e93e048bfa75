/**
 * @trek/backend-cpu — the CPU backend for TorchTrek, and the oracle other backends are tested
 * against. Register it explicitly:
 * ```ts
 * import { registerBackend } from "@trek/tensor";
 * import { CpuBackend } from "@trek/backend-cpu";
 * registerBackend("cpu", () => new CpuBackend());
 * ```
 * @packageDocumentation
 */
export { CpuBackend, cpuKernels } from "./cpu-backend.js";
export type { CpuBackendOptions } from "./cpu-backend.js";
export { erf } from "./math.js";
