/**
 * Elementwise float32 kernels over 2-d collapsed views: `rows` rows of `n` elements, each operand
 * with its own row stride and an inner stride of 0 (broadcast) or 1 (contiguous); the output is
 * contiguous within a row. The host collapses any broadcast/strided view to this form (or loops
 * over outer dims). Each op is a compile-time constant inside its loop so the op switch folds away.
 */
import { expV, expm1V, logV, sigmoidV, tanhV } from "./math";

export const BINARY_ADD: i32 = 0;
export const BINARY_SUB: i32 = 1;
export const BINARY_MUL: i32 = 2;
export const BINARY_DIV: i32 = 3;
export const BINARY_MAXIMUM: i32 = 4;
export const BINARY_MINIMUM: i32 = 5;
export const COMPARE_EQ: i32 = 10;
export const COMPARE_NE: i32 = 11;
export const COMPARE_LT: i32 = 12;
export const COMPARE_LE: i32 = 13;
export const COMPARE_GT: i32 = 14;
export const COMPARE_GE: i32 = 15;

// @ts-ignore: decorator
@inline function addr(base: usize, index: i32): usize {
  return base + (<usize>index << 2);
}

// @ts-ignore: decorator
@inline function binaryV(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case BINARY_ADD: return f32x4.add(a, b);
    case BINARY_SUB: return f32x4.sub(a, b);
    case BINARY_MUL: return f32x4.mul(a, b);
    case BINARY_DIV: return f32x4.div(a, b);
    case BINARY_MAXIMUM: return f32x4.max(a, b);
    case BINARY_MINIMUM: return f32x4.min(a, b);
    case COMPARE_EQ: return f32x4.eq(a, b);
    case COMPARE_NE: return f32x4.ne(a, b);
    case COMPARE_LT: return f32x4.lt(a, b);
    case COMPARE_LE: return f32x4.le(a, b);
    case COMPARE_GT: return f32x4.gt(a, b);
    default: return f32x4.ge(a, b);
  }
}

/** One row of a float op: a and b each advance by 0 or 1 element. */
// @ts-ignore: decorator
@inline function binaryRow(op: i32, n: i32, a: usize, as: i32, b: usize, bs: i32, o: usize): void {
  let k = 0;
  if (as == 1 && bs == 1) {
    for (; k + 4 <= n; k += 4) v128.store(addr(o, k), binaryV(op, v128.load(addr(a, k)), v128.load(addr(b, k))));
  } else if (as == 1) {
    const bv = v128.load32_splat(b);
    for (; k + 4 <= n; k += 4) v128.store(addr(o, k), binaryV(op, v128.load(addr(a, k)), bv));
  } else if (bs == 1) {
    const av = v128.load32_splat(a);
    for (; k + 4 <= n; k += 4) v128.store(addr(o, k), binaryV(op, av, v128.load(addr(b, k))));
  }
  for (; k < n; k++) {
    const r = binaryV(op, v128.load32_splat(addr(a, k * as)), v128.load32_splat(addr(b, k * bs)));
    store<f32>(addr(o, k), f32x4.extract_lane(r, 0));
  }
}

/** One row of a comparison: 0/1 bytes out. */
// @ts-ignore: decorator
@inline function compareRow(op: i32, n: i32, a: usize, as: i32, b: usize, bs: i32, o: usize): void {
  const one = i8x16.splat(1);
  let k = 0;
  const av = v128.load32_splat(a);
  const bv = v128.load32_splat(b);
  for (; k + 16 <= n; k += 16) {
    const m0 = binaryV(op, as ? v128.load(addr(a, k)) : av, bs ? v128.load(addr(b, k)) : bv);
    const m1 = binaryV(op, as ? v128.load(addr(a, k + 4)) : av, bs ? v128.load(addr(b, k + 4)) : bv);
    const m2 = binaryV(op, as ? v128.load(addr(a, k + 8)) : av, bs ? v128.load(addr(b, k + 8)) : bv);
    const m3 = binaryV(op, as ? v128.load(addr(a, k + 12)) : av, bs ? v128.load(addr(b, k + 12)) : bv);
    const bytes = i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(m0, m1), i16x8.narrow_i32x4_s(m2, m3));
    v128.store(o + <usize>k, v128.and(bytes, one));
  }
  for (; k < n; k++) {
    const r = binaryV(op, v128.load32_splat(addr(a, k * as)), v128.load32_splat(addr(b, k * bs)));
    store<u8>(o + <usize>k, i32x4.extract_lane(r, 0) & 1);
  }
}

// @ts-ignore: decorator
@inline function binaryRows(
  op: i32, rows: i32, n: i32,
  a: usize, aRow: i32, as: i32, b: usize, bRow: i32, bs: i32, o: usize, oRow: i32,
): void {
  for (let r = 0; r < rows; r++) {
    const ar = addr(a, r * aRow);
    const br = addr(b, r * bRow);
    if (op >= COMPARE_EQ) compareRow(op, n, ar, as, br, bs, o + <usize>(r * oRow));
    else binaryRow(op, n, ar, as, br, bs, addr(o, r * oRow));
  }
}

/**
 * out = a (op) b over `rows` × `n`; arithmetic ops write float32, comparisons write bytes (bool)
 * with `oRow` counted in bytes.
 */
export function binaryF32(
  op: i32, rows: i32, n: i32,
  a: usize, aRow: i32, as: i32, b: usize, bRow: i32, bs: i32, o: usize, oRow: i32,
): void {
  switch (op) {
    case BINARY_ADD: binaryRows(BINARY_ADD, rows, n, a, aRow, as, b, bRow, bs, o, oRow); break;
    case BINARY_SUB: binaryRows(BINARY_SUB, rows, n, a, aRow, as, b, bRow, bs, o, oRow); break;
    case BINARY_MUL: binaryRows(BINARY_MUL, rows, n, a, aRow, as, b, bRow, bs, o, oRow); break;
    case BINARY_DIV: binaryRows(BINARY_DIV, rows, n, a, aRow, as, b, bRow, bs, o, oRow); break;
    case BINARY_MAXIMUM: binaryRows(BINARY_MAXIMUM, rows, n, a, aRow, as, b, bRow, bs, o, oRow); break;
    case BINARY_MINIMUM: binaryRows(BINARY_MINIMUM, rows, n, a, aRow, as, b, bRow, bs, o, oRow); break;
    case COMPARE_EQ: binaryRows(COMPARE_EQ, rows, n, a, aRow, as, b, bRow, bs, o, oRow); break;
    case COMPARE_NE: binaryRows(COMPARE_NE, rows, n, a, aRow, as, b, bRow, bs, o, oRow); break;
    case COMPARE_LT: binaryRows(COMPARE_LT, rows, n, a, aRow, as, b, bRow, bs, o, oRow); break;
    case COMPARE_LE: binaryRows(COMPARE_LE, rows, n, a, aRow, as, b, bRow, bs, o, oRow); break;
    case COMPARE_GT: binaryRows(COMPARE_GT, rows, n, a, aRow, as, b, bRow, bs, o, oRow); break;
    default: binaryRows(COMPARE_GE, rows, n, a, aRow, as, b, bRow, bs, o, oRow); break;
  }
}

export const UNARY_NEG: i32 = 0;
export const UNARY_ABS: i32 = 1;
export const UNARY_SQRT: i32 = 2;
export const UNARY_EXP: i32 = 3;
export const UNARY_LOG: i32 = 4;
export const UNARY_TANH: i32 = 5;
export const UNARY_RECIP: i32 = 6;
export const UNARY_RSQRT: i32 = 7;
export const UNARY_FLOOR: i32 = 8;
export const UNARY_CEIL: i32 = 9;
export const UNARY_TRUNC: i32 = 10;
export const UNARY_ROUND: i32 = 11;
export const UNARY_SIGMOID: i32 = 12;
export const UNARY_RELU: i32 = 13;
export const UNARY_EXPM1: i32 = 14;
export const UNARY_SQUARE: i32 = 15;
export const UNARY_SILU: i32 = 16;

/** Ops that cost about as much as a load: each gets its own loop, specialized at compile time. */
// @ts-ignore: decorator
@inline function cheapV(op: i32, x: v128): v128 {
  switch (op) {
    case UNARY_NEG: return f32x4.neg(x);
    case UNARY_ABS: return f32x4.abs(x);
    case UNARY_SQRT: return f32x4.sqrt(x);
    case UNARY_RECIP: return f32x4.div(f32x4.splat(1), x);
    case UNARY_RSQRT: return f32x4.div(f32x4.splat(1), f32x4.sqrt(x));
    case UNARY_FLOOR: return f32x4.floor(x);
    case UNARY_CEIL: return f32x4.ceil(x);
    case UNARY_TRUNC: return f32x4.trunc(x);
    case UNARY_ROUND: return f32x4.nearest(x);
    // pmax keeps NaN (x < 0 is false for NaN) in one instruction, unlike max.
    case UNARY_RELU: return f32x4.pmax(x, f32x4.splat(0));
    default: return f32x4.mul(x, x);
  }
}

/** Transcendental ops: tens of instructions per vector, so one shared loop with a switch costs nothing. */
function costlyV(op: i32, x: v128): v128 {
  switch (op) {
    case UNARY_EXP: return expV(x);
    case UNARY_LOG: return logV(x);
    case UNARY_TANH: return tanhV(x);
    case UNARY_SIGMOID: return sigmoidV(x);
    case UNARY_EXPM1: return expm1V(x);
    default: return f32x4.mul(x, sigmoidV(x));
  }
}

// @ts-ignore: decorator
@inline function cheapRows(op: i32, rows: i32, n: i32, x: usize, xRow: i32, o: usize, oRow: i32): void {
  for (let r = 0; r < rows; r++) {
    const xr = addr(x, r * xRow);
    const or = addr(o, r * oRow);
    let k = 0;
    for (; k + 4 <= n; k += 4) v128.store(addr(or, k), cheapV(op, v128.load(addr(xr, k))));
    for (; k < n; k++) store<f32>(addr(or, k), f32x4.extract_lane(cheapV(op, v128.load32_splat(addr(xr, k))), 0));
  }
}

function costlyRows(op: i32, rows: i32, n: i32, x: usize, xRow: i32, o: usize, oRow: i32): void {
  for (let r = 0; r < rows; r++) {
    const xr = addr(x, r * xRow);
    const or = addr(o, r * oRow);
    let k = 0;
    for (; k + 4 <= n; k += 4) v128.store(addr(or, k), costlyV(op, v128.load(addr(xr, k))));
    for (; k < n; k++) store<f32>(addr(or, k), f32x4.extract_lane(costlyV(op, v128.load32_splat(addr(xr, k))), 0));
  }
}

/** out = op(x) over `rows` × `n`, both contiguous within a row. */
export function unaryF32(op: i32, rows: i32, n: i32, x: usize, xRow: i32, o: usize, oRow: i32): void {
  switch (op) {
    case UNARY_NEG: cheapRows(UNARY_NEG, rows, n, x, xRow, o, oRow); break;
    case UNARY_ABS: cheapRows(UNARY_ABS, rows, n, x, xRow, o, oRow); break;
    case UNARY_SQRT: cheapRows(UNARY_SQRT, rows, n, x, xRow, o, oRow); break;
    case UNARY_RECIP: cheapRows(UNARY_RECIP, rows, n, x, xRow, o, oRow); break;
    case UNARY_RSQRT: cheapRows(UNARY_RSQRT, rows, n, x, xRow, o, oRow); break;
    case UNARY_FLOOR: cheapRows(UNARY_FLOOR, rows, n, x, xRow, o, oRow); break;
    case UNARY_CEIL: cheapRows(UNARY_CEIL, rows, n, x, xRow, o, oRow); break;
    case UNARY_TRUNC: cheapRows(UNARY_TRUNC, rows, n, x, xRow, o, oRow); break;
    case UNARY_ROUND: cheapRows(UNARY_ROUND, rows, n, x, xRow, o, oRow); break;
    case UNARY_RELU: cheapRows(UNARY_RELU, rows, n, x, xRow, o, oRow); break;
    case UNARY_SQUARE: cheapRows(UNARY_SQUARE, rows, n, x, xRow, o, oRow); break;
    default: costlyRows(op, rows, n, x, xRow, o, oRow); break;
  }
}

/** out = cond ? a : b; cond is bytes, every operand with inner stride 0 or 1. */
export function whereF32(
  rows: i32, n: i32,
  c: usize, cRow: i32, cs: i32, a: usize, aRow: i32, as: i32, b: usize, bRow: i32, bs: i32, o: usize, oRow: i32,
): void {
  for (let r = 0; r < rows; r++) {
    const cr = c + <usize>(r * cRow);
    const ar = addr(a, r * aRow);
    const br = addr(b, r * bRow);
    const or = addr(o, r * oRow);
    let k = 0;
    if (cs == 1) {
      const av = v128.load32_splat(ar);
      const bv = v128.load32_splat(br);
      for (; k + 4 <= n; k += 4) {
        const bytes = v128.load32_zero(cr + <usize>k);
        const mask = i32x4.ne(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(bytes)), i32x4.splat(0));
        const x = as ? v128.load(addr(ar, k)) : av;
        const y = bs ? v128.load(addr(br, k)) : bv;
        v128.store(addr(or, k), v128.bitselect(x, y, mask));
      }
    }
    for (; k < n; k++) {
      const pick = load<u8>(cr + <usize>(k * cs)) != 0;
      store<f32>(addr(or, k), pick ? load<f32>(addr(ar, k * as)) : load<f32>(addr(br, k * bs)));
    }
  }
}

/** out[r, k] = x[r·xRow + k·xs] for a contiguous out (materializes transposes and slices). */
export function copyF32(rows: i32, n: i32, x: usize, xRow: i32, xs: i32, o: usize, oRow: i32): void {
  for (let r = 0; r < rows; r++) {
    const xr = addr(x, r * xRow);
    const or = addr(o, r * oRow);
    if (xs == 1) memory.copy(or, xr, <usize>n << 2);
    else if (xs == 0) {
      const v = load<f32>(xr);
      for (let k = 0; k < n; k++) store<f32>(addr(or, k), v);
    } else {
      for (let k = 0; k < n; k++) store<f32>(addr(or, k), load<f32>(addr(xr, k * xs)));
    }
  }
}

/** Transposes a rows × cols block: out[j, i] = x[i, j] (x row stride xRow, out row stride oRow). */
export function transposeF32(rows: i32, cols: i32, x: usize, xRow: i32, o: usize, oRow: i32): void {
  // 4×4 register transposes inside 32×32 tiles that stay in L1.
  for (let i0 = 0; i0 < rows; i0 += 32) {
    const i1 = min(rows, i0 + 32);
    for (let j0 = 0; j0 < cols; j0 += 32) {
      const j1 = min(cols, j0 + 32);
      let i = i0;
      for (; i + 4 <= i1; i += 4) {
        let j = j0;
        for (; j + 4 <= j1; j += 4) {
          const s = addr(x, i * xRow + j);
          const p0 = v128.load(s);
          const p1 = v128.load(addr(s, xRow));
          const p2 = v128.load(addr(s, 2 * xRow));
          const p3 = v128.load(addr(s, 3 * xRow));
          const t0 = v128.shuffle<f32>(p0, p1, 0, 4, 1, 5);
          const t1 = v128.shuffle<f32>(p2, p3, 0, 4, 1, 5);
          const t2 = v128.shuffle<f32>(p0, p1, 2, 6, 3, 7);
          const t3 = v128.shuffle<f32>(p2, p3, 2, 6, 3, 7);
          const d = addr(o, j * oRow + i);
          v128.store(d, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
          v128.store(addr(d, oRow), v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
          v128.store(addr(d, 2 * oRow), v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
          v128.store(addr(d, 3 * oRow), v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
        }
        for (; j < j1; j++) {
          for (let q = i; q < i + 4; q++) store<f32>(addr(o, j * oRow + q), load<f32>(addr(x, q * xRow + j)));
        }
      }
      for (; i < i1; i++) {
        for (let j = j0; j < j1; j++) store<f32>(addr(o, j * oRow + i), load<f32>(addr(x, i * xRow + j)));
      }
    }
  }
}
