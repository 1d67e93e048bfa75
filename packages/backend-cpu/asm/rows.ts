/**
 * Row kernels over contiguous float32 rows: softmax and log-softmax with their gradients, and
 * layer normalization. Row sums accumulate in float64.
 */
import { expV, logV } from "./math";

// @ts-ignore: decorator
@inline function addr(base: usize, index: i32): usize {
  return base + (<usize>index << 2);
}

// @ts-ignore: decorator
@inline function horizontalSum(v: v128): f64 {
  const lo = f64x2.promote_low_f32x4(v);
  const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3));
  const s = f64x2.add(lo, hi);
  return f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
}

function rowMax(n: i32, x: usize): f32 {
  let m = f32x4.splat(-Infinity);
  let k = 0;
  for (; k + 4 <= n; k += 4) m = f32x4.max(m, v128.load(addr(x, k)));
  let r = max(max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), max(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)));
  for (; k < n; k++) r = max(r, load<f32>(addr(x, k)));
  return r;
}

/** Softmax (or log-softmax) of each of `rows` rows of n elements. */
export function softmaxF32(rows: i32, n: i32, x: usize, xRow: i32, o: usize, oRow: i32, log: bool): void {
  for (let r = 0; r < rows; r++) {
    const xr = addr(x, r * xRow);
    const or = addr(o, r * oRow);
    let m = rowMax(n, xr);
    if (m == -Infinity) m = 0; // an all −∞ row stays well defined
    const mv = f32x4.splat(m);
    let total: f64 = 0;
    let k = 0;
    if (log) {
      for (; k + 4 <= n; k += 4) total += horizontalSum(expV(f32x4.sub(v128.load(addr(xr, k)), mv)));
      for (; k < n; k++) total += <f64>f32x4.extract_lane(expV(f32x4.splat(load<f32>(addr(xr, k)) - m)), 0);
      // (x − max) − log Σ: subtracting max first keeps large inputs exact.
      const logTotal = f32x4.extract_lane(logV(f32x4.splat(<f32>total)), 0);
      const lv = f32x4.splat(logTotal);
      k = 0;
      for (; k + 4 <= n; k += 4) v128.store(addr(or, k), f32x4.sub(f32x4.sub(v128.load(addr(xr, k)), mv), lv));
      for (; k < n; k++) store<f32>(addr(or, k), (load<f32>(addr(xr, k)) - m) - logTotal);
    } else {
      for (; k + 4 <= n; k += 4) {
        const e = expV(f32x4.sub(v128.load(addr(xr, k)), mv));
        v128.store(addr(or, k), e);
        total += horizontalSum(e);
      }
      for (; k < n; k++) {
        const e = f32x4.extract_lane(expV(f32x4.splat(load<f32>(addr(xr, k)) - m)), 0);
        store<f32>(addr(or, k), e);
        total += <f64>e;
      }
      const scale = <f32>(1 / total);
      const sv = f32x4.splat(scale);
      k = 0;
      for (; k + 4 <= n; k += 4) v128.store(addr(or, k), f32x4.mul(v128.load(addr(or, k)), sv));
      for (; k < n; k++) store<f32>(addr(or, k), load<f32>(addr(or, k)) * scale);
    }
  }
}

/** softmax: dx = y(dy − Σ dy·y); log-softmax: dx = dy − exp(y)·Σ dy. */
export function softmaxBackwardF32(
  rows: i32, n: i32, y: usize, yRow: i32, dy: usize, dyRow: i32, dx: usize, dxRow: i32, log: bool,
): void {
  for (let r = 0; r < rows; r++) {
    const yr = addr(y, r * yRow);
    const gr = addr(dy, r * dyRow);
    const xr = addr(dx, r * dxRow);
    let dot: f64 = 0;
    let k = 0;
    if (log) {
      for (; k + 4 <= n; k += 4) dot += horizontalSum(v128.load(addr(gr, k)));
      for (; k < n; k++) dot += <f64>load<f32>(addr(gr, k));
      const d = <f32>dot;
      const dv = f32x4.splat(d);
      k = 0;
      for (; k + 4 <= n; k += 4) {
        v128.store(addr(xr, k), f32x4.sub(v128.load(addr(gr, k)), f32x4.mul(expV(v128.load(addr(yr, k))), dv)));
      }
      for (; k < n; k++) {
        const e = f32x4.extract_lane(expV(f32x4.splat(load<f32>(addr(yr, k)))), 0);
        store<f32>(addr(xr, k), load<f32>(addr(gr, k)) - e * d);
      }
    } else {
      for (; k + 4 <= n; k += 4) dot += horizontalSum(f32x4.mul(v128.load(addr(gr, k)), v128.load(addr(yr, k))));
      for (; k < n; k++) dot += <f64>(load<f32>(addr(gr, k)) * load<f32>(addr(yr, k)));
      const d = <f32>dot;
      const dv = f32x4.splat(d);
      k = 0;
      for (; k + 4 <= n; k += 4) {
        v128.store(addr(xr, k), f32x4.mul(v128.load(addr(yr, k)), f32x4.sub(v128.load(addr(gr, k)), dv)));
      }
      for (; k < n; k++) store<f32>(addr(xr, k), load<f32>(addr(yr, k)) * (load<f32>(addr(gr, k)) - d));
    }
  }
}

/**
 * Layer normalization of `rows` contiguous rows of n elements: out = (x − μ)·rstd·w + b, where
 * w and b (n elements each) may be 0 (absent); writes μ and rstd per row at the given strides.
 */
export function layerNormF32(
  rows: i32, n: i32, x: usize, w: usize, b: usize, eps: f32, o: usize,
  mean: usize, meanStride: i32, rstd: usize, rstdStride: i32,
): void {
  for (let r = 0; r < rows; r++) {
    const xr = addr(x, r * n);
    const or = addr(o, r * n);
    let total: f64 = 0;
    let k = 0;
    for (; k + 4 <= n; k += 4) total += horizontalSum(v128.load(addr(xr, k)));
    for (; k < n; k++) total += <f64>load<f32>(addr(xr, k));
    const mu = <f32>(total / n);
    const muv = f32x4.splat(mu);
    let squares: f64 = 0;
    k = 0;
    for (; k + 4 <= n; k += 4) {
      const d = f32x4.sub(v128.load(addr(xr, k)), muv);
      squares += horizontalSum(f32x4.mul(d, d));
    }
    for (; k < n; k++) {
      const d = load<f32>(addr(xr, k)) - mu;
      squares += <f64>(d * d);
    }
    const inv = <f32>(1 / Math.sqrt(squares / n + <f64>eps));
    store<f32>(addr(mean, r * meanStride), mu);
    store<f32>(addr(rstd, r * rstdStride), inv);
    const iv = f32x4.splat(inv);
    k = 0;
    for (; k + 4 <= n; k += 4) {
      let y = f32x4.mul(f32x4.sub(v128.load(addr(xr, k)), muv), iv);
      if (w) y = f32x4.mul(y, v128.load(addr(w, k)));
      if (b) y = f32x4.add(y, v128.load(addr(b, k)));
      v128.store(addr(or, k), y);
    }
    for (; k < n; k++) {
      let y = (load<f32>(addr(xr, k)) - mu) * inv;
      if (w) y *= load<f32>(addr(w, k));
      if (b) y += load<f32>(addr(b, k));
      store<f32>(addr(or, k), y);
    }
  }
}
