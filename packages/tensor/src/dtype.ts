/**
 * Element types, their storage, and PyTorch's type-promotion rules.
 *
 * Storage choices (what a backend's buffer holds and what `data()` returns):
 * - float16 / bfloat16 are stored as their 16-bit patterns in a `Uint16Array`; `data()` widens
 *   them to a `Float32Array` because JavaScript has no 16-bit float array on Node 20.
 * - int64 is stored in a `BigInt64Array` so that values round-trip exactly (safetensors, ONNX).
 * - bool is stored as one byte per element (0 or 1) in a `Uint8Array`.
 */
export type DType =
  | "float32"
  | "float64"
  | "float16"
  | "bfloat16"
  | "int8"
  | "uint8"
  | "int16"
  | "int32"
  | "int64"
  | "bool";

/** Every dtype, in a stable order (used by conformance tables and tests). */
export const DTYPES: readonly DType[] = [
  "float32",
  "float64",
  "float16",
  "bfloat16",
  "int8",
  "uint8",
  "int16",
  "int32",
  "int64",
  "bool",
];

/** A typed array holding the elements of some dtype. */
export type TypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | BigInt64Array;

/** What `data()` returns for a dtype (16-bit floats are widened to float32). */
export type DataArray = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Int32Array | BigInt64Array;

type TypedArrayConstructor =
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | BigInt64ArrayConstructor;

const STORAGE: Record<DType, TypedArrayConstructor> = {
  float32: Float32Array,
  float64: Float64Array,
  float16: Uint16Array,
  bfloat16: Uint16Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  int32: Int32Array,
  int64: BigInt64Array,
  bool: Uint8Array,
};

const ITEM_SIZE: Record<DType, number> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int8: 1,
  uint8: 1,
  int16: 2,
  int32: 4,
  int64: 8,
  bool: 1,
};

/** Bytes per element. */
export function itemSize(dtype: DType): number {
  return ITEM_SIZE[dtype];
}

/** The typed-array constructor a buffer of this dtype is stored in. */
export function storageArrayType(dtype: DType): TypedArrayConstructor {
  return STORAGE[dtype];
}

/** Allocates a zero-filled storage array for `numel` elements of `dtype`. */
export function allocStorageArray(dtype: DType, numel: number): TypedArray {
  return new STORAGE[dtype](numel);
}

export function isDType(value: unknown): value is DType {
  return typeof value === "string" && Object.prototype.hasOwnProperty.call(ITEM_SIZE, value);
}

export function isFloatingPoint(dtype: DType): boolean {
  return dtype === "float32" || dtype === "float64" || dtype === "float16" || dtype === "bfloat16";
}

export function isIntegral(dtype: DType, includeBool = false): boolean {
  if (dtype === "bool") return includeBool;
  return !isFloatingPoint(dtype);
}

/** Whether the stored representation is not the value itself (16-bit floats). */
export function isPackedFloat(dtype: DType): boolean {
  return dtype === "float16" || dtype === "bfloat16";
}

/** Categories in promotion order: bool < integer < floating. */
export function dtypeCategory(dtype: DType): 0 | 1 | 2 {
  if (dtype === "bool") return 0;
  return isFloatingPoint(dtype) ? 2 : 1;
}

// Promotion lattice for two dtypes of the same or different kind, following PyTorch's table.
const INT_RANK: Partial<Record<DType, number>> = { int8: 1, int16: 2, int32: 3, int64: 4 };
const FLOAT_RANK: Partial<Record<DType, number>> = { float16: 1, bfloat16: 1, float32: 2, float64: 3 };

/** `torch.promote_types`: the smallest dtype both values fit in. */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === b) return a;
  if (a === "bool") return b;
  if (b === "bool") return a;
  const fa = isFloatingPoint(a);
  const fb = isFloatingPoint(b);
  if (fa && fb) {
    if ((a === "float16" && b === "bfloat16") || (a === "bfloat16" && b === "float16")) return "float32";
    return FLOAT_RANK[a]! >= FLOAT_RANK[b]! ? a : b;
  }
  if (fa) return a;
  if (fb) return b;
  // both integral
  if (a === "uint8" || b === "uint8") {
    const other = a === "uint8" ? b : a;
    // uint8 with int8 needs int16 to hold both ranges.
    return other === "int8" ? "int16" : other;
  }
  return INT_RANK[a]! >= INT_RANK[b]! ? a : b;
}

/** A value participating in type promotion: a tensor's dtype and rank, or a JS scalar. */
export type PromotionOperand = { dtype: DType; ndim: number } | number | boolean | bigint;

let defaultFloatDType: DType = "float32";

/** The dtype given to float scalars and to `tensor([...numbers])` (float32 unless changed). */
export function getDefaultDType(): DType {
  return defaultFloatDType;
}

/** Like `torch.set_default_dtype`: float32 or float64. */
export function setDefaultDType(dtype: DType): void {
  if (dtype !== "float32" && dtype !== "float64") {
    throw new TypeError(`setDefaultDType: only float32 or float64 can be the default, got ${dtype}`);
  }
  defaultFloatDType = dtype;
}

function scalarCategory(value: number | boolean | bigint): 0 | 1 | 2 {
  if (typeof value === "boolean") return 0;
  if (typeof value === "bigint") return 1;
  return Number.isInteger(value) ? 1 : 2;
}

/**
 * `torch.result_type`: dimensioned tensors win over 0-d tensors, which win over JS scalars,
 * unless a lower-priority operand is of a higher category (e.g. int tensor + 2.5 → float).
 */
export function resultType(...operands: PromotionOperand[]): DType {
  let dimResult: DType | undefined;
  let zeroDimResult: DType | undefined;
  let scalarCat = -1;
  for (const op of operands) {
    if (typeof op === "object") {
      if (op.ndim > 0) dimResult = dimResult === undefined ? op.dtype : promoteTypes(dimResult, op.dtype);
      else zeroDimResult = zeroDimResult === undefined ? op.dtype : promoteTypes(zeroDimResult, op.dtype);
    } else {
      scalarCat = Math.max(scalarCat, scalarCategory(op));
    }
  }
  let result = dimResult;
  if (zeroDimResult !== undefined) {
    if (result === undefined) result = zeroDimResult;
    else if (dtypeCategory(zeroDimResult) > dtypeCategory(result)) result = zeroDimResult;
  }
  if (scalarCat >= 0) {
    const scalarDType: DType = scalarCat === 0 ? "bool" : scalarCat === 1 ? "int64" : defaultFloatDType;
    if (result === undefined || scalarCat > dtypeCategory(result)) result = scalarDType;
  }
  if (result === undefined) throw new TypeError("resultType: needs at least one operand");
  return result;
}

// ---------------------------------------------------------------------------------------------
// 16-bit float conversion (IEEE half and bfloat16), used by backends that store them packed.

const conversionBuffer = new DataView(new ArrayBuffer(4));

/** float32 value → IEEE 754 half bits, rounding to nearest even. */
export function float32ToFloat16Bits(value: number): number {
  conversionBuffer.setFloat32(0, value);
  const x = conversionBuffer.getUint32(0);
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0); // Inf / NaN
  let e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow → Inf
  if (e <= 0) {
    if (e < -10) return sign; // underflow → ±0
    mantissa |= 0x800000;
    const shift = 14 - e;
    let half = mantissa >>> shift;
    const remainder = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (remainder > halfway || (remainder === halfway && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (mantissa >>> 13);
  const remainder = mantissa & 0x1fff;
  if (remainder > 0x1000 || (remainder === 0x1000 && (half & 1))) half++;
  return sign | half;
}

/** IEEE 754 half bits → number. */
export function float16BitsToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** float32 value → bfloat16 bits, rounding to nearest even. */
export function float32ToBFloat16Bits(value: number): number {
  conversionBuffer.setFloat32(0, value);
  const x = conversionBuffer.getUint32(0);
  if ((x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff)) return ((x >>> 16) | 0x40) & 0xffff; // NaN stays NaN
  const rounded = x + 0x7fff + ((x >>> 16) & 1);
  return (rounded >>> 16) & 0xffff;
}

/** bfloat16 bits → number. */
export function bfloat16BitsToFloat32(bits: number): number {
  conversionBuffer.setUint32(0, (bits & 0xffff) << 16);
  return conversionBuffer.getFloat32(0);
}

/** Stores a JS number into a storage array of the given dtype at `index`. */
export function encodeValue(dtype: DType, value: number): number | bigint {
  switch (dtype) {
    case "float16":
      return float32ToFloat16Bits(value);
    case "bfloat16":
      return float32ToBFloat16Bits(value);
    case "int64":
      return BigInt(Number.isFinite(value) ? Math.trunc(value) : 0);
    case "bool":
      return value ? 1 : 0;
    default:
      return value;
  }
}

/** Converts a storage array of `dtype` into what `data()` returns (widening 16-bit floats). */
export function storageToData(dtype: DType, storage: TypedArray): DataArray {
  if (dtype === "float16") {
    const out = new Float32Array(storage.length);
    for (let i = 0; i < storage.length; i++) out[i] = float16BitsToFloat32(storage[i] as number);
    return out;
  }
  if (dtype === "bfloat16") {
    const bits = storage as Uint16Array;
    const out = new Float32Array(bits.length);
    const wide = new Uint32Array(out.buffer);
    for (let i = 0; i < bits.length; i++) wide[i] = bits[i]! << 16;
    return out;
  }
  return storage as DataArray;
}
