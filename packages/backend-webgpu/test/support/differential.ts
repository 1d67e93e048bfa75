/**
 * Runs the same primitive on the CPU backend (the oracle) and the WebGPU backend over identical
 * views and compares whole destination buffers, so writes outside a view are caught too.
 */
import type { Backend, DType, TypedArray, View } from "@trek/tensor";
import type { WebGpuBackend } from "@trek/backend-webgpu";
import { mismatch, type Tolerance } from "./compare.js";
import { randomData, viewOn, type Layout, type Rng } from "./random.js";

export interface InputSpec {
  dtype: DType;
  layout: Layout;
  data: TypedArray;
}

export interface OutputSpec {
  dtype: DType;
  layout: Layout;
  /** Initial contents (default: random), e.g. optimizer state updated in place. */
  data?: TypedArray;
}

async function readAll(backend: Backend, buffer: unknown, dtype: DType, numel: number): Promise<TypedArray> {
  return backend.read(buffer, dtype, 0, numel);
}

/** Runs `body` on both backends; returns a failure description or null. */
export async function differential(
  rng: Rng,
  cpu: Backend,
  gpu: WebGpuBackend,
  inputs: readonly InputSpec[],
  outputs: readonly OutputSpec[],
  body: (backend: Backend, inputs: View[], outputs: View[]) => void,
  tolerance?: Tolerance | ((output: number) => Tolerance | undefined),
): Promise<string | null> {
  const initial = outputs.map((o) => o.data ?? randomData(rng, o.dtype, o.layout.bufferNumel));
  const results: TypedArray[][] = [];
  for (const backend of [cpu, gpu] as Backend[]) {
    const inViews = inputs.map((i) => {
      const buffer = backend.alloc(i.dtype, i.layout.bufferNumel);
      backend.write(buffer, i.dtype, i.data, 0);
      return viewOn(buffer, i.dtype, i.layout);
    });
    const outViews = outputs.map((o, k) => {
      const buffer = backend.alloc(o.dtype, o.layout.bufferNumel);
      backend.write(buffer, o.dtype, initial[k]!, 0);
      return viewOn(buffer, o.dtype, o.layout);
    });
    body(backend, inViews, outViews);
    const read: TypedArray[] = [];
    for (let k = 0; k < outputs.length; k++) {
      read.push(await readAll(backend, outViews[k]!.buffer, outputs[k]!.dtype, outputs[k]!.layout.bufferNumel));
    }
    for (const v of [...inViews, ...outViews]) backend.free(v.buffer);
    results.push(read);
  }
  for (let k = 0; k < outputs.length; k++) {
    const tol = typeof tolerance === "function" ? tolerance(k) : tolerance;
    const problem = mismatch(outputs[k]!.dtype, results[1]![k]!, results[0]![k]!, tol);
    if (problem) return `output ${k}: ${problem}`;
  }
  return null;
}

/** Describes a case for failure messages. */
export function describeCase(parts: Record<string, unknown>): string {
  return Object.entries(parts)
    .map(([k, v]) => `${k}=${JSON.stringify(v, (_, x) => (typeof x === "bigint" ? x.toString() : x))}`)
    .join(" ");
}
