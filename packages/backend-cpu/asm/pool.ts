/**
 * 2-d max and average pooling over contiguous float32 planes, with their gradients. Max pooling
 * records, per output, the flat index h·W + w of the first maximum in its window (NaN counts as
 * the maximum), as int32 or int64 — or no index at all when the indices address is 0
 * (inference: nothing will route a gradient back).
 */

// @ts-ignore: decorator
@inline function addr(base: usize, index: i32): usize {
  return base + (<usize>index << 2);
}

/** Pooling geometry written by the host into a descriptor (all i32). */
@unmanaged class Pool {
  h: i32; w: i32; oh: i32; ow: i32;
  kh: i32; kw: i32; sh: i32; sw: i32;
  ph: i32; pw: i32; dh: i32; dw: i32;
  countIncludePad: i32;
}

// @ts-ignore: decorator
@inline function storeIndex(indices: usize, i: i32, value: i32, wide: bool): void {
  if (wide) store<i64>(indices + (<usize>i << 3), <i64>value);
  else store<i32>(indices + (<usize>i << 2), value);
}

/** Bytes of scratch maxPool2dF32 needs per thread: one plane of row maxima and their indices. */
export function maxPoolScratchBytes(desc: usize): i32 {
  const g = changetype<Pool>(desc);
  return g.h * (g.ow + 4) * 8 + 32;
}

/** First output column whose window lies inside [0, W) for every tap, and the end of that run. */
// @ts-ignore: decorator
@inline function interiorStart(g: Pool): i32 {
  return g.pw <= 0 ? 0 : (g.pw + g.sw - 1) / g.sw;
}

// @ts-ignore: decorator
@inline function interiorEnd(g: Pool): i32 {
  const last = g.w - 1 - (g.kw - 1) * g.dw + g.pw;
  return last < 0 ? 0 : min(g.ow, last / g.sw + 1);
}

/**
 * 2×2 windows with stride 2 (the common case): four outputs per step straight from two input
 * rows. A row's last step may read up to 7 floats past its end (never past the memory's end);
 * only its valid lanes are stored.
 */
function maxPool2x2(g: Pool, p0: i32, p1: i32, x: usize, out: usize, indices: usize, wide: bool): void {
  const indexed = indices != 0;
  const plane = g.h * g.w;
  const outPlane = g.oh * g.ow;
  const memoryEnd = <usize>memory.size() << 16;
  const step = i32x4(0, 2, 4, 6);
  for (let p = p0; p < p1; p++) {
    const xp = addr(x, p * plane);
    const op = addr(out, p * outPlane);
    const ip = p * outPlane;
    for (let r = 0; r < g.oh; r++) {
      const row0 = addr(xp, 2 * r * g.w);
      const row1 = addr(row0, g.w);
      const rowEnd = addr(row1, g.w);
      const top = i32x4.splat(2 * r * g.w);
      const below = i32x4.splat((2 * r + 1) * g.w);
      const pairs = 2 * r + 1 < g.h; // ceil mode: the last window may have one row only
      // Windows wholly inside the row (ceil mode adds a last one that is not).
      const full = min(g.ow, g.w >> 1);
      let s = 0;
      if (!indexed) {
        s = maxPool2x2Values(row0, row1, rowEnd, memoryEnd, addr(op, r * g.ow), pairs ? full : 0);
      }
      for (; indexed && s < full && pairs && addr(rowEnd, 2 * s + 8) <= memoryEnd; s += 4) {
        const a0 = v128.load(addr(row0, 2 * s));
        const a1 = v128.load(addr(row0, 2 * s + 4));
        const b0 = v128.load(addr(row1, 2 * s));
        const b1 = v128.load(addr(row1, 2 * s + 4));
        const col = i32x4.add(i32x4.splat(2 * s), step);
        // Candidates in window order: (0,0), (0,1), (1,0), (1,1); take unless ≤ best, keep a NaN best.
        let best = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6);
        let index = i32x4.add(top, col);
        const c1 = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
        let take = v128.andnot(f32x4.eq(best, best), f32x4.le(c1, best));
        best = v128.bitselect(c1, best, take);
        index = v128.bitselect(i32x4.add(index, i32x4.splat(1)), index, take);
        const c2 = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6);
        take = v128.andnot(f32x4.eq(best, best), f32x4.le(c2, best));
        best = v128.bitselect(c2, best, take);
        const lower = i32x4.add(below, col);
        index = v128.bitselect(lower, index, take);
        const c3 = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
        take = v128.andnot(f32x4.eq(best, best), f32x4.le(c3, best));
        best = v128.bitselect(c3, best, take);
        index = v128.bitselect(i32x4.add(lower, i32x4.splat(1)), index, take);
        const o = addr(op, r * g.ow + s);
        const at = ip + r * g.ow + s;
        const count = full - s;
        if (count >= 4) {
          v128.store(o, best);
          if (wide) {
            v128.store(indices + (<usize>at << 3), i64x2.extend_low_i32x4_s(index));
            v128.store(indices + (<usize>at << 3), i64x2.extend_high_i32x4_s(index), 16);
          } else {
            v128.store(indices + (<usize>at << 2), index);
          }
        } else {
          store<f32>(o, f32x4.extract_lane(best, 0));
          storeIndex(indices, at, i32x4.extract_lane(index, 0), wide);
          if (count >= 2) {
            store<f32>(o, f32x4.extract_lane(best, 1), 4);
            storeIndex(indices, at + 1, i32x4.extract_lane(index, 1), wide);
          }
          if (count >= 3) {
            store<f32>(o, f32x4.extract_lane(best, 2), 8);
            storeIndex(indices, at + 2, i32x4.extract_lane(index, 2), wide);
          }
        }
      }
      if (s > full) s = full; // a partial last vector stopped at `full`
      for (; s < g.ow; s++) {
        let best: f32 = -Infinity;
        let bestIndex = -1;
        for (let i = 0; i < 2; i++) {
          const ih = 2 * r + i;
          if (ih >= g.h) continue;
          for (let j = 0; j < 2; j++) {
            const iw = 2 * s + j;
            if (iw >= g.w) continue;
            const v = load<f32>(addr(xp, ih * g.w + iw));
            if (v > best || bestIndex < 0 || (v != v && best == best)) {
              best = v;
              bestIndex = ih * g.w + iw;
            }
          }
        }
        store<f32>(addr(op, r * g.ow + s), best);
        if (indexed) storeIndex(indices, ip + r * g.ow + s, bestIndex, wide);
      }
    }
  }
}

/**
 * The values of one output row of 2×2/stride-2 pooling, four at a time (the same choices as the
 * indexed loop: a NaN wins, else the maximum); returns the first column left to the scalar loop.
 * `full` is the number of windows wholly inside the row pair (0 skips the row).
 */
function maxPool2x2Values(row0: usize, row1: usize, rowEnd: usize, memoryEnd: usize, o: usize, full: i32): i32 {
  let s = 0;
  for (; s < full && addr(rowEnd, 2 * s + 8) <= memoryEnd; s += 4) {
    const a0 = v128.load(addr(row0, 2 * s));
    const a1 = v128.load(addr(row0, 2 * s + 4));
    const b0 = v128.load(addr(row1, 2 * s));
    const b1 = v128.load(addr(row1, 2 * s + 4));
    let best = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6);
    const c1 = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
    best = v128.bitselect(c1, best, v128.andnot(f32x4.eq(best, best), f32x4.le(c1, best)));
    const c2 = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6);
    best = v128.bitselect(c2, best, v128.andnot(f32x4.eq(best, best), f32x4.le(c2, best)));
    const c3 = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
    best = v128.bitselect(c3, best, v128.andnot(f32x4.eq(best, best), f32x4.le(c3, best)));
    const count = full - s;
    if (count >= 4) {
      v128.store(addr(o, s), best);
    } else {
      store<f32>(addr(o, s), f32x4.extract_lane(best, 0));
      if (count >= 2) store<f32>(addr(o, s), f32x4.extract_lane(best, 1), 4);
      if (count >= 3) store<f32>(addr(o, s), f32x4.extract_lane(best, 2), 8);
    }
  }
  return min(s, full);
}

/** Row maximum for an output column whose window crosses the row's edges (bounds-checked). */
function edgeColumn(g: Pool, src: usize, hm: usize, ha: usize, rowBase: i32, s: i32): void {
  const w0 = s * g.sw - g.pw;
  let best: f32 = -Infinity;
  let arg = -1;
  for (let j = 0; j < g.kw; j++) {
    const iw = w0 + j * g.dw;
    if (iw < 0 || iw >= g.w) continue;
    const v = load<f32>(addr(src, iw));
    if (arg < 0 || v > best || (v != v && best == best)) {
      best = v;
      arg = iw;
    }
  }
  store<f32>(addr(hm, s), best);
  store<i32>(ha + (<usize>s << 2), arg < 0 ? -1 : rowBase + arg);
}

/**
 * Max pooling of planes [p0, p1), separably: first each input row's maximum over the window's
 * columns for every output column (with the flat index of the first maximum), then, four output
 * columns at a time, the maximum over the window's rows. Taking the first strictly larger value
 * row by row, and the first NaN, keeps PyTorch's choice of index. `indices` 0: values only.
 */
export function maxPool2dF32(desc: usize, p0: i32, p1: i32, x: usize, out: usize, indices: usize, wide: bool, scratch: usize): void {
  const g = changetype<Pool>(desc);
  if (g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.ph == 0 && g.pw == 0 && g.dh == 1 && g.dw == 1) {
    maxPool2x2(g, p0, p1, x, out, indices, wide);
    return;
  }
  const indexed = indices != 0;
  const plane = g.h * g.w;
  const outPlane = g.oh * g.ow;
  const rowStride = g.ow + 4; // room for a full vector past the last column
  const rowMax = scratch;
  const rowArg = scratch + (<usize>(g.h * rowStride) << 2);
  const lanes = rowArg + (<usize>(g.h * rowStride) << 2); // 32 bytes to read vector lanes back
  const s0 = interiorStart(g);
  const s1 = max(s0, interiorEnd(g));
  for (let p = p0; p < p1; p++) {
    const xp = addr(x, p * plane);
    // Horizontal pass: row maxima over the window's columns (branch-free: pooling inputs are
    // noise to a branch predictor).
    for (let ih = 0; ih < g.h; ih++) {
      const src = addr(xp, ih * g.w);
      const hm = addr(rowMax, ih * rowStride);
      const ha = rowArg + (<usize>(ih * rowStride) << 2);
      const rowBase = ih * g.w;
      let s = 0;
      for (; s < s0; s++) edgeColumn(g, src, hm, ha, rowBase, s);
      if (g.sw <= 2) {
        // Four output columns at a time: unit stride loads, or every other element for stride 2.
        const lane = g.sw == 1 ? i32x4(0, 1, 2, 3) : i32x4(0, 2, 4, 6);
        for (; s + 4 <= s1; s += 4) {
          const w0 = s * g.sw - g.pw;
          let best = f32x4.splat(0);
          let arg = i32x4.splat(0);
          for (let j = 0; j < g.kw; j++) {
            const iw = w0 + j * g.dw;
            const p = addr(src, iw);
            const v = g.sw == 1 ? v128.load(p) : v128.shuffle<f32>(v128.load(p), v128.load(p, 16), 0, 2, 4, 6);
            const at = i32x4.add(i32x4.splat(rowBase + iw), lane);
            if (j == 0) {
              best = v;
              arg = at;
            } else {
              // Take v unless v ≤ best (false for a NaN v), never replacing a NaN best.
              const take = v128.andnot(f32x4.eq(best, best), f32x4.le(v, best));
              best = v128.bitselect(v, best, take);
              arg = v128.bitselect(at, arg, take);
            }
          }
          v128.store(addr(hm, s), best);
          v128.store(ha + (<usize>s << 2), arg);
        }
      }
      for (; s < s1; s++) {
        const w0 = s * g.sw - g.pw;
        let best = load<f32>(addr(src, w0));
        let arg = w0;
        for (let j = 1; j < g.kw; j++) {
          const iw = w0 + j * g.dw;
          const v = load<f32>(addr(src, iw));
          const take = v > best || (v != v && best == best);
          best = select<f32>(v, best, take);
          arg = select<i32>(iw, arg, take);
        }
        store<f32>(addr(hm, s), best);
        store<i32>(ha + (<usize>s << 2), rowBase + arg);
      }
      for (; s < g.ow; s++) edgeColumn(g, src, hm, ha, rowBase, s);
    }
    // Vertical pass: combine the window's rows, four output columns at a time.
    const op = addr(out, p * outPlane);
    const ip = p * outPlane;
    for (let r = 0; r < g.oh; r++) {
      for (let s = 0; s < g.ow; s += 4) {
        let best = f32x4.splat(-Infinity);
        let arg = i32x4.splat(-1);
        for (let i = 0; i < g.kh; i++) {
          const ih = r * g.sh - g.ph + i * g.dh;
          if (ih < 0 || ih >= g.h) continue;
          const v = v128.load(addr(rowMax, ih * rowStride + s));
          const a = v128.load(rowArg + (<usize>(ih * rowStride + s) << 2));
          const take = v128.or(
            v128.or(i32x4.lt_s(arg, i32x4.splat(0)), f32x4.gt(v, best)),
            v128.and(f32x4.ne(v, v), f32x4.eq(best, best)),
          );
          // A row with no valid column (its index is −1) never replaces a valid maximum.
          const valid = v128.or(i32x4.ge_s(a, i32x4.splat(0)), i32x4.lt_s(arg, i32x4.splat(0)));
          const mask = v128.and(take, valid);
          best = v128.bitselect(v, best, mask);
          arg = v128.bitselect(a, arg, mask);
        }
        const count = min(4, g.ow - s);
        const at = ip + r * g.ow + s;
        if (count == 4) {
          v128.store(addr(op, r * g.ow + s), best);
          if (!indexed) {
            // values only
          } else if (wide) {
            v128.store(indices + (<usize>at << 3), i64x2.extend_low_i32x4_s(arg));
            v128.store(indices + (<usize>at << 3), i64x2.extend_high_i32x4_s(arg), 16);
          } else {
            v128.store(indices + (<usize>at << 2), arg);
          }
        } else {
          // Lane indices must be constants in wasm: read the partial vector back through memory.
          v128.store(lanes, best);
          v128.store(lanes, arg, 16);
          for (let q = 0; q < count; q++) {
            store<f32>(addr(op, r * g.ow + s + q), load<f32>(addr(lanes, q)));
            if (indexed) storeIndex(indices, at + q, load<i32>(lanes + 16 + (<usize>q << 2)), wide);
          }
        }
      }
    }
  }
}

/** dx = 0, then dx[plane, indices[o]] += dy[o] for planes [p0, p1). */
export function maxPool2dBackwardF32(desc: usize, p0: i32, p1: i32, dy: usize, indices: usize, wide: bool, dx: usize): void {
  const g = changetype<Pool>(desc);
  const plane = g.h * g.w;
  const outPlane = g.oh * g.ow;
  memory.fill(addr(dx, p0 * plane), 0, <usize>((p1 - p0) * plane) << 2);
  for (let p = p0; p < p1; p++) {
    const dxp = addr(dx, p * plane);
    for (let k = p * outPlane, end = k + outPlane; k < end; k++) {
      const flat = wide ? <i32>load<i64>(indices + (<usize>k << 3)) : load<i32>(indices + (<usize>k << 2));
      if (<u32>flat >= <u32>plane) continue; // −1 (empty window), and never outside the plane
      const q = addr(dxp, flat);
      store<f32>(q, load<f32>(q) + load<f32>(addr(dy, k)));
    }
  }
}

/** The averaging divisor of window (r, s), as PyTorch's avg_pool2d defines it. */
function divisor(g: Pool, r: i32, s: i32): f32 {
  let h0 = r * g.sh - g.ph;
  let w0 = s * g.sw - g.pw;
  let h1 = min(h0 + g.kh, g.h + g.ph);
  let w1 = min(w0 + g.kw, g.w + g.pw);
  if (g.countIncludePad) return <f32>((h1 - h0) * (w1 - w0));
  h0 = max(h0, 0);
  w0 = max(w0, 0);
  h1 = min(h1, g.h);
  w1 = min(w1, g.w);
  return <f32>((h1 - h0) * (w1 - w0));
}

export function avgPool2dF32(desc: usize, p0: i32, p1: i32, x: usize, out: usize): void {
  const g = changetype<Pool>(desc);
  const plane = g.h * g.w;
  const outPlane = g.oh * g.ow;
  for (let p = p0; p < p1; p++) {
    const xp = addr(x, p * plane);
    const op = addr(out, p * outPlane);
    for (let r = 0; r < g.oh; r++) {
      const h0 = max(r * g.sh - g.ph, 0);
      const h1 = min(r * g.sh - g.ph + g.kh, g.h);
      for (let s = 0; s < g.ow; s++) {
        const w0 = max(s * g.sw - g.pw, 0);
        const w1 = min(s * g.sw - g.pw + g.kw, g.w);
        let total: f64 = 0;
        for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) total += <f64>load<f32>(addr(xp, ih * g.w + iw));
        store<f32>(addr(op, r * g.ow + s), <f32>(total / <f64>divisor(g, r, s)));
      }
    }
  }
}

export function avgPool2dBackwardF32(desc: usize, p0: i32, p1: i32, dy: usize, dx: usize): void {
  const g = changetype<Pool>(desc);
  const plane = g.h * g.w;
  const outPlane = g.oh * g.ow;
  memory.fill(addr(dx, p0 * plane), 0, <usize>((p1 - p0) * plane) << 2);
  for (let p = p0; p < p1; p++) {
    const dxp = addr(dx, p * plane);
    const dyp = addr(dy, p * outPlane);
    for (let r = 0; r < g.oh; r++) {
      const h0 = max(r * g.sh - g.ph, 0);
      const h1 = min(r * g.sh - g.ph + g.kh, g.h);
      for (let s = 0; s < g.ow; s++) {
        const w0 = max(s * g.sw - g.pw, 0);
        const w1 = min(s * g.sw - g.pw + g.kw, g.w);
        const v = load<f32>(addr(dyp, r * g.ow + s)) / divisor(g, r, s);
        for (let ih = h0; ih < h1; ih++) {
          for (let iw = w0; iw < w1; iw++) {
            const q = addr(dxp, ih * g.w + iw);
            store<f32>(q, load<f32>(q) + v);
          }
        }
      }
    }
  }
}
