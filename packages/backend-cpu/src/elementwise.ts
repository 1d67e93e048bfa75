/**
 * Elementwise primitives over strided views: unary, binary, where, cast, copy, fill.
 * Three value paths: plain numbers (float32/64, int8/16/32, uint8, bool), BigInt for int64, and
 * 16-bit floats, which are widened to float32 around the number path.
 */
import type { BinaryOp, DType, UnaryOp, View } from "@trek/tensor";
import {
  contiguousStrides as contiguous,
  bfloat16BitsToFloat32,
  float16BitsToFloat32,
  float32ToBFloat16Bits,
  float32ToFloat16Bits,
} from "@trek/tensor";
import { forEachRow, isContiguous, numelOf } from "./strided.js";
import { erf, floorMod, powIeee, roundHalfEven } from "./math.js";

type NumArray = { [i: number]: number; length: number };
type BigArray = { [i: number]: bigint; length: number };

/** The backing array of a view. */
export function arrayOf(v: View): NumArray {
  return v.buffer as NumArray;
}

const isHalf = (d: DType): boolean => d === "float16" || d === "bfloat16";

// ---- 16-bit float widening -------------------------------------------------------------------

/** A float32 contiguous copy of a 16-bit float view. */
export function widen(v: View): View {
  const n = numelOf(v.shape);
  const out = new Float32Array(n);
  const src = v.buffer as Uint16Array;
  const decode = v.dtype === "float16" ? float16BitsToFloat32 : bfloat16BitsToFloat32;
  let i = 0;
  forEachRow(v.shape, [v.strides], [v.offset], (count, offs, inner) => {
    let o = offs[0]!;
    const s = inner[0]!;
    for (let k = 0; k < count; k++, o += s) out[i++] = decode(src[o]!);
  });
  return { buffer: out, dtype: "float32", shape: v.shape, strides: contiguous(v.shape), offset: 0 };
}

/** A float32 scratch view standing in for a 16-bit output. */
export function scratchFor(v: View): View {
  return { buffer: new Float32Array(numelOf(v.shape)), dtype: "float32", shape: v.shape, strides: contiguous(v.shape), offset: 0 };
}

/** Writes a float32 contiguous scratch view back into a 16-bit destination view. */
export function narrowInto(scratch: View, out: View): void {
  const src = scratch.buffer as Float32Array;
  const dst = out.buffer as Uint16Array;
  const encode = out.dtype === "float16" ? float32ToFloat16Bits : float32ToBFloat16Bits;
  let i = 0;
  forEachRow(out.shape, [out.strides], [out.offset], (count, offs, inner) => {
    let o = offs[0]!;
    const s = inner[0]!;
    for (let k = 0; k < count; k++, o += s) dst[o] = encode(src[i++]!);
  });
}

export { contiguous };

// ---- unary ---------------------------------------------------------------------------------------

type Row2 = (n: number, x: NumArray, xi: number, xs: number, o: NumArray, oi: number, os: number) => void;

const UNARY_ROWS: Record<UnaryOp, Row2> = {
  neg: (n, x, xi, xs, o, oi, os) => { for (let k = 0; k < n; k++, xi += xs, oi += os) o[oi] = -x[xi]!; },
  abs: (n, x, xi, xs, o, oi, os) => { for (let k = 0; k < n; k++, xi += xs, oi += os) o[oi] = Math.abs(x[xi]!); },
  sign: (n, x, xi, xs, o, oi, os) => {
    // sign(NaN) is 0, as in PyTorch.
    for (let k = 0; k < n; k++, xi += xs, oi += os) { const v = x[xi]!; o[oi] = v > 0 ? 1 : v < 0 ? -1 : 0; }
  },
  exp: (n, x, xi, xs, o, oi, os) => { for (let k = 0; k < n; k++, xi += xs, oi += os) o[oi] = Math.exp(x[xi]!); },
  expm1: (n, x, xi, xs, o, oi, os) => { for (let k = 0; k < n; k++, xi += xs, oi += os) o[oi] = Math.expm1(x[xi]!); },
  log: (n, x, xi, xs, o, oi, os) => { for (let k = 0; k < n; k++, xi += xs, oi += os) o[oi] = Math.log(x[xi]!); },
  log1p: (n, x, xi, xs, o, oi, os) => { for (let k = 0; k < n; k++, xi += xs, oi += os) o[oi] = Math.log1p(x[xi]!); },
  sqrt: (n, x, xi, xs, o, oi, os) => { for (let k = 0; k < n; k++, xi += xs, oi += os) o[oi] = Math.sqrt(x[xi]!); },
  rsqrt: (n, x, xi, xs, o, oi, os) => { for (let k = 0; k < n; k++, xi += xs, oi += os) o[oi] = 1 / Math.sqrt(x[xi]!); },
  recip: (n, x, xi, xs, o, oi, os) => { for (let k = 0; k < n; k++, xi += xs, oi += os) o[oi] = 1 / x[xi]!; },
  sin: (n, x, xi, xs, o, oi, os) => { for (let k = 0; k < n; k++, xi += xs, oi += os) o[oi] = Math.sin(x[xi]!); },
  cos: (n, x, xi, xs, o, oi, os) => { for (let k = 0; k < n; k++, xi += xs, oi += os) o[oi] = Math.cos(x[xi]!); },
  tan: (n, x, xi, xs, o, oi, os) => { for (let k = 0; k < n; k++, xi += xs, oi += os) o[oi] = Math.tan(x[xi]!); },
  tanh: (n, x, xi, xs, o, oi, os) => { for (let k = 0; k < n; k++, xi += xs, oi += os) o[oi] = Math.tanh(x[xi]!); },
  erf: (n, x, xi, xs, o, oi, os) => { for (let k = 0; k < n; k++, xi += xs, oi += os) o[oi] = erf(x[xi]!); },
  floor: (n, x, xi, xs, o, oi, os) => { for (let k = 0; k < n; k++, xi += xs, oi += os) o[oi] = Math.floor(x[xi]!); },
  ceil: (n, x, xi, xs, o, oi, os) => { for (let k = 0; k < n; k++, xi += xs, oi += os) o[oi] = Math.ceil(x[xi]!); },
  round: (n, x, xi, xs, o, oi, os) => { for (let k = 0; k < n; k++, xi += xs, oi += os) o[oi] = roundHalfEven(x[xi]!); },
  trunc: (n, x, xi, xs, o, oi, os) => { for (let k = 0; k < n; k++, xi += xs, oi += os) o[oi] = Math.trunc(x[xi]!); },
  not: (n, x, xi, xs, o, oi, os) => { for (let k = 0; k < n; k++, xi += xs, oi += os) o[oi] = x[xi] ? 0 : 1; },
};

const BIG_UNARY: Partial<Record<UnaryOp, (v: bigint) => bigint>> = {
  neg: (v) => BigInt.asIntN(64, -v),
  abs: (v) => BigInt.asIntN(64, v < 0n ? -v : v),
  sign: (v) => (v > 0n ? 1n : v < 0n ? -1n : 0n),
  floor: (v) => v,
  ceil: (v) => v,
  round: (v) => v,
  trunc: (v) => v,
};

export function unary(op: UnaryOp, x: View, out: View): void {
  if (isHalf(x.dtype)) {
    const scratch = scratchFor(out);
    unary(op, widen(x), scratch);
    narrowInto(scratch, out);
    return;
  }
  if (x.dtype === "int64") {
    const fn = BIG_UNARY[op];
    if (!fn) throw new TypeError(`unary ${op} is not defined for int64`);
    const xa = x.buffer as BigArray;
    const oa = out.buffer as BigArray;
    forEachRow(out.shape, [x.strides, out.strides], [x.offset, out.offset], (n, offs, inner) => {
      let xi = offs[0]!;
      let oi = offs[1]!;
      for (let k = 0; k < n; k++, xi += inner[0]!, oi += inner[1]!) oa[oi] = fn(xa[xi]!);
    });
    return;
  }
  const row = UNARY_ROWS[op];
  const xa = arrayOf(x);
  const oa = arrayOf(out);
  if (isContiguous(x.shape, x.strides) && isContiguous(out.shape, out.strides)) {
    row(numelOf(out.shape), xa, x.offset, 1, oa, out.offset, 1);
    return;
  }
  forEachRow(out.shape, [x.strides, out.strides], [x.offset, out.offset], (n, offs, inner) => {
    row(n, xa, offs[0]!, inner[0]!, oa, offs[1]!, inner[1]!);
  });
}

// ---- binary --------------------------------------------------------------------------------------

type Row3 = (n: number, a: NumArray, ai: number, as: number, b: NumArray, bi: number, bs: number, o: NumArray, oi: number, os: number) => void;

const FLOAT_ROWS: Record<BinaryOp, Row3> = {
  add: (n, a, ai, as, b, bi, bs, o, oi, os) => { for (let k = 0; k < n; k++, ai += as, bi += bs, oi += os) o[oi] = a[ai]! + b[bi]!; },
  sub: (n, a, ai, as, b, bi, bs, o, oi, os) => { for (let k = 0; k < n; k++, ai += as, bi += bs, oi += os) o[oi] = a[ai]! - b[bi]!; },
  mul: (n, a, ai, as, b, bi, bs, o, oi, os) => { for (let k = 0; k < n; k++, ai += as, bi += bs, oi += os) o[oi] = a[ai]! * b[bi]!; },
  div: (n, a, ai, as, b, bi, bs, o, oi, os) => { for (let k = 0; k < n; k++, ai += as, bi += bs, oi += os) o[oi] = a[ai]! / b[bi]!; },
  pow: (n, a, ai, as, b, bi, bs, o, oi, os) => { for (let k = 0; k < n; k++, ai += as, bi += bs, oi += os) o[oi] = powIeee(a[ai]!, b[bi]!); },
  maximum: (n, a, ai, as, b, bi, bs, o, oi, os) => {
    for (let k = 0; k < n; k++, ai += as, bi += bs, oi += os) { const x = a[ai]!; const y = b[bi]!; o[oi] = x > y || x !== x ? x : y; }
  },
  minimum: (n, a, ai, as, b, bi, bs, o, oi, os) => {
    for (let k = 0; k < n; k++, ai += as, bi += bs, oi += os) { const x = a[ai]!; const y = b[bi]!; o[oi] = x < y || x !== x ? x : y; }
  },
  mod: (n, a, ai, as, b, bi, bs, o, oi, os) => { for (let k = 0; k < n; k++, ai += as, bi += bs, oi += os) o[oi] = floorMod(a[ai]!, b[bi]!); },
  atan2: (n, a, ai, as, b, bi, bs, o, oi, os) => { for (let k = 0; k < n; k++, ai += as, bi += bs, oi += os) o[oi] = Math.atan2(a[ai]!, b[bi]!); },
  eq: (n, a, ai, as, b, bi, bs, o, oi, os) => { for (let k = 0; k < n; k++, ai += as, bi += bs, oi += os) o[oi] = a[ai] === b[bi] ? 1 : 0; },
  ne: (n, a, ai, as, b, bi, bs, o, oi, os) => { for (let k = 0; k < n; k++, ai += as, bi += bs, oi += os) o[oi] = a[ai] !== b[bi] ? 1 : 0; },
  lt: (n, a, ai, as, b, bi, bs, o, oi, os) => { for (let k = 0; k < n; k++, ai += as, bi += bs, oi += os) o[oi] = a[ai]! < b[bi]! ? 1 : 0; },
  le: (n, a, ai, as, b, bi, bs, o, oi, os) => { for (let k = 0; k < n; k++, ai += as, bi += bs, oi += os) o[oi] = a[ai]! <= b[bi]! ? 1 : 0; },
  gt: (n, a, ai, as, b, bi, bs, o, oi, os) => { for (let k = 0; k < n; k++, ai += as, bi += bs, oi += os) o[oi] = a[ai]! > b[bi]! ? 1 : 0; },
  ge: (n, a, ai, as, b, bi, bs, o, oi, os) => { for (let k = 0; k < n; k++, ai += as, bi += bs, oi += os) o[oi] = a[ai]! >= b[bi]! ? 1 : 0; },
  and: (n, a, ai, as, b, bi, bs, o, oi, os) => { for (let k = 0; k < n; k++, ai += as, bi += bs, oi += os) o[oi] = a[ai] && b[bi] ? 1 : 0; },
  or: (n, a, ai, as, b, bi, bs, o, oi, os) => { for (let k = 0; k < n; k++, ai += as, bi += bs, oi += os) o[oi] = a[ai] || b[bi] ? 1 : 0; },
  xor: (n, a, ai, as, b, bi, bs, o, oi, os) => { for (let k = 0; k < n; k++, ai += as, bi += bs, oi += os) o[oi] = !a[ai] !== !b[bi] ? 1 : 0; },
};

/** Integer semantics that differ from floats: floor division and floor remainder, 0 on division by zero. */
const INT_ROWS: Partial<Record<BinaryOp, Row3>> = {
  // Products wrap around like two's-complement hardware; a double product loses low bits past 2^53.
  mul: (n, a, ai, as, b, bi, bs, o, oi, os) => { for (let k = 0; k < n; k++, ai += as, bi += bs, oi += os) o[oi] = Math.imul(a[ai]!, b[bi]!); },
  div: (n, a, ai, as, b, bi, bs, o, oi, os) => {
    for (let k = 0; k < n; k++, ai += as, bi += bs, oi += os) { const y = b[bi]!; o[oi] = y === 0 ? 0 : Math.floor(a[ai]! / y); }
  },
  mod: (n, a, ai, as, b, bi, bs, o, oi, os) => {
    for (let k = 0; k < n; k++, ai += as, bi += bs, oi += os) { const y = b[bi]!; o[oi] = y === 0 ? 0 : floorMod(a[ai]!, y); }
  },
  pow: (n, a, ai, as, b, bi, bs, o, oi, os) => {
    for (let k = 0; k < n; k++, ai += as, bi += bs, oi += os) { const y = b[bi]!; o[oi] = y < 0 ? 0 : Math.pow(a[ai]!, y); }
  },
};

/** Boolean arithmetic stays boolean: + is or, × is and. */
const BOOL_OP: Partial<Record<BinaryOp, BinaryOp>> = { add: "or", mul: "and", maximum: "or", minimum: "and" };

function floorDivBig(a: bigint, b: bigint): bigint {
  if (b === 0n) return 0n;
  const q = a / b;
  return (a % b !== 0n) && (a < 0n) !== (b < 0n) ? q - 1n : q;
}

const BIG_BINARY: Record<BinaryOp, (a: bigint, b: bigint) => bigint | boolean> = {
  add: (a, b) => BigInt.asIntN(64, a + b),
  sub: (a, b) => BigInt.asIntN(64, a - b),
  mul: (a, b) => BigInt.asIntN(64, a * b),
  div: floorDivBig,
  pow: (a, b) => (b < 0n ? 0n : BigInt.asIntN(64, a ** b)),
  maximum: (a, b) => (a > b ? a : b),
  minimum: (a, b) => (a < b ? a : b),
  mod: (a, b) => (b === 0n ? 0n : a - floorDivBig(a, b) * b),
  atan2: (a, b) => BigInt(Math.trunc(Math.atan2(Number(a), Number(b)))),
  eq: (a, b) => a === b,
  ne: (a, b) => a !== b,
  lt: (a, b) => a < b,
  le: (a, b) => a <= b,
  gt: (a, b) => a > b,
  ge: (a, b) => a >= b,
  and: (a, b) => a !== 0n && b !== 0n,
  or: (a, b) => a !== 0n || b !== 0n,
  xor: (a, b) => (a !== 0n) !== (b !== 0n),
};

export function binary(op: BinaryOp, a: View, b: View, out: View): void {
  if (isHalf(a.dtype)) {
    const scratch = out.dtype === "bool" ? out : scratchFor(out);
    binary(op, widen(a), widen(b), scratch);
    if (scratch !== out) narrowInto(scratch, out);
    return;
  }
  if (a.dtype === "int64") {
    const fn = BIG_BINARY[op];
    const aa = a.buffer as BigArray;
    const ba = b.buffer as BigArray;
    const boolOut = out.dtype === "bool";
    const oa = out.buffer as { [i: number]: bigint | number };
    forEachRow(out.shape, [a.strides, b.strides, out.strides], [a.offset, b.offset, out.offset], (n, offs, inner) => {
      let ai = offs[0]!;
      let bi = offs[1]!;
      let oi = offs[2]!;
      for (let k = 0; k < n; k++, ai += inner[0]!, bi += inner[1]!, oi += inner[2]!) {
        const r = fn(aa[ai]!, ba[bi]!);
        oa[oi] = boolOut ? (r ? 1 : 0) : (r as bigint);
      }
    });
    return;
  }
  let effective = op;
  if (a.dtype === "bool" && BOOL_OP[op]) effective = BOOL_OP[op]!;
  const integral = a.dtype !== "float32" && a.dtype !== "float64";
  const row = (integral && INT_ROWS[effective]) || FLOAT_ROWS[effective];
  const aa = arrayOf(a);
  const ba = arrayOf(b);
  const oa = arrayOf(out);
  forEachRow(out.shape, [a.strides, b.strides, out.strides], [a.offset, b.offset, out.offset], (n, offs, inner) => {
    row(n, aa, offs[0]!, inner[0]!, ba, offs[1]!, inner[1]!, oa, offs[2]!, inner[2]!);
  });
}

// ---- where, copy, cast, fill ---------------------------------------------------------------------

export function where(cond: View, a: View, b: View, out: View): void {
  const ca = arrayOf(cond);
  const aa = a.buffer as { [i: number]: unknown };
  const ba = b.buffer as { [i: number]: unknown };
  const oa = out.buffer as { [i: number]: unknown };
  forEachRow(
    out.shape,
    [cond.strides, a.strides, b.strides, out.strides],
    [cond.offset, a.offset, b.offset, out.offset],
    (n, offs, inner) => {
      let ci = offs[0]!;
      let ai = offs[1]!;
      let bi = offs[2]!;
      let oi = offs[3]!;
      const cs = inner[0]!;
      const as = inner[1]!;
      const bs = inner[2]!;
      const os = inner[3]!;
      for (let k = 0; k < n; k++, ci += cs, ai += as, bi += bs, oi += os) oa[oi] = ca[ci] ? aa[ai] : ba[bi];
    },
  );
}

export function copy(x: View, out: View): void {
  const xa = x.buffer as { [i: number]: unknown; subarray?: unknown };
  const oa = out.buffer as { [i: number]: unknown; set?: (src: ArrayLike<unknown>, offset: number) => void };
  if (isContiguous(x.shape, x.strides) && isContiguous(out.shape, out.strides)) {
    const n = numelOf(out.shape);
    const src = (x.buffer as Float32Array).subarray(x.offset, x.offset + n);
    (out.buffer as Float32Array).set(src as unknown as Float32Array, out.offset);
    return;
  }
  forEachRow(out.shape, [x.strides, out.strides], [x.offset, out.offset], (n, offs, inner) => {
    let xi = offs[0]!;
    let oi = offs[1]!;
    const xs = inner[0]!;
    const os = inner[1]!;
    for (let k = 0; k < n; k++, xi += xs, oi += os) oa[oi] = xa[xi];
  });
}

/** Converts one number-path value for storage in `dtype`. */
function numberConverter(from: DType, to: DType): ((v: number) => number) | null {
  if (to === "bool") return (v) => (v !== 0 ? 1 : 0);
  const fromFloat = from === "float32" || from === "float64" || isHalf(from);
  const toInt = to !== "float32" && to !== "float64" && !isHalf(to);
  // Float to integer truncates toward zero; NaN/Inf become 0 (undefined behaviour in C).
  if (fromFloat && toInt) return (v) => (Number.isFinite(v) ? Math.trunc(v) : 0);
  return null;
}

export function cast(x: View, out: View): void {
  const from = x.dtype;
  const to = out.dtype;
  if (from === to) {
    copy(x, out);
    return;
  }
  const source = isHalf(from) ? widen(x) : x;
  const sourceDType = source.dtype;
  if (isHalf(to)) {
    const scratch = scratchFor(out);
    cast(source, scratch);
    narrowInto(scratch, out);
    return;
  }
  const xa = source.buffer as { [i: number]: number | bigint };
  const oa = out.buffer as { [i: number]: number | bigint };
  let convert: (v: number | bigint) => number | bigint;
  if (sourceDType === "int64" && to === "int64") convert = (v) => v;
  else if (sourceDType === "int64") {
    convert = to === "bool" ? (v) => ((v as bigint) !== 0n ? 1 : 0) : (v) => Number(v as bigint);
  } else if (to === "int64") {
    convert = (v) => {
      const n = v as number;
      return Number.isFinite(n) ? BigInt(Math.trunc(n)) : 0n;
    };
  } else {
    const c = numberConverter(sourceDType, to);
    convert = c ? (v) => c(v as number) : (v) => v;
  }
  forEachRow(out.shape, [source.strides, out.strides], [source.offset, out.offset], (n, offs, inner) => {
    let xi = offs[0]!;
    let oi = offs[1]!;
    const xs = inner[0]!;
    const os = inner[1]!;
    for (let k = 0; k < n; k++, xi += xs, oi += os) oa[oi] = convert(xa[xi]!);
  });
}

/** The storage representation of a fill value for a dtype. */
export function storageValue(dtype: DType, value: number | bigint | boolean): number | bigint {
  if (dtype === "int64") {
    if (typeof value === "bigint") return value;
    const n = Number(value);
    return Number.isFinite(n) ? BigInt(Math.trunc(n)) : 0n;
  }
  const n = typeof value === "boolean" ? (value ? 1 : 0) : Number(value);
  if (dtype === "bool") return n !== 0 ? 1 : 0;
  if (dtype === "float16") return float32ToFloat16Bits(n);
  if (dtype === "bfloat16") return float32ToBFloat16Bits(n);
  return n;
}

export function fill(out: View, value: number | bigint | boolean): void {
  const v = storageValue(out.dtype, value);
  const oa = out.buffer as { [i: number]: number | bigint; fill?: (v: never, s: number, e: number) => void };
  if (isContiguous(out.shape, out.strides)) {
    (out.buffer as Float32Array).fill(v as number, out.offset, out.offset + numelOf(out.shape));
    return;
  }
  forEachRow(out.shape, [out.strides], [out.offset], (n, offs, inner) => {
    let oi = offs[0]!;
    const os = inner[0]!;
    for (let k = 0; k < n; k++, oi += os) oa[oi] = v;
  });
}
