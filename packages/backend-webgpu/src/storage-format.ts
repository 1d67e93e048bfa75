/**
 * How each dtype lives in GPU memory, and the host-side conversions between that layout and the
 * tensor layer's storage arrays.
 *
 * WGSL storage buffers hold 32-bit words (16-bit only with `shader-f16`), and a shader cannot
 * write one byte of a word without racing its neighbours. So:
 * - float32, int32: stored as they are (4 bytes); writes and reads copy bytes directly.
 * - int64: two u32 words, low word first: exactly a BigInt64Array's little-endian bytes.
 * - float16: native `f16` (2 bytes) when the adapter offers `shader-f16`.
 * - bfloat16: the float32 whose top half it is (4 bytes), rounded to bfloat16 on every store.
 * - int8, int16, uint8, bool: widened to one i32 per element, wrapped to their range on every
 *   store; the host widens on write and narrows on read.
 * float64 has no WGSL type and is not supported.
 */
import type { DType, TypedArray } from "@trek/tensor";

/** Arithmetic family a dtype is computed in inside shaders. */
export type ComputeFamily = "float" | "int" | "int64";

export interface StorageFormat {
  /** WGSL element type of the binding array. */
  readonly wgslElement: "f32" | "f16" | "u32" | "i32" | "vec2<u32>";
  /** WGSL type values are computed in. */
  readonly wgslValue: "f32" | "i32" | "vec2<u32>";
  readonly family: ComputeFamily;
  /** Bytes per element in GPU memory. */
  readonly bytesPerElement: number;
  /** Whether host storage arrays can be copied byte for byte (no widening). */
  readonly direct: boolean;
}

const F32: StorageFormat = { wgslElement: "f32", wgslValue: "f32", family: "float", bytesPerElement: 4, direct: true };
const F16: StorageFormat = { wgslElement: "f16", wgslValue: "f32", family: "float", bytesPerElement: 2, direct: true };
const BF16: StorageFormat = { wgslElement: "u32", wgslValue: "f32", family: "float", bytesPerElement: 4, direct: false };
const I32: StorageFormat = { wgslElement: "i32", wgslValue: "i32", family: "int", bytesPerElement: 4, direct: true };
const WIDE_INT: StorageFormat = { wgslElement: "i32", wgslValue: "i32", family: "int", bytesPerElement: 4, direct: false };
const I64: StorageFormat = { wgslElement: "vec2<u32>", wgslValue: "vec2<u32>", family: "int64", bytesPerElement: 8, direct: true };

const FORMATS: Partial<Record<DType, StorageFormat>> = {
  float32: F32,
  float16: F16,
  bfloat16: BF16,
  int32: I32,
  int16: WIDE_INT,
  int8: WIDE_INT,
  uint8: WIDE_INT,
  bool: WIDE_INT,
  int64: I64,
};

/** The GPU layout of a dtype; throws for dtypes WebGPU cannot hold. */
export function storageFormat(dtype: DType): StorageFormat {
  const format = FORMATS[dtype];
  if (!format) throw new TypeError(`the webgpu backend does not support dtype ${dtype} (WGSL has no 64-bit floats)`);
  return format;
}

/** Whether a dtype has a GPU layout at all (float16 additionally needs `shader-f16`). */
export function hasStorageFormat(dtype: DType): boolean {
  return FORMATS[dtype] !== undefined;
}

/**
 * Host storage array → bytes to upload. Direct formats return a view of the caller's memory
 * (no copy); widened formats return a new array.
 */
export function toGpuBytes(dtype: DType, data: TypedArray): Uint8Array {
  const format = storageFormat(dtype);
  if (format.direct) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const n = data.length;
  const wide = new Int32Array(n);
  if (dtype === "bfloat16") {
    const bits = data as Uint16Array;
    for (let i = 0; i < n; i++) wide[i] = bits[i]! << 16;
  } else if (dtype === "bool") {
    const bytes = data as Uint8Array;
    for (let i = 0; i < n; i++) wide[i] = bytes[i] ? 1 : 0;
  } else {
    const values = data as Int8Array | Int16Array | Uint8Array;
    for (let i = 0; i < n; i++) wide[i] = values[i]!;
  }
  return new Uint8Array(wide.buffer);
}

/** Downloaded bytes (exactly `numel` elements of GPU layout) → a new host storage array. */
export function fromGpuBytes(dtype: DType, bytes: ArrayBuffer, byteOffset: number, numel: number): TypedArray {
  switch (dtype) {
    case "float32":
      return new Float32Array(bytes.slice(byteOffset, byteOffset + numel * 4));
    case "int32":
      return new Int32Array(bytes.slice(byteOffset, byteOffset + numel * 4));
    case "int64":
      return new BigInt64Array(bytes.slice(byteOffset, byteOffset + numel * 8));
    case "float16":
      return new Uint16Array(bytes.slice(byteOffset, byteOffset + numel * 2));
    case "bfloat16": {
      const wide = new Uint32Array(bytes, byteOffset, numel);
      const out = new Uint16Array(numel);
      for (let i = 0; i < numel; i++) out[i] = wide[i]! >>> 16;
      return out;
    }
    case "bool":
    case "uint8": {
      const wide = new Int32Array(bytes, byteOffset, numel);
      const out = new Uint8Array(numel);
      for (let i = 0; i < numel; i++) out[i] = wide[i]!;
      return out;
    }
    case "int8":
      return Int8Array.from(new Int32Array(bytes, byteOffset, numel));
    case "int16":
      return Int16Array.from(new Int32Array(bytes, byteOffset, numel));
    default:
      throw new TypeError(`the webgpu backend does not support dtype ${dtype}`);
  }
}
