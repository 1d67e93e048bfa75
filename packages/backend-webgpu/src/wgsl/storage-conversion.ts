/**
 * Bit-level helpers: building special floats at run time (WGSL rejects constant infinities and
 * NaNs), NaN tests that survive fast-math compilers, and round-to-nearest-even conversions to
 * the 16-bit float formats, bit-identical to the host's conversions in @trek/tensor.
 */
import type { Snippet } from "./snippets.js";

export const STORAGE_SNIPPETS: Record<string, Snippet> = {
  float_bits: {
    code: /* wgsl */ `
// A function call is never a constant expression, so these may produce Inf and NaN.
fn f32_from_bits(b: u32) -> f32 { return bitcast<f32>(b); }
fn f32_inf() -> f32 { return f32_from_bits(0x7f800000u); }
fn f32_nan() -> f32 { return f32_from_bits(0x7fc00000u); }
fn is_nan(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u; }
fn is_inf(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) == 0x7f800000u; }
fn copy_sign(magnitude: f32, sign_of: f32) -> f32 {
  return bitcast<f32>((bitcast<u32>(magnitude) & 0x7fffffffu) | (bitcast<u32>(sign_of) & 0x80000000u));
}
`,
  },
  f16_round: {
    code: /* wgsl */ `
// f32 -> IEEE half bits, round to nearest even; overflow gives Inf, NaN stays NaN.
fn f16_bits(v: f32) -> u32 {
  let x = bitcast<u32>(v);
  let sign = (x >> 16u) & 0x8000u;
  let exponent = (x >> 23u) & 0xffu;
  var mantissa = x & 0x7fffffu;
  if (exponent == 0xffu) { return sign | 0x7c00u | select(0u, 0x200u, mantissa != 0u); }
  let e = i32(exponent) - 112i;
  if (e >= 31i) { return sign | 0x7c00u; }
  if (e <= 0i) {
    if (e < -10i) { return sign; }
    mantissa = mantissa | 0x800000u;
    let shift = u32(14i - e);
    var half = mantissa >> shift;
    let remainder = mantissa & ((1u << shift) - 1u);
    let halfway = 1u << (shift - 1u);
    if (remainder > halfway || (remainder == halfway && (half & 1u) == 1u)) { half = half + 1u; }
    return sign | half;
  }
  var half = (u32(e) << 10u) | (mantissa >> 13u);
  let remainder = mantissa & 0x1fffu;
  if (remainder > 0x1000u || (remainder == 0x1000u && (half & 1u) == 1u)) { half = half + 1u; }
  return sign | half;
}
fn to_f16(v: f32) -> f16 { return bitcast<vec2<f16>>(f16_bits(v)).x; }
`,
  },
  bf16_round: {
    code: /* wgsl */ `
// f32 -> bfloat16 (kept in the top half of a word), round to nearest even; NaN stays NaN.
fn bf16_word(v: f32) -> u32 {
  let x = bitcast<u32>(v);
  if ((x & 0x7f800000u) == 0x7f800000u && (x & 0x7fffffu) != 0u) { return (x | 0x400000u) & 0xffff0000u; }
  return (x + 0x7fffu + ((x >> 16u) & 1u)) & 0xffff0000u;
}
`,
  },
};
