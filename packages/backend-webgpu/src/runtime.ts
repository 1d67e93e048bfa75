/// <reference types="@webgpu/types" />
/**
 * What every kernel needs: the device, the buffer pool, the pipeline cache and the command
 * stream, plus `run()`, which turns a kernel description into a recorded dispatch.
 */
import type { DType, View } from "@trek/tensor";
import { BufferPool, DATA_USAGE } from "./buffer-pool.js";
import { CommandStream } from "./command-stream.js";
import type { GpuContext } from "./gpu-context.js";
import { PipelineCache } from "./pipeline-cache.js";
import { storageFormat } from "./storage-format.js";
import { kernelSource, planBindings, type OperandBinding } from "./wgsl/kernel-source.js";

/** A tensor buffer on the GPU: what `alloc` returns and views point at. */
export class GpuTensorBuffer {
  released = false;
  constructor(
    readonly gpu: GPUBuffer,
    readonly dtype: DType,
    readonly numel: number,
  ) {}
}

export interface Operand {
  /** WGSL-safe name; the shader gets `ld_<name>` / `st_<name>`. */
  readonly name: string;
  readonly view: Pick<View, "buffer" | "dtype">;
  readonly write?: boolean;
  /** Bind as atomics (the operand must not share its buffer with another operand). */
  readonly atomic?: boolean;
  /** Bind a read-only float32 operand as `array<vec4<f32>>` (see OperandBinding.vec4). */
  readonly vec4?: boolean;
}

export interface KernelLaunch {
  /** Identifies the WGSL apart from operand dtypes/aliasing (added automatically). */
  readonly key: string;
  readonly operands: readonly Operand[];
  readonly params: Uint32Array;
  readonly groups: readonly [number, number, number];
  readonly snippets?: Iterable<string>;
  /** Module-scope WGSL with `main`; only called when the pipeline is not cached yet. */
  readonly body: () => string;
}

export interface RuntimeOptions {
  maxBatch: number;
  poolLimitBytes: number;
}

export class GpuRuntime {
  readonly device: GPUDevice;
  readonly pool: BufferPool;
  readonly stream: CommandStream;
  readonly pipelines: PipelineCache;
  readonly maxBindingBytes: number;

  constructor(
    readonly context: GpuContext,
    options: RuntimeOptions,
  ) {
    this.device = context.device;
    this.pool = new BufferPool(this.device, DATA_USAGE, options.poolLimitBytes, "trek tensor", (buffer) => this.stream.forget(buffer));
    // Evicted pool buffers are destroyed only once the commands using them are submitted.
    this.stream = new CommandStream(this.device, options.maxBatch, () => this.pool.trim());
    this.pipelines = new PipelineCache(this.device);
    this.maxBindingBytes = this.device.limits.maxStorageBufferBindingSize;
  }

  /** A buffer for `numel` elements of `dtype` (contents unspecified). */
  alloc(dtype: DType, numel: number): GpuTensorBuffer {
    const bytes = Math.max(numel, 1) * storageFormat(dtype).bytesPerElement;
    if (bytes > this.maxBindingBytes) {
      throw new RangeError(
        `a ${dtype} tensor of ${numel} elements needs ${bytes} bytes on the GPU, more than this adapter's ` +
          `maxStorageBufferBindingSize (${this.maxBindingBytes} bytes)`,
      );
    }
    return new GpuTensorBuffer(this.pool.acquire(bytes), dtype, numel);
  }

  free(buffer: GpuTensorBuffer): void {
    if (buffer.released) return;
    buffer.released = true;
    this.pool.release(buffer.gpu);
  }

  /** Records one dispatch of a (cached) kernel. */
  run(launch: KernelLaunch): void {
    const operands: OperandBinding[] = launch.operands.map((o) => ({
      name: o.name,
      dtype: o.view.dtype,
      buffer: bufferOf(o.view),
      write: o.write === true || o.atomic === true,
      atomic: o.atomic === true,
      vec4: o.vec4 === true,
    }));
    const plan = planBindings(operands);
    const key = `${launch.key}|${plan.signature}|${launch.params.length}`;
    const kernel = this.pipelines.get(key, plan.access, () =>
      kernelSource({ operands, plan, paramWords: launch.params.length, snippets: launch.snippets, body: launch.body() }),
    );
    const buffers = (plan.buffers as GpuTensorBuffer[]).map((b) => b.gpu);
    this.stream.dispatch(kernel, launch.params, buffers, launch.groups);
  }
}

/** The GPU buffer behind a view, with a clear error for foreign or freed buffers. */
export function bufferOf(view: Pick<View, "buffer" | "dtype">): GpuTensorBuffer {
  const buffer = view.buffer;
  if (!(buffer instanceof GpuTensorBuffer)) {
    throw new TypeError("the webgpu backend got a buffer it did not allocate (a tensor from another device?)");
  }
  if (buffer.released) throw new Error("the webgpu backend got a buffer that was already freed");
  return buffer;
}
