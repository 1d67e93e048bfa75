/**
 * Temporary buffers for kernels that want dense operands. Temporaries go back to the pool right
 * after their last use is recorded: later work reusing the buffer is ordered after it.
 */
import type { DType, View } from "@trek/tensor";
import type { GpuRuntime } from "../runtime.js";
import { contiguousStrides, isLinear, numelOf } from "../strided-layout.js";
import { copy } from "../primitives/elementwise.js";

export interface Staged {
  readonly view: View;
  /** Returns the temporary (if one was made) to the pool. */
  release(): void;
}

/** A fresh contiguous view of `shape` (offset 0). */
export function temporary(runtime: GpuRuntime, dtype: DType, shape: readonly number[]): Staged {
  const buffer = runtime.alloc(dtype, numelOf(shape));
  return {
    view: { buffer, dtype, shape, strides: contiguousStrides(shape), offset: 0 },
    release: () => runtime.free(buffer),
  };
}

/** `view` itself when row-major, else a contiguous copy. */
export function dense(runtime: GpuRuntime, view: View): Staged {
  if (isLinear(view.shape, view.strides)) return { view, release: () => undefined };
  const staged = temporary(runtime, view.dtype, view.shape);
  copy(runtime, view, staged.view);
  return staged;
}

/**
 * A row-major destination standing in for `out`: `out` itself when possible, else a temporary
 * that `finish()` copies into `out`.
 */
export function denseOutput(runtime: GpuRuntime, out: View): { view: View; finish(): void } {
  if (isLinear(out.shape, out.strides)) return { view: out, finish: () => undefined };
  const staged = temporary(runtime, out.dtype, out.shape);
  return {
    view: staged.view,
    finish: () => {
      copy(runtime, staged.view, out);
      staged.release();
    },
  };
}

/** A plain view of `v`'s buffer with other view metadata (views may be Tensors, whose fields are getters). */
export function viewAs(v: View, shape: readonly number[], strides: readonly number[] = v.strides, offset = v.offset): View {
  return { buffer: v.buffer, dtype: v.dtype, shape, strides, offset };
}
