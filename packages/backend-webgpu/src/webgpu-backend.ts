/// <reference types="@webgpu/types" />
/**
 * The WebGPU backend: tensors live in GPU storage buffers, every primitive is a WGSL compute
 * shader over strided views, and work is recorded into batched command buffers that run while
 * JavaScript continues. Reading is asynchronous (`await t.data()`).
 */
import type { Backend, BinaryOp, DType, FastKernels, ReduceOp, TypedArray, UnaryOp, View } from "@trek/tensor";
import { createContext, type GpuContext } from "./gpu-context.js";
import { GpuRuntime, bufferOf, type GpuTensorBuffer } from "./runtime.js";
import { fromGpuBytes, hasStorageFormat, storageFormat, toGpuBytes } from "./storage-format.js";
import * as elementwise from "./primitives/elementwise.js";
import { reduce } from "./primitives/reduce.js";
import { createKernels, type MatmulVariant } from "./kernels/index.js";
import type { PoolStats } from "./buffer-pool.js";
import type { StreamStats } from "./command-stream.js";

export interface WebGpuBackendOptions {
  /**
   * The WebGPU entry point: `navigator.gpu` in a browser, or `create([])` from the `webgpu`
   * package in Node. Default: `navigator.gpu`, else the `webgpu` package loaded on demand.
   */
  gpu?: GPU;
  /** Use this adapter instead of requesting one. */
  adapter?: GPUAdapter;
  /** Use this device instead of requesting one (it is not destroyed on dispose). */
  device?: GPUDevice;
  powerPreference?: GPUPowerPreference;
  /** Store float16 tensors natively when the adapter has `shader-f16` (default true). */
  float16?: boolean;
  /** Dispatches recorded before a submit is forced (default 256). */
  maxBatchSize?: number;
  /** Bytes of freed buffers kept for reuse (default 256 MiB). */
  poolLimitBytes?: number;
  /** false: primitives only, every other op runs its decomposition (for testing them). */
  kernels?: boolean;
  /**
   * matmul layout: "tiled" stages tiles in workgroup memory (real GPUs), "registers" streams
   * from memory (CPU adapters, where barriers are expensive). Default: by adapter.
   */
  matmul?: MatmulVariant;
  /** Device name users pass to `.to(...)` (default "webgpu"). */
  name?: string;
}

/** Counters for tests, benchmarks and leak checks. */
export interface WebGpuStats {
  readonly adapter: string;
  readonly pool: PoolStats;
  readonly stream: StreamStats;
  /** Distinct compute pipelines compiled. */
  readonly pipelines: number;
  /** Milliseconds spent compiling them. */
  readonly compileMs: number;
}

export class WebGpuBackend implements Backend {
  readonly name: string;
  readonly canReadSync = false;
  private context: GpuContext | null = null;
  private runtimeInstance: GpuRuntime | null = null;
  private initializing: Promise<void> | null = null;
  private disposed = false;
  private kernelSet: FastKernels | undefined;

  constructor(private readonly options: WebGpuBackendOptions = {}) {
    this.name = options.name ?? "webgpu";
  }

  /** Requests the adapter and device; the registry awaits it via `initBackend("webgpu")`. */
  init(): Promise<void> {
    this.initializing ??= (async () => {
      const context = await createContext(this.options);
      this.context = context;
      this.runtimeInstance = new GpuRuntime(context, {
        maxBatch: this.options.maxBatchSize ?? 256,
        poolLimitBytes: this.options.poolLimitBytes ?? 256 * 1024 * 1024,
      });
      const variant = this.options.matmul ?? (context.cpuAdapter ? "registers" : "tiled");
      if (this.options.kernels !== false) this.kernelSet = createKernels(this.runtimeInstance, variant);
    })();
    return this.initializing;
  }

  /** Optional fast kernels (each checked against its decomposition in the tests). */
  get kernels(): FastKernels | undefined {
    return this.kernelSet;
  }

  /** @internal The runtime, for kernels and tests. */
  get runtime(): GpuRuntime {
    if (this.disposed) throw new Error(`the ${this.name} backend was disposed`);
    if (!this.runtimeInstance) {
      throw new Error(`the ${this.name} backend is not initialised; await initBackend("${this.name}") first`);
    }
    return this.runtimeInstance;
  }

  /** The adapter in words, e.g. "mesa / software / llvmpipe …". */
  get adapterDescription(): string {
    return this.context?.description ?? "not initialised";
  }

  /** Whether the adapter runs on the CPU (lavapipe, SwiftShader). */
  get isCpuAdapter(): boolean {
    return this.context?.cpuAdapter ?? false;
  }

  supportsDType(dtype: DType): boolean {
    if (dtype === "float16") return this.context?.float16 ?? false;
    return hasStorageFormat(dtype);
  }

  stats(): WebGpuStats {
    const runtime = this.runtime;
    return {
      adapter: this.adapterDescription,
      pool: { ...runtime.pool.stats },
      stream: { ...runtime.stream.stats },
      pipelines: runtime.pipelines.size,
      compileMs: Math.round(runtime.pipelines.compileMs),
    };
  }

  // ---- memory -------------------------------------------------------------------------------

  alloc(dtype: DType, numel: number): GpuTensorBuffer {
    return this.runtime.alloc(dtype, numel);
  }

  free(buffer: unknown): void {
    if (this.disposed) return;
    this.runtimeInstance?.free(buffer as GpuTensorBuffer);
  }

  write(buffer: unknown, dtype: DType, data: TypedArray, offset: number): void {
    if (data.length === 0) return;
    const runtime = this.runtime;
    const target = bufferOf({ buffer, dtype });
    const bytes = toGpuBytes(dtype, data);
    const byteOffset = offset * storageFormat(dtype).bytesPerElement;
    if (byteOffset % 4 === 0 && bytes.byteLength % 4 === 0) {
      runtime.stream.upload(target.gpu, byteOffset, bytes);
      return;
    }
    // 16-bit elements at an odd position or count: stage whole words, then copy elementwise.
    const padded = new Uint8Array(Math.ceil(bytes.byteLength / 4) * 4);
    padded.set(bytes);
    const staging = runtime.alloc(dtype, data.length + 1);
    runtime.stream.upload(staging.gpu, 0, padded);
    elementwise.copy(
      runtime,
      { buffer: staging, dtype, shape: [data.length], strides: [1], offset: 0 },
      { buffer: target, dtype, shape: [data.length], strides: [1], offset },
    );
    runtime.free(staging);
  }

  async read(buffer: unknown, dtype: DType, offset: number, numel: number): Promise<TypedArray> {
    const bytesPerElement = storageFormat(dtype).bytesPerElement;
    if (numel === 0) return fromGpuBytes(dtype, new ArrayBuffer(0), 0, 0);
    const source = bufferOf({ buffer, dtype });
    const bytes = await this.runtime.stream.read(source.gpu, offset * bytesPerElement, numel * bytesPerElement);
    return fromGpuBytes(dtype, bytes, 0, numel);
  }

  async sync(): Promise<void> {
    await this.runtime.stream.idle();
  }

  /** Waits for queued work, frees every buffer and destroys the device so the process can exit. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    if (this.initializing) {
      try {
        await this.initializing;
      } catch {
        this.disposed = true;
        return;
      }
    }
    const runtime = this.runtimeInstance;
    this.disposed = true;
    if (!runtime || !this.context) return;
    try {
      await runtime.stream.idle();
    } catch {
      // The device may already be lost; destroying it is still right.
    }
    runtime.pool.clear();
    runtime.stream.destroy();
    if (!this.options.device) this.context.device.destroy();
  }

  // ---- primitives ---------------------------------------------------------------------------

  unary(op: UnaryOp, x: View, out: View): void {
    elementwise.unary(this.runtime, op, x, out);
  }

  binary(op: BinaryOp, a: View, b: View, out: View): void {
    elementwise.binary(this.runtime, op, a, b, out);
  }

  where(cond: View, a: View, b: View, out: View): void {
    elementwise.where(this.runtime, cond, a, b, out);
  }

  cast(x: View, out: View): void {
    elementwise.cast(this.runtime, x, out);
  }

  reduce(op: ReduceOp, x: View, dims: readonly number[], out: View): void {
    reduce(this.runtime, op, x, dims, out);
  }

  copy(x: View, out: View): void {
    elementwise.copy(this.runtime, x, out);
  }

  fill(out: View, value: number | bigint | boolean): void {
    elementwise.fill(this.runtime, out, value);
  }
}
