/**
 * View arithmetic on the host side of a kernel launch: merging dims that every operand walks
 * contiguously (so most launches become rank 1), and packing shapes, strides and offsets into
 * the uniform words a shader reads.
 */

import { collapseDims, contiguousStrides, isContiguousLayout, shapeNumel, type CollapsedDims } from "@trek/tensor";

export type Collapsed = CollapsedDims;
export { collapseDims, contiguousStrides };
/** Whether strides walk the shape in row-major order with no gaps. */
export const isLinear = isContiguousLayout;
export const numelOf = shapeNumel;

/** Reinterprets a signed integer as the u32 word a shader reads back with `bitcast<i32>`. */
export function word(value: number): number {
  return value >>> 0;
}

/** The IEEE bits of a float32, for shaders reading `pf(i)`. */
export function floatWord(value: number): number {
  scratchFloat[0] = value;
  return scratchWord[0]!;
}
const scratchFloat = new Float32Array(1);
const scratchWord = new Uint32Array(scratchFloat.buffer);
