/**
 * @trek/backend-webgpu — the WebGPU backend for TorchTrek: WGSL compute kernels, a buffer pool,
 * batched submits and asynchronous readback, in browsers (`navigator.gpu`) and in Node (the
 * `webgpu` package, Dawn). Register it explicitly and initialise it asynchronously:
 * ```ts
 * import { registerBackend, initBackend } from "@trek/tensor";
 * import { WebGpuBackend } from "@trek/backend-webgpu";
 * registerBackend("webgpu", () => new WebGpuBackend());
 * await initBackend("webgpu");
 * ```
 * @packageDocumentation
 */
export { WebGpuBackend } from "./webgpu-backend.js";
export type { WebGpuBackendOptions, WebGpuStats } from "./webgpu-backend.js";
export type { MatmulVariant } from "./kernels/index.js";
export type { PoolStats } from "./buffer-pool.js";
export type { StreamStats } from "./command-stream.js";
