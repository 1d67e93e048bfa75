/**
 * float32 math with bounded error on every driver. WGSL's built-ins are only as accurate as the
 * platform promises (Vulkan allows 2^-11 absolute error for sin/cos and 4096 ulp for atan2), so
 * the transcendental functions are written out: argument reduction, then polynomials, a few
 * ulp from the correctly rounded result. Special values (NaN, ±Inf, ±0) follow JavaScript's Math,
 * which the CPU backend uses.
 */
import type { Snippet } from "./snippets.js";

export const FLOAT_SNIPPETS: Record<string, Snippet> = {
  exp_precise: {
    deps: ["float_bits"],
    code: /* wgsl */ `
fn exp_precise(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  if (x > 88.72284) { return f32_inf(); }
  if (x < -103.972084) { return 0.0; }
  let k = round(x * 1.442695041);
  // ln 2 split so that k * hi is exact for |k| < 2^8.
  let r = fma(-k, 1.42860682e-6, fma(-k, 0.693145752, x));
  var p = 1.0 / 5040.0;
  p = fma(p, r, 1.0 / 720.0);
  p = fma(p, r, 1.0 / 120.0);
  p = fma(p, r, 1.0 / 24.0);
  p = fma(p, r, 1.0 / 6.0);
  p = fma(p, r, 0.5);
  p = fma(p, r, 1.0);
  p = fma(p, r, 1.0);
  // Split the scaling so neither factor overflows before the product does.
  let k1 = i32(k) / 2i;
  return ldexp(ldexp(p, k1), i32(k) - k1);
}
`,
  },
  log_precise: {
    deps: ["float_bits"],
    code: /* wgsl */ `
// log(1 + f) for f in [sqrt(1/2) - 1, sqrt(2) - 1] via 2·atanh(f / (2 + f)).
fn log1p_reduced(f: f32) -> f32 {
  let s = f / (2.0 + f);
  let t = s * s;
  var p = 2.0 / 11.0;
  p = fma(p, t, 2.0 / 9.0);
  p = fma(p, t, 2.0 / 7.0);
  p = fma(p, t, 2.0 / 5.0);
  p = fma(p, t, 2.0 / 3.0);
  // f - s·(f - p·t): the leading term f is exact, which keeps tiny |f| accurate.
  return f - s * (f - p * t);
}
fn log_precise(x: f32) -> f32 {
  if (is_nan(x) || x < 0.0) { return f32_nan(); }
  if (x == 0.0) { return -f32_inf(); }
  if (is_inf(x)) { return x; }
  var bits = bitcast<u32>(x);
  var e = i32((bits >> 23u) & 0xffu) - 127i;
  if (e == -127i) {
    // Subnormal input: scale into the normal range first.
    bits = bitcast<u32>(x * 8388608.0);
    e = i32((bits >> 23u) & 0xffu) - 150i;
  }
  var m = bitcast<f32>((bits & 0x7fffffu) | 0x3f800000u);
  if (m > 1.41421356) { m = m * 0.5; e = e + 1i; }
  let fe = f32(e);
  return fma(fe, 0.693145752, fma(fe, 1.42860682e-6, log1p_reduced(m - 1.0)));
}
fn log1p_precise(x: f32) -> f32 {
  if (abs(x) < 0.25) { return log1p_reduced(x); }
  if (is_inf(x) && x > 0.0) { return x; }
  let u = 1.0 + x;
  if (u <= 0.0) { return select(f32_nan(), -f32_inf(), u == 0.0); }
  // log(u) + (x - (u - 1)) / u corrects the rounding of 1 + x.
  return log_precise(u) + (x - (u - 1.0)) / u;
}
`,
  },
  expm1_precise: {
    deps: ["exp_precise"],
    code: /* wgsl */ `
fn expm1_precise(x: f32) -> f32 {
  if (abs(x) < 0.35) {
    var p = 1.0 / 40320.0;
    p = fma(p, x, 1.0 / 5040.0);
    p = fma(p, x, 1.0 / 720.0);
    p = fma(p, x, 1.0 / 120.0);
    p = fma(p, x, 1.0 / 24.0);
    p = fma(p, x, 1.0 / 6.0);
    p = fma(p, x, 0.5);
    return fma(p * x, x, x);
  }
  return exp_precise(x) - 1.0;
}
`,
  },
  tanh_precise: {
    deps: ["expm1_precise"],
    code: /* wgsl */ `
fn tanh_precise(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  let a = abs(x);
  if (a > 9.1) { return copy_sign(1.0, x); }
  if (a < 0.000244140625) { return x; }
  let e = expm1_precise(2.0 * a);
  return copy_sign(e / (e + 2.0), x);
}
`,
  },
  trig_precise: {
    deps: ["float_bits"],
    code: /* wgsl */ `
struct Reduced { r: f32, quadrant: u32 }
// x - k·π/2 with π/2 in three parts (Cody-Waite), exact to ~1 ulp for |x| < 2^17.
fn reduce_half_pi(x: f32) -> Reduced {
  let k = round(x * 0.636619772);
  var r = fma(-k, 1.5703125, x);
  r = fma(-k, 4.83751297e-4, r);
  r = fma(-k, 7.54979013e-8, r);
  return Reduced(r, u32(i32(k)) & 3u);
}
fn sin_kernel(r: f32) -> f32 {
  let t = r * r;
  var p = 1.0 / 362880.0;
  p = fma(p, t, -1.0 / 5040.0);
  p = fma(p, t, 1.0 / 120.0);
  p = fma(p, t, -1.0 / 6.0);
  return fma(p * t, r, r);
}
fn cos_kernel(r: f32) -> f32 {
  let t = r * r;
  var p = -1.0 / 3628800.0;
  p = fma(p, t, 1.0 / 40320.0);
  p = fma(p, t, -1.0 / 720.0);
  p = fma(p, t, 1.0 / 24.0);
  p = fma(p, t, -0.5);
  return fma(p, t, 1.0);
}
fn sin_precise(x: f32) -> f32 {
  if (is_nan(x) || is_inf(x)) { return f32_nan(); }
  if (abs(x) < 0.000244140625) { return x; }
  let q = reduce_half_pi(x);
  let s = sin_kernel(q.r);
  let c = cos_kernel(q.r);
  switch (q.quadrant) {
    case 0u: { return s; }
    case 1u: { return c; }
    case 2u: { return -s; }
    default: { return -c; }
  }
}
fn cos_precise(x: f32) -> f32 {
  if (is_nan(x) || is_inf(x)) { return f32_nan(); }
  let q = reduce_half_pi(x);
  let s = sin_kernel(q.r);
  let c = cos_kernel(q.r);
  switch (q.quadrant) {
    case 0u: { return c; }
    case 1u: { return -s; }
    case 2u: { return -c; }
    default: { return s; }
  }
}
fn tan_precise(x: f32) -> f32 {
  if (is_nan(x) || is_inf(x)) { return f32_nan(); }
  if (abs(x) < 0.000244140625) { return x; }
  let q = reduce_half_pi(x);
  let s = sin_kernel(q.r);
  let c = cos_kernel(q.r);
  return select(s / c, -c / s, (q.quadrant & 1u) == 1u);
}
`,
  },
  atan_precise: {
    deps: ["float_bits"],
    code: /* wgsl */ `
// atan on [0, 1]: reduced to |t| <= tan(π/8) around 0 or π/4, then the odd Taylor series.
fn atan_unit(a: f32) -> f32 {
  var base = 0.0;
  var t = a;
  if (a > 0.414213562) { base = 0.785398163; t = (a - 1.0) / (a + 1.0); }
  let u = t * t;
  var p = 1.0 / 19.0;
  p = fma(p, u, -1.0 / 17.0);
  p = fma(p, u, 1.0 / 15.0);
  p = fma(p, u, -1.0 / 13.0);
  p = fma(p, u, 1.0 / 11.0);
  p = fma(p, u, -1.0 / 9.0);
  p = fma(p, u, 1.0 / 7.0);
  p = fma(p, u, -1.0 / 5.0);
  p = fma(p, u, 1.0 / 3.0);
  return base + (t - t * u * p);
}
fn atan2_precise(y: f32, x: f32) -> f32 {
  if (is_nan(x) || is_nan(y)) { return f32_nan(); }
  let ax = abs(x);
  let ay = abs(y);
  let x_negative = (bitcast<u32>(x) & 0x80000000u) != 0u;
  var r: f32;
  if (ay == 0.0) {
    r = select(0.0, 3.14159265, x_negative);
  } else if (is_inf(ax) && is_inf(ay)) {
    r = select(0.785398163, 2.35619449, x_negative);
  } else {
    let swap = ay > ax;
    let a = select(ay / ax, ax / ay, swap);
    r = atan_unit(a);
    if (swap) { r = 1.57079633 - r; }
    if (x_negative) { r = 3.14159265 - r; }
  }
  return copy_sign(r, y);
}
`,
  },
  erf_precise: {
    deps: ["exp_precise"],
    code: /* wgsl */ `
fn erf_precise(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  let z = abs(x);
  if (z < 0.5) {
    // 2/√π · Σ (-1)^n x^(2n+1) / (n! (2n+1))
    let t = x * x;
    var p = -1.0 / 75600.0;
    p = fma(p, t, 1.0 / 9360.0);
    p = fma(p, t, -1.0 / 1320.0);
    p = fma(p, t, 1.0 / 216.0);
    p = fma(p, t, -1.0 / 42.0);
    p = fma(p, t, 1.0 / 10.0);
    p = fma(p, t, -1.0 / 3.0);
    return 1.12837917 * fma(p * t, x, x);
  }
  if (z > 4.0) { return copy_sign(1.0, x); }
  // erfc by a Chebyshev fit with fractional error below 1.2e-7 (Numerical Recipes' erfcc).
  let t = 1.0 / (1.0 + 0.5 * z);
  var p = 0.17087277;
  p = fma(p, t, -0.82215223);
  p = fma(p, t, 1.48851587);
  p = fma(p, t, -1.13520398);
  p = fma(p, t, 0.27886807);
  p = fma(p, t, -0.18628806);
  p = fma(p, t, 0.09678418);
  p = fma(p, t, 0.37409196);
  p = fma(p, t, 1.00002368);
  p = fma(p, t, -1.26551223);
  let erfc = t * exp_precise(p - z * z);
  return copy_sign(1.0 - erfc, x);
}
`,
  },
  pow_precise: {
    deps: ["exp_precise", "log_precise"],
    code: /* wgsl */ `
// pow with IEEE 754 special cases (pow(1, y) = 1 and pow(-1, ±Inf) = 1 even for NaN y; otherwise
// those of Math.pow), exact products for small integer exponents, and exp(b·log|a|) otherwise
// (negative bases need integer exponents).
fn pow_precise(a: f32, b: f32) -> f32 {
  if (a == 1.0) { return 1.0; }
  if (is_nan(b)) { return f32_nan(); }
  if (b == 0.0) { return 1.0; }
  if (is_nan(a)) { return f32_nan(); }
  let b_integer = !is_inf(b) && floor(b) == b;
  let odd = b_integer && abs(b) < 16777216.0 && (u32(abs(b)) & 1u) == 1u;
  let a_negative = (bitcast<u32>(a) & 0x80000000u) != 0u;
  if (is_inf(b)) {
    let m = abs(a);
    if (m == 1.0) { return 1.0; }
    return select(0.0, f32_inf(), (m > 1.0) == (b > 0.0));
  }
  if (is_inf(a) || a == 0.0) {
    // |a| is 0 or Inf: the result is 0 or Inf, negative only for odd powers of negative bases.
    let huge = (b > 0.0) == is_inf(a);
    let magnitude = select(0.0, f32_inf(), huge);
    return select(magnitude, -magnitude, odd && a_negative);
  }
  if (b_integer && abs(b) <= 8.0) {
    var result = 1.0;
    var base = a;
    var e = u32(abs(b));
    loop {
      if ((e & 1u) == 1u) { result = result * base; }
      e = e >> 1u;
      if (e == 0u) { break; }
      base = base * base;
    }
    return select(result, 1.0 / result, b < 0.0);
  }
  if (a < 0.0 && !b_integer) { return f32_nan(); }
  if (b == 0.5) { return sqrt(a); }
  let magnitude = exp_precise(b * log_precise(abs(a)));
  return select(magnitude, -magnitude, odd && a_negative);
}
`,
  },
  floor_mod: {
    deps: ["float_bits"],
    code: /* wgsl */ `
// Python's a % b for floats (sign of the divisor); NaN when b is 0.
fn floor_mod(a: f32, b: f32) -> f32 {
  if (b == 0.0 || is_nan(a) || is_nan(b) || is_inf(a)) { return f32_nan(); }
  if (is_inf(b)) {
    if (a == 0.0 || (a < 0.0) == (b < 0.0)) { return a; }
    return b;
  }
  var r = fma(-trunc(a / b), b, a);
  if (abs(r) >= abs(b)) { r = r - trunc(r / b) * b; }
  if (r != 0.0 && (r < 0.0) != (b < 0.0)) { r = r + b; }
  return r;
}
`,
  },
};
