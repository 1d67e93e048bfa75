/**
 * Exact 64-bit integer arithmetic in WGSL, which has no 64-bit types. An int64 is a
 * `vec2<u32>`: `.x` the low word, `.y` the high word (two's complement), the byte layout of a
 * little-endian BigInt64Array. Every operation wraps modulo 2^64 like int64 in PyTorch.
 */
import type { Snippet } from "./snippets.js";

export const INT64_SNIPPETS: Record<string, Snippet> = {
  i64_basic: {
    code: /* wgsl */ `
fn i64_add(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
  let lo = a.x + b.x;
  return vec2<u32>(lo, a.y + b.y + select(0u, 1u, lo < a.x));
}
fn i64_neg(a: vec2<u32>) -> vec2<u32> {
  let lo = ~a.x + 1u;
  return vec2<u32>(lo, ~a.y + select(0u, 1u, lo == 0u));
}
fn i64_sub(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
  return vec2<u32>(a.x - b.x, a.y - b.y - select(0u, 1u, a.x < b.x));
}
fn i64_is_neg(a: vec2<u32>) -> bool { return (a.y & 0x80000000u) != 0u; }
fn i64_is_zero(a: vec2<u32>) -> bool { return (a.x | a.y) == 0u; }
fn i64_eq(a: vec2<u32>, b: vec2<u32>) -> bool { return a.x == b.x && a.y == b.y; }
fn i64_lt(a: vec2<u32>, b: vec2<u32>) -> bool {
  let ah = bitcast<i32>(a.y);
  let bh = bitcast<i32>(b.y);
  return ah < bh || (ah == bh && a.x < b.x);
}
fn u64_lt(a: vec2<u32>, b: vec2<u32>) -> bool { return a.y < b.y || (a.y == b.y && a.x < b.x); }
fn i64_abs(a: vec2<u32>) -> vec2<u32> { return select(a, i64_neg(a), i64_is_neg(a)); }
fn i64_sign(a: vec2<u32>) -> vec2<u32> {
  if (i64_is_neg(a)) { return vec2<u32>(0xffffffffu, 0xffffffffu); }
  return vec2<u32>(select(1u, 0u, i64_is_zero(a)), 0u);
}
fn i64_from_i32(v: i32) -> vec2<u32> { return vec2<u32>(bitcast<u32>(v), select(0u, 0xffffffffu, v < 0)); }
fn u64_shl(a: vec2<u32>, s: u32) -> vec2<u32> {
  if (s == 0u) { return a; }
  if (s >= 64u) { return vec2<u32>(0u, 0u); }
  if (s >= 32u) { return vec2<u32>(0u, a.x << (s - 32u)); }
  return vec2<u32>(a.x << s, (a.y << s) | (a.x >> (32u - s)));
}
`,
  },
  i64_mul: {
    deps: ["i64_basic"],
    code: /* wgsl */ `
// The full 64-bit product of two u32, from 16-bit halves (WGSL has no mul-high).
fn u32_mul_wide(a: u32, b: u32) -> vec2<u32> {
  let a0 = a & 0xffffu; let a1 = a >> 16u;
  let b0 = b & 0xffffu; let b1 = b >> 16u;
  let p00 = a0 * b0;
  let mid = a0 * b1 + (p00 >> 16u);
  let mid2 = (mid & 0xffffu) + a1 * b0;
  return vec2<u32>((mid2 << 16u) | (p00 & 0xffffu), a1 * b1 + (mid >> 16u) + (mid2 >> 16u));
}
fn i64_mul(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
  let low = u32_mul_wide(a.x, b.x);
  return vec2<u32>(low.x, low.y + a.x * b.y + a.y * b.x);
}
// Integer power by squaring; negative exponents give 0 (as the CPU backend does).
fn i64_pow(base: vec2<u32>, exponent: vec2<u32>) -> vec2<u32> {
  if (i64_is_neg(exponent)) { return vec2<u32>(0u, 0u); }
  var result = vec2<u32>(1u, 0u);
  var b = base;
  var e = exponent;
  for (var i = 0u; i < 64u; i = i + 1u) {
    if (i64_is_zero(e)) { break; }
    if ((e.x & 1u) == 1u) { result = i64_mul(result, b); }
    b = i64_mul(b, b);
    e = vec2<u32>((e.x >> 1u) | (e.y << 31u), e.y >> 1u);
  }
  return result;
}
`,
  },
  i64_div: {
    deps: ["i64_basic", "i64_mul"],
    code: /* wgsl */ `
struct U64DivMod { q: vec2<u32>, r: vec2<u32> }
// Unsigned long division, one quotient bit per step; d must not be zero.
fn u64_divmod(n: vec2<u32>, d: vec2<u32>) -> U64DivMod {
  if (n.y == 0u && d.y == 0u) { return U64DivMod(vec2<u32>(n.x / d.x, 0u), vec2<u32>(n.x % d.x, 0u)); }
  var q = vec2<u32>(0u, 0u);
  var r = vec2<u32>(0u, 0u);
  for (var i = 63i; i >= 0i; i = i - 1i) {
    let word = select(n.x, n.y, i >= 32i);
    let bit = (word >> (u32(i) & 31u)) & 1u;
    r = vec2<u32>((r.x << 1u) | bit, (r.y << 1u) | (r.x >> 31u));
    if (!u64_lt(r, d)) {
      r = i64_sub(r, d);
      if (i >= 32i) { q.y = q.y | (1u << (u32(i) - 32u)); } else { q.x = q.x | (1u << u32(i)); }
    }
  }
  return U64DivMod(q, r);
}
// Floor division and floor remainder (Python's // and %); division by zero gives 0.
fn i64_floor_divmod(a: vec2<u32>, b: vec2<u32>) -> U64DivMod {
  if (i64_is_zero(b)) { return U64DivMod(vec2<u32>(0u, 0u), vec2<u32>(0u, 0u)); }
  let negative_a = i64_is_neg(a);
  let negative_b = i64_is_neg(b);
  let m = u64_divmod(i64_abs(a), i64_abs(b));
  var q = select(m.q, i64_neg(m.q), negative_a != negative_b);
  var r = select(m.r, i64_neg(m.r), negative_a);
  if (!i64_is_zero(r) && (negative_a != negative_b)) {
    q = i64_sub(q, vec2<u32>(1u, 0u));
    r = i64_add(r, b);
  }
  return U64DivMod(q, r);
}
`,
  },
  i64_convert: {
    deps: ["i64_basic"],
    code: /* wgsl */ `
// Correctly rounded (to nearest even) int64 -> f32.
fn i64_to_f32(a: vec2<u32>) -> f32 {
  if (i64_is_zero(a)) { return 0.0; }
  let negative = i64_is_neg(a);
  let m = select(a, i64_neg(a), negative);
  let lz = select(countLeadingZeros(m.y), 32u + countLeadingZeros(m.x), m.y == 0u);
  let n = u64_shl(m, lz);
  var mantissa = n.y >> 8u;
  let round_bit = (n.y >> 7u) & 1u;
  let sticky = (n.y & 0x7fu) | n.x;
  if (round_bit == 1u && (sticky != 0u || (mantissa & 1u) == 1u)) { mantissa = mantissa + 1u; }
  var exponent = 63u - lz + 127u;
  if (mantissa == 0x1000000u) { mantissa = mantissa >> 1u; exponent = exponent + 1u; }
  return bitcast<f32>((exponent << 23u) | (mantissa & 0x7fffffu) | select(0u, 0x80000000u, negative));
}
// f32 -> int64 truncating toward zero; NaN and infinities give 0; out-of-range values wrap.
fn f32_to_i64(v: f32) -> vec2<u32> {
  let bits = bitcast<u32>(v);
  let exponent = (bits >> 23u) & 0xffu;
  if (exponent == 255u || exponent < 127u) { return vec2<u32>(0u, 0u); }
  let mantissa = (bits & 0x7fffffu) | 0x800000u;
  let shift = i32(exponent) - 150i;
  var m: vec2<u32>;
  if (shift <= 0i) { m = vec2<u32>(mantissa >> u32(-shift), 0u); }
  else { m = u64_shl(vec2<u32>(mantissa, 0u), u32(shift)); }
  return select(m, i64_neg(m), (bits & 0x80000000u) != 0u);
}
// f32 -> i32 truncating toward zero, wrapping modulo 2^32 like a JS Int32Array store; NaN/Inf give 0.
fn f32_to_i32_wrap(v: f32) -> i32 {
  if (abs(v) < 2147483648.0) { return i32(v); }
  return bitcast<i32>(f32_to_i64(v).x);
}
`,
  },
};
