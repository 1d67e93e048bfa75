/**
 * Vector transcendental functions for f32x4, from their series (no tables, so the module has no
 * data segment and can be instantiated on several threads over one shared memory):
 * - exp: x = n·ln2 + r with |r| ≤ ln2/2, e^r by its Taylor series to degree 7 (truncation
 *   error < 1e-8 relative), scaled by 2^n through the exponent bits;
 * - log: x = m·2^e with m in [√½, √2), log m = 2·atanh(s), s = (m−1)/(m+1), |s| < 0.172, odd
 *   series to s^9;
 * - expm1 near 0 by its Taylor series (exp(x) − 1 cancels there);
 * - tanh and sigmoid from expm1 / exp.
 * Accuracy is a few ulp of float32 over the whole range; inputs beyond ±88 saturate.
 */

const LOG2E: f32 = 1.4426950408889634;
// ln 2 split in a part exact in float32 and the rest, for an accurate range reduction.
const LN2_HI: f32 = 0.693145751953125;
const LN2_LO: f32 = 1.428606765330187e-6;

// Taylor coefficients 1/k! of e^r, for Horner's rule.
const E2: f32 = 1.0 / 2;
const E3: f32 = 1.0 / 6;
const E4: f32 = 1.0 / 24;
const E5: f32 = 1.0 / 120;
const E6: f32 = 1.0 / 720;
const E7: f32 = 1.0 / 5040;
const E8: f32 = 1.0 / 40320;

// @ts-ignore: decorator
@inline export function expV(x: v128): v128 {
  // Clamp so that 2^n stays representable (pmin/pmax: one instruction each; NaN is restored below).
  const xc = f32x4.pmin(f32x4.pmax(x, f32x4.splat(-87.3)), f32x4.splat(88.72));
  const n = f32x4.nearest(f32x4.mul(xc, f32x4.splat(LOG2E)));
  const r = f32x4.sub(f32x4.sub(xc, f32x4.mul(n, f32x4.splat(LN2_HI))), f32x4.mul(n, f32x4.splat(LN2_LO)));
  // e^r = 1 + r + r²/2! + … + r⁷/7!
  let p = f32x4.add(f32x4.mul(f32x4.splat(E7), r), f32x4.splat(E6));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(E5));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(E4));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(E3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(E2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1));
  // 2^n as two factors 2^(n>>1)·2^(n−(n>>1)): n reaches 128, one factor would overflow.
  const ni = i32x4.trunc_sat_f32x4_s(n);
  const n1 = i32x4.shr_s(ni, 1);
  const n2 = i32x4.sub(ni, n1);
  const scale1 = i32x4.shl(i32x4.add(n1, i32x4.splat(127)), 23);
  const scale2 = i32x4.shl(i32x4.add(n2, i32x4.splat(127)), 23);
  let y = f32x4.mul(f32x4.mul(p, scale1), scale2);
  // Saturate: exp(x) for x > 88.72 is +Inf, for x < -87.3 underflows (flush to 0); NaN stays NaN.
  y = v128.bitselect(f32x4.splat(Infinity), y, f32x4.gt(x, f32x4.splat(88.7228)));
  y = v128.bitselect(f32x4.splat(0), y, f32x4.lt(x, f32x4.splat(-87.3)));
  return v128.bitselect(x, y, f32x4.ne(x, x));
}

// @ts-ignore: decorator
@inline export function logV(x: v128): v128 {
  const bits = x;
  // Exponent and mantissa; subnormals are scaled up by 2^23 first.
  const tiny = f32x4.lt(x, f32x4.splat(1.1754943508222875e-38));
  const xs = v128.bitselect(f32x4.mul(x, f32x4.splat(8388608)), x, tiny);
  let e = i32x4.sub(i32x4.shr_u(xs, 23), i32x4.splat(127));
  e = v128.bitselect(i32x4.sub(e, i32x4.splat(23)), e, tiny);
  let m = v128.or(v128.and(xs, i32x4.splat(0x007fffff)), i32x4.splat(0x3f800000));
  // Move m from [1, 2) to [√½, √2) so that |s| stays small.
  const big = f32x4.gt(m, f32x4.splat(1.4142135623730951));
  m = v128.bitselect(f32x4.mul(m, f32x4.splat(0.5)), m, big);
  e = v128.bitselect(i32x4.add(e, i32x4.splat(1)), e, big);
  const s = f32x4.div(f32x4.sub(m, f32x4.splat(1)), f32x4.add(m, f32x4.splat(1)));
  const s2 = f32x4.mul(s, s);
  let p = f32x4.add(f32x4.splat(<f32>(1.0 / 7)), f32x4.mul(s2, f32x4.splat(<f32>(1.0 / 9))));
  p = f32x4.add(f32x4.splat(<f32>(1.0 / 5)), f32x4.mul(s2, p));
  p = f32x4.add(f32x4.splat(<f32>(1.0 / 3)), f32x4.mul(s2, p));
  p = f32x4.add(f32x4.splat(1), f32x4.mul(s2, p));
  const logm = f32x4.mul(f32x4.mul(s, f32x4.splat(2)), p);
  const ef = f32x4.convert_i32x4_s(e);
  let y = f32x4.add(f32x4.add(f32x4.mul(ef, f32x4.splat(LN2_HI)), logm), f32x4.mul(ef, f32x4.splat(LN2_LO)));
  // Special values: log(0) = -Inf, log(x<0) = NaN, log(+Inf) = +Inf, NaN stays NaN.
  y = v128.bitselect(f32x4.splat(-Infinity), y, f32x4.eq(bits, f32x4.splat(0)));
  y = v128.bitselect(f32x4.splat(NaN), y, f32x4.lt(bits, f32x4.splat(0)));
  y = v128.bitselect(bits, y, f32x4.eq(bits, f32x4.splat(Infinity)));
  return v128.bitselect(bits, y, f32x4.ne(bits, bits));
}

/** e^x − 1, accurate near 0 (Taylor series for |x| < ln2/2, exp(x) − 1 beyond). */
// @ts-ignore: decorator
@inline export function expm1V(x: v128): v128 {
  // x + x²/2! + … + x⁸/8!
  let p = f32x4.add(f32x4.mul(f32x4.splat(E8), x), f32x4.splat(E7));
  p = f32x4.add(f32x4.mul(p, x), f32x4.splat(E6));
  p = f32x4.add(f32x4.mul(p, x), f32x4.splat(E5));
  p = f32x4.add(f32x4.mul(p, x), f32x4.splat(E4));
  p = f32x4.add(f32x4.mul(p, x), f32x4.splat(E3));
  p = f32x4.add(f32x4.mul(p, x), f32x4.splat(E2));
  p = f32x4.add(f32x4.mul(p, x), f32x4.splat(1));
  const series = f32x4.mul(x, p);
  const direct = f32x4.sub(expV(x), f32x4.splat(1));
  return v128.bitselect(series, direct, f32x4.lt(f32x4.abs(x), f32x4.splat(0.34657359)));
}

/** tanh x = −expm1(−2|x|) / (expm1(−2|x|) + 2), with the sign of x. */
// @ts-ignore: decorator
@inline export function tanhV(x: v128): v128 {
  const ax = f32x4.abs(x);
  const t = expm1V(f32x4.mul(ax, f32x4.splat(-2)));
  const y = f32x4.div(f32x4.neg(t), f32x4.add(t, f32x4.splat(2)));
  // Copy the sign of x (keeps -0 and NaN as they are).
  const signed = v128.or(y, v128.and(x, i32x4.splat(0x80000000)));
  return v128.bitselect(x, signed, f32x4.ne(x, x));
}

/** 1 / (1 + e^−x). */
// @ts-ignore: decorator
@inline export function sigmoidV(x: v128): v128 {
  return f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), expV(f32x4.neg(x))));
}

/** Scalar forms for loop tails: run the vector code on one lane. */
export function expS(x: f32): f32 {
  return f32x4.extract_lane(expV(f32x4.splat(x)), 0);
}
