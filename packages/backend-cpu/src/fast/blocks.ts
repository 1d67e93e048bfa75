/**
 * Shared plumbing of the WebAssembly kernel glue: views → byte addresses, dense temporaries in
 * the heap, and iteration over the 2-d blocks the elementwise kernels take.
 */
import type { View } from "@trek/tensor";
import { collapseDims, isContiguous, numelOf } from "../strided.js";
import { copy } from "../elementwise.js";
import type { WasmRuntime } from "../wasm/runtime.js";

/** The address of a float32 view in the heap, or -1. */
export function f32Address(rt: WasmRuntime, v: View): number {
  return v.dtype === "float32" ? rt.address(v) : -1;
}

/**
 * Contiguous float32 operands for a kernel: the view's own address when it is already dense,
 * otherwise a heap temporary holding a copy (released by `Temporaries.release`).
 */
export class Temporaries {
  private readonly blocks: number[] = [];
  constructor(private readonly rt: WasmRuntime) {}

  /** Address of a dense float32 copy of `v` (or of `v` itself); -1 when that is impossible. */
  dense(v: View): number {
    if (v.dtype !== "float32") return -1;
    const own = this.rt.address(v);
    if (own >= 0 && isContiguous(v.shape, v.strides)) return own;
    const n = numelOf(v.shape);
    const ptr = this.rt.temporary(n * 4);
    if (!ptr) return -1;
    this.blocks.push(ptr);
    const target: View = { buffer: new Float32Array(this.rt.heap.buffer(), ptr, n), dtype: "float32", shape: v.shape, strides: contiguousStrides(v.shape), offset: 0 };
    copy(v, target);
    return ptr;
  }

  /** A dense float32 destination for `out`: its own address, or a temporary to copy back with `finish`. */
  destination(out: View): number {
    if (out.dtype !== "float32") return -1;
    const own = this.rt.address(out);
    if (own >= 0 && isContiguous(out.shape, out.strides)) return own;
    const ptr = this.rt.temporary(numelOf(out.shape) * 4);
    if (!ptr) return -1;
    this.blocks.push(ptr);
    this.pending.push({ ptr, out });
    return ptr;
  }

  private readonly pending: { ptr: number; out: View }[] = [];

  /** Copies temporary destinations into their views and frees every temporary. */
  finish(): void {
    for (const { ptr, out } of this.pending) {
      const source: View = {
        buffer: new Float32Array(this.rt.heap.buffer(), ptr, numelOf(out.shape)),
        dtype: "float32",
        shape: out.shape,
        strides: contiguousStrides(out.shape),
        offset: 0,
      };
      copy(source, out);
    }
    this.release();
  }

  /** Frees every temporary without copying back. */
  release(): void {
    for (const ptr of this.blocks) this.rt.release(ptr);
    this.blocks.length = 0;
    this.pending.length = 0;
  }
}

export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = step;
    step *= Math.max(shape[i]!, 1);
  }
  return strides;
}

/**
 * Collapses the operands' dims and calls `block` for each innermost 2-d block: `rows` × `n`
 * elements, with each operand's element offset at the block start, row stride and inner stride.
 * Returns false (calling nothing) when `accept` rejects the inner strides.
 */
export function forEachBlock(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  offsets: readonly number[],
  accept: (inner: readonly number[]) => boolean,
  block: (rows: number, n: number, offs: readonly number[], rowStrides: readonly number[], inner: readonly number[]) => void,
): boolean {
  const k = strides.length;
  const c = collapseDims(shape, strides);
  const nd = c.shape.length;
  const zeros = new Array<number>(k).fill(0);
  if (nd === 0) {
    if (!accept(zeros)) return false;
    block(1, 1, offsets, zeros, zeros);
    return true;
  }
  const inner = c.strides.map((s) => s[nd - 1]!);
  if (!accept(inner)) return false;
  const n = c.shape[nd - 1]!;
  if (nd === 1) {
    block(1, n, offsets, zeros, inner);
    return true;
  }
  const rows = c.shape[nd - 2]!;
  const rowStrides = c.strides.map((s) => s[nd - 2]!);
  if (nd === 2) {
    block(rows, n, offsets, rowStrides, inner);
    return true;
  }
  // Odometer over the outer dims.
  const outer = nd - 2;
  const counter = new Array<number>(outer).fill(0);
  const offs = offsets.slice();
  for (;;) {
    block(rows, n, offs, rowStrides, inner);
    let d = outer - 1;
    for (; d >= 0; d--) {
      counter[d]!++;
      for (let j = 0; j < k; j++) offs[j]! += c.strides[j]![d]!;
      if (counter[d]! < c.shape[d]!) break;
      for (let j = 0; j < k; j++) offs[j]! -= c.strides[j]![d]! * c.shape[d]!;
      counter[d] = 0;
    }
    if (d < 0) return true;
  }
}
