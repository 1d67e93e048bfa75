/**
 * View arithmetic on the host side of a kernel launch: merging dims that every operand walks
 * contiguously (so most launches become rank 1), and packing shapes, strides and offsets into
 * the uniform words a shader reads.
 */

export interface Collapsed {
  readonly shape: number[];
  /** strides[operand][dim] */
  readonly strides: number[][];
}

/**
 * Drops size-1 dims and merges each dim into the previous one when, for every operand, the
 * outer stride equals the inner stride times the inner size (true for contiguous runs, for
 * broadcast runs with stride 0, and for reversed runs).
 */
export function collapseDims(shape: readonly number[], operandStrides: readonly (readonly number[])[]): Collapsed {
  const k = operandStrides.length;
  const outShape: number[] = [];
  const outStrides: number[][] = Array.from({ length: k }, () => []);
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d]!;
    if (size === 1) continue;
    const last = outShape.length - 1;
    let mergeable = last >= 0;
    for (let j = 0; mergeable && j < k; j++) {
      if (outStrides[j]![last] !== operandStrides[j]![d]! * size) mergeable = false;
    }
    if (mergeable) {
      outShape[last]! *= size;
      for (let j = 0; j < k; j++) outStrides[j]![last] = operandStrides[j]![d]!;
    } else {
      outShape.push(size);
      for (let j = 0; j < k; j++) outStrides[j]!.push(operandStrides[j]![d]!);
    }
  }
  return { shape: outShape, strides: outStrides };
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

/** Whether strides walk the shape in row-major order with no gaps. */
export function isLinear(shape: readonly number[], strides: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const size = shape[i]!;
    if (size === 1) continue;
    if (size === 0) return true;
    if (strides[i] !== expected) return false;
    expected *= size;
  }
  return true;
}

export function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

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
