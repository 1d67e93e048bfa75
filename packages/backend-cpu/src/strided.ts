/**
 * Strided iteration over several views of one shape. Dims are collapsed first (merging dims that
 * are contiguous for every operand, dropping size-1 dims) so that the common contiguous case is a
 * single inner row; the row callback then runs a tight loop with per-operand strides.
 */

import { collapseDims, isContiguousLayout, shapeNumel } from "@trek/tensor";

export { collapseDims };
export const isContiguous = isContiguousLayout;
export const numelOf = shapeNumel;

/**
 * Calls `row(n, offsets, innerStrides)` for every innermost row; `offsets` holds each operand's
 * element offset at the start of the row and is reused between calls (read it, don't keep it).
 */
export function forEachRow(
  shape: readonly number[],
  operandStrides: readonly (readonly number[])[],
  startOffsets: readonly number[],
  row: (n: number, offsets: number[], innerStrides: number[]) => void,
): void {
  for (const s of shape) if (s === 0) return;
  const { shape: cs, strides } = collapseDims(shape, operandStrides);
  const k = operandStrides.length;
  const offsets = startOffsets.slice();
  if (cs.length === 0) {
    row(1, offsets, new Array<number>(k).fill(0));
    return;
  }
  const nd = cs.length;
  const inner = strides.map((s) => s[nd - 1]!);
  const n = cs[nd - 1]!;
  if (nd === 1) {
    row(n, offsets, inner);
    return;
  }
  const counter = new Array<number>(nd - 1).fill(0);
  const base = startOffsets.slice();
  for (;;) {
    for (let j = 0; j < k; j++) offsets[j] = base[j]!;
    row(n, offsets, inner);
    // advance the outer counters (odometer), updating base offsets incrementally
    let d = nd - 2;
    for (; d >= 0; d--) {
      counter[d]!++;
      for (let j = 0; j < k; j++) base[j]! += strides[j]![d]!;
      if (counter[d]! < cs[d]!) break;
      for (let j = 0; j < k; j++) base[j]! -= strides[j]![d]! * cs[d]!;
      counter[d] = 0;
    }
    if (d < 0) return;
  }
}

/** Element offsets of a view in row-major order (for kernels that need random access). */
export function offsetsOf(shape: readonly number[], strides: readonly number[], offset: number): Int32Array | Float64Array {
  let n = 1;
  for (const s of shape) n *= s;
  const out = n < 2 ** 31 ? new Int32Array(n) : new Float64Array(n);
  let i = 0;
  forEachRow(shape, [strides], [offset], (count, offs, inner) => {
    let o = offs[0]!;
    const s = inner[0]!;
    for (let k = 0; k < count; k++) {
      out[i++] = o;
      o += s;
    }
  });
  return out;
}

