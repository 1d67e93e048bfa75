/**
 * Reductions of float32 into a float64 accumulator: the host walks the input in memory order and
 * hands over its two innermost dims; each input element folds into the accumulator cell its
 * output index maps to (accumulator stride 0 along reduced dims). Sums accumulate in float64.
 */

export const REDUCE_SUM: i32 = 0;
export const REDUCE_MAX: i32 = 1;
export const REDUCE_MIN: i32 = 2;

// @ts-ignore: decorator
@inline function addr4(base: usize, index: i32): usize {
  return base + (<usize>index << 2);
}

// @ts-ignore: decorator
@inline function addr8(base: usize, index: i32): usize {
  return base + (<usize>index << 3);
}

/** Folds one contiguous row of n floats into a single accumulator cell. */
// @ts-ignore: decorator
@inline function foldRow(op: i32, n: i32, x: usize, cell: usize): void {
  let k = 0;
  if (op == REDUCE_SUM) {
    let s0 = f64x2.splat(0), s1 = s0, s2 = s0, s3 = s0;
    // Blocks of 64: float32 partial sums of 4 values per lane, then float64 across blocks.
    for (; k + 64 <= n; k += 64) {
      let v0 = f32x4.splat(0), v1 = v0, v2 = v0, v3 = v0;
      for (let j = 0; j < 64; j += 16) {
        const p = addr4(x, k + j);
        v0 = f32x4.add(v0, v128.load(p));
        v1 = f32x4.add(v1, v128.load(p, 16));
        v2 = f32x4.add(v2, v128.load(p, 32));
        v3 = f32x4.add(v3, v128.load(p, 48));
      }
      const v = f32x4.add(f32x4.add(v0, v1), f32x4.add(v2, v3));
      s0 = f64x2.add(s0, f64x2.promote_low_f32x4(v));
      s1 = f64x2.add(s1, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3)));
    }
    for (; k + 8 <= n; k += 8) {
      const v = v128.load(addr4(x, k));
      const w = v128.load(addr4(x, k + 4));
      s0 = f64x2.add(s0, f64x2.promote_low_f32x4(v));
      s1 = f64x2.add(s1, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3)));
      s2 = f64x2.add(s2, f64x2.promote_low_f32x4(w));
      s3 = f64x2.add(s3, f64x2.promote_low_f32x4(v128.shuffle<f32>(w, w, 2, 3, 2, 3)));
    }
    const s = f64x2.add(f64x2.add(s0, s1), f64x2.add(s2, s3));
    let total = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
    for (; k < n; k++) total += <f64>load<f32>(addr4(x, k));
    store<f64>(cell, load<f64>(cell) + total);
  } else {
    const init = load<f64>(cell);
    let m = f32x4.splat(<f32>init);
    for (; k + 4 <= n; k += 4) {
      const v = v128.load(addr4(x, k));
      m = op == REDUCE_MAX ? f32x4.max(m, v) : f32x4.min(m, v);
    }
    let r: f64 = op == REDUCE_MAX
      ? <f64>max(max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), max(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)))
      : <f64>min(min(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), min(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)));
    r = op == REDUCE_MAX ? max(r, init) : min(r, init);
    for (; k < n; k++) {
      const v = <f64>load<f32>(addr4(x, k));
      r = op == REDUCE_MAX ? max(r, v) : min(r, v);
    }
    store<f64>(cell, r);
  }
}

/** acc[k] (op)= x[k] for k < n: a contiguous row into a contiguous run of accumulator cells. */
// @ts-ignore: decorator
@inline function foldColumns(op: i32, n: i32, x: usize, acc: usize): void {
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const v = v128.load(addr4(x, k));
    const lo = f64x2.promote_low_f32x4(v);
    const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3));
    const a0 = v128.load(addr8(acc, k));
    const a1 = v128.load(addr8(acc, k + 2));
    if (op == REDUCE_SUM) {
      v128.store(addr8(acc, k), f64x2.add(a0, lo));
      v128.store(addr8(acc, k + 2), f64x2.add(a1, hi));
    } else if (op == REDUCE_MAX) {
      v128.store(addr8(acc, k), f64x2.max(a0, lo));
      v128.store(addr8(acc, k + 2), f64x2.max(a1, hi));
    } else {
      v128.store(addr8(acc, k), f64x2.min(a0, lo));
      v128.store(addr8(acc, k + 2), f64x2.min(a1, hi));
    }
  }
  for (; k < n; k++) {
    const v = <f64>load<f32>(addr4(x, k));
    const a = load<f64>(addr8(acc, k));
    store<f64>(addr8(acc, k), op == REDUCE_SUM ? a + v : op == REDUCE_MAX ? max(a, v) : min(a, v));
  }
}

// @ts-ignore: decorator
@inline function reduce2d(
  op: i32, n1: i32, xs1: i32, as1: i32, n0: i32, xs0: i32, as0: i32, x: usize, acc: usize,
): void {
  for (let i = 0; i < n1; i++) {
    const xr = addr4(x, i * xs1);
    const ar = addr8(acc, i * as1);
    if (xs0 == 1 && as0 == 0) foldRow(op, n0, xr, ar);
    else if (xs0 == 1 && as0 == 1) foldColumns(op, n0, xr, ar);
    else {
      for (let k = 0; k < n0; k++) {
        const v = <f64>load<f32>(addr4(xr, k * xs0));
        const cell = addr8(ar, k * as0);
        const a = load<f64>(cell);
        store<f64>(cell, op == REDUCE_SUM ? a + v : op == REDUCE_MAX ? max(a, v) : min(a, v));
      }
    }
  }
}

/**
 * Folds an n1 × n0 block of x (strides xs1, xs0 in elements) into the float64 accumulator
 * (strides as1, as0 in elements; 0 along reduced dims).
 */
export function reduceF32(op: i32, n1: i32, xs1: i32, as1: i32, n0: i32, xs0: i32, as0: i32, x: usize, acc: usize): void {
  if (op == REDUCE_SUM) reduce2d(REDUCE_SUM, n1, xs1, as1, n0, xs0, as0, x, acc);
  else if (op == REDUCE_MAX) reduce2d(REDUCE_MAX, n1, xs1, as1, n0, xs0, as0, x, acc);
  else reduce2d(REDUCE_MIN, n1, xs1, as1, n0, xs0, as0, x, acc);
}

/** acc[0..n) = value (float64). */
export function fillF64(n: i32, acc: usize, value: f64): void {
  const v = f64x2.splat(value);
  let k = 0;
  for (; k + 2 <= n; k += 2) v128.store(addr8(acc, k), v);
  for (; k < n; k++) store<f64>(addr8(acc, k), value);
}

/** out[k] = f32(acc[k]) for a contiguous out. */
export function narrowF64(n: i32, acc: usize, o: usize): void {
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const lo = f32x4.demote_f64x2_zero(v128.load(addr8(acc, k)));
    const hi = f32x4.demote_f64x2_zero(v128.load(addr8(acc, k + 2)));
    v128.store(addr4(o, k), v128.shuffle<f32>(lo, hi, 0, 1, 4, 5));
  }
  for (; k < n; k++) store<f32>(addr4(o, k), <f32>load<f64>(addr8(acc, k)));
}
