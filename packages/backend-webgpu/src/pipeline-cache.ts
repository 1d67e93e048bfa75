/// <reference types="@webgpu/types" />
/**
 * Compiled compute pipelines, keyed by everything their WGSL depends on: the op, the dtypes,
 * the rank and contiguity class of the operands, which operands share a buffer, and the kernel
 * variant. Shapes, strides and offsets are uniforms, so one pipeline serves every tensor of a
 * class.
 */

/** Access of one storage binding; binding 0 is always the uniform parameter block. */
export type BindingAccess = "read" | "write";

export interface CompiledKernel {
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
  /** Identifies `layout` in bind group cache keys. */
  readonly layoutId: number;
}

export class PipelineCache {
  private readonly pipelines = new Map<string, CompiledKernel>();
  private readonly layouts = new Map<string, { layout: GPUBindGroupLayout; id: number }>();
  /** Pipelines compiled since start (a cache miss each). */
  compiled = 0;
  /** Milliseconds spent creating shader modules and pipelines. */
  compileMs = 0;

  constructor(private readonly device: GPUDevice) {}

  get size(): number {
    return this.pipelines.size;
  }

  /** The pipeline for `key`, compiling `source()` on first use. */
  get(key: string, access: readonly BindingAccess[], source: () => string): CompiledKernel {
    let kernel = this.pipelines.get(key);
    if (kernel) return kernel;
    const started = performance.now();
    const { layout, id } = this.layoutFor(access);
    const module = this.device.createShaderModule({ code: source(), label: key });
    const pipeline = this.device.createComputePipeline({
      label: key,
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: "main" },
    });
    kernel = { pipeline, layout, layoutId: id };
    this.pipelines.set(key, kernel);
    this.compiled++;
    this.compileMs += performance.now() - started;
    return kernel;
  }

  private layoutFor(access: readonly BindingAccess[]): { layout: GPUBindGroupLayout; id: number } {
    const key = access.join(",");
    let entry = this.layouts.get(key);
    if (!entry) {
      // The uniform block is addressed by a dynamic offset, so one bind group serves every
      // dispatch over the same buffers (see CommandStream.dispatch).
      const entries: GPUBindGroupLayoutEntry[] = [
        { binding: 0, visibility: 4 /* COMPUTE */, buffer: { type: "uniform", hasDynamicOffset: true } },
      ];
      access.forEach((a, i) =>
        entries.push({
          binding: i + 1,
          visibility: 4,
          buffer: { type: a === "write" ? "storage" : "read-only-storage" },
        }),
      );
      const layout = this.device.createBindGroupLayout({ entries, label: `bindings(${key})` });
      entry = { layout, id: this.layouts.size };
      this.layouts.set(key, entry);
    }
    return entry;
  }
}
