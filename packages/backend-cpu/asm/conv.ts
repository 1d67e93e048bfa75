/**
 * conv2d as im2col + GEMM, per sample and group, and its two gradients (col2im of Wᵀ·dY, and
 * dY·colsᵀ accumulated over samples). A 1×1 convolution with unit stride and no padding uses the
 * input plane directly as the GEMM operand. Tensors are contiguous NCHW float32.
 */
import { GEMM_SCRATCH_BYTES, sgemm } from "./gemm";

// @ts-ignore: decorator
@inline function addr(base: usize, index: i32): usize {
  return base + (<usize>index << 2);
}

/** Geometry shared by the three kernels, written once by the host into a descriptor. */
@unmanaged class Conv {
  n: i32; c: i32; h: i32; w: i32;
  o: i32; kh: i32; kw: i32; groups: i32;
  oh: i32; ow: i32;
  sh: i32; sw: i32; ph: i32; pw: i32; dh: i32; dw: i32;
}

// @ts-ignore: decorator
@inline function isPointwise(g: Conv): bool {
  return g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0;
}

/** cols[(c·KH + i)·KW + j][r·OW + s] = x[c, r·sh − ph + i·dh, s·sw − pw + j·dw] (0 outside). */
export function im2colF32(desc: usize, x: usize, cols: usize): void {
  const g = changetype<Conv>(desc);
  const cg = g.c / g.groups;
  const L = g.oh * g.ow;
  const plane = g.h * g.w;
  let row = 0;
  for (let ci = 0; ci < cg; ci++) {
    const channel = addr(x, ci * plane);
    for (let i = 0; i < g.kh; i++) {
      for (let j = 0; j < g.kw; j++, row++) {
        const dst0 = addr(cols, row * L);
        // Output columns s whose input column iw = s·sw − pw + j·dw lies inside [0, W).
        const offset = j * g.dw - g.pw;
        let sLo = offset >= 0 ? 0 : (-offset + g.sw - 1) / g.sw;
        let sHi = (g.w - 1 - offset) >= 0 ? (g.w - 1 - offset) / g.sw + 1 : 0;
        if (sLo > g.ow) sLo = g.ow;
        if (sHi > g.ow) sHi = g.ow;
        if (sHi < sLo) sHi = sLo;
        for (let r = 0; r < g.oh; r++) {
          const ih = r * g.sh - g.ph + i * g.dh;
          const dst = addr(dst0, r * g.ow);
          if (ih < 0 || ih >= g.h) {
            memory.fill(dst, 0, <usize>g.ow << 2);
            continue;
          }
          const src = addr(channel, ih * g.w + offset);
          if (sLo > 0) memory.fill(dst, 0, <usize>sLo << 2);
          if (g.sw == 1) memory.copy(addr(dst, sLo), addr(src, sLo), <usize>(sHi - sLo) << 2);
          else for (let s = sLo; s < sHi; s++) store<f32>(addr(dst, s), load<f32>(addr(src, s * g.sw)));
          if (sHi < g.ow) memory.fill(addr(dst, sHi), 0, <usize>(g.ow - sHi) << 2);
        }
      }
    }
  }
}

/** The transpose of im2col: dx[c, ih, iw] += cols[…] (dx must be initialised). */
export function col2imF32(desc: usize, cols: usize, dx: usize): void {
  const g = changetype<Conv>(desc);
  const cg = g.c / g.groups;
  const L = g.oh * g.ow;
  const plane = g.h * g.w;
  let row = 0;
  for (let ci = 0; ci < cg; ci++) {
    const channel = addr(dx, ci * plane);
    for (let i = 0; i < g.kh; i++) {
      for (let j = 0; j < g.kw; j++, row++) {
        const src0 = addr(cols, row * L);
        const offset = j * g.dw - g.pw;
        let sLo = offset >= 0 ? 0 : (-offset + g.sw - 1) / g.sw;
        let sHi = (g.w - 1 - offset) >= 0 ? (g.w - 1 - offset) / g.sw + 1 : 0;
        if (sLo > g.ow) sLo = g.ow;
        if (sHi > g.ow) sHi = g.ow;
        for (let r = 0; r < g.oh; r++) {
          const ih = r * g.sh - g.ph + i * g.dh;
          if (ih < 0 || ih >= g.h) continue;
          const src = addr(src0, r * g.ow);
          const dst = addr(channel, ih * g.w + offset);
          if (g.sw == 1) {
            let s = sLo;
            for (; s + 4 <= sHi; s += 4) {
              v128.store(addr(dst, s), f32x4.add(v128.load(addr(dst, s)), v128.load(addr(src, s))));
            }
            for (; s < sHi; s++) store<f32>(addr(dst, s), load<f32>(addr(dst, s)) + load<f32>(addr(src, s)));
          } else {
            for (let s = sLo; s < sHi; s++) {
              const p = addr(dst, s * g.sw);
              store<f32>(p, load<f32>(p) + load<f32>(addr(src, s)));
            }
          }
        }
      }
    }
  }
}

/** out[o, :] += bias[o] for `count` channels of `L` elements each. */
export function addBiasF32(count: i32, L: i32, bias: usize, out: usize): void {
  for (let o = 0; o < count; o++) {
    const b = v128.load32_splat(addr(bias, o));
    const row = addr(out, o * L);
    let k = 0;
    for (; k + 4 <= L; k += 4) v128.store(addr(row, k), f32x4.add(v128.load(addr(row, k)), b));
    const bs = f32x4.extract_lane(b, 0);
    for (; k < L; k++) store<f32>(addr(row, k), load<f32>(addr(row, k)) + bs);
  }
}

/** Bytes of per-thread scratch for the conv kernels: GEMM panels plus one cols matrix. */
export function convScratchBytes(desc: usize): i32 {
  const g = changetype<Conv>(desc);
  return GEMM_SCRATCH_BYTES + (g.c / g.groups) * g.kh * g.kw * g.oh * g.ow * 4;
}

/** Forward over samples [n0, n1): out[n] = W·im2col(x[n]) (+ bias). */
export function conv2dForwardF32(desc: usize, n0: i32, n1: i32, x: usize, w: usize, bias: usize, out: usize, scratch: usize): void {
  const g = changetype<Conv>(desc);
  const cg = g.c / g.groups;
  const og = g.o / g.groups;
  const L = g.oh * g.ow;
  const ckk = cg * g.kh * g.kw;
  const cols = scratch + <usize>GEMM_SCRATCH_BYTES;
  const pointwise = isPointwise(g);
  for (let n = n0; n < n1; n++) {
    for (let group = 0; group < g.groups; group++) {
      const xg = addr(x, (n * g.c + group * cg) * g.h * g.w);
      let b = cols;
      if (pointwise) b = xg;
      else im2colF32(desc, xg, cols);
      sgemm(0, og, 0, L, ckk, addr(w, group * og * ckk), ckk, 1, b, L, 1, addr(out, (n * g.o + group * og) * L), L, false, scratch);
    }
    if (bias) addBiasF32(g.o, L, bias, addr(out, n * g.o * L));
  }
}

/** Input gradient over samples [n0, n1): dx[n] = col2im(Wᵀ·dy[n]) (overwrites dx[n]). */
export function conv2dBackwardInputF32(desc: usize, n0: i32, n1: i32, dy: usize, w: usize, dx: usize, scratch: usize): void {
  const g = changetype<Conv>(desc);
  const cg = g.c / g.groups;
  const og = g.o / g.groups;
  const L = g.oh * g.ow;
  const ckk = cg * g.kh * g.kw;
  const cols = scratch + <usize>GEMM_SCRATCH_BYTES;
  const pointwise = isPointwise(g);
  for (let n = n0; n < n1; n++) {
    const dxn = addr(dx, n * g.c * g.h * g.w);
    if (!pointwise) memory.fill(dxn, 0, <usize>(g.c * g.h * g.w) << 2);
    for (let group = 0; group < g.groups; group++) {
      const wg = addr(w, group * og * ckk);
      const dyg = addr(dy, (n * g.o + group * og) * L);
      const dxg = addr(dxn, group * cg * g.h * g.w);
      if (pointwise) {
        sgemm(0, ckk, 0, L, og, wg, 1, ckk, dyg, L, 1, dxg, L, false, scratch);
      } else {
        sgemm(0, ckk, 0, L, og, wg, 1, ckk, dyg, L, 1, cols, L, false, scratch);
        col2imF32(desc, cols, dxg);
      }
    }
  }
}

/** Weight gradient over samples [n0, n1): dw (+)= Σ_n dy[n]·im2col(x[n])ᵀ. */
export function conv2dBackwardWeightF32(
  desc: usize, n0: i32, n1: i32, dy: usize, x: usize, dw: usize, accumulate: bool, scratch: usize,
): void {
  const g = changetype<Conv>(desc);
  const cg = g.c / g.groups;
  const og = g.o / g.groups;
  const L = g.oh * g.ow;
  const ckk = cg * g.kh * g.kw;
  const cols = scratch + <usize>GEMM_SCRATCH_BYTES;
  const pointwise = isPointwise(g);
  if (n1 <= n0 && !accumulate) memory.fill(dw, 0, <usize>(g.o * ckk) << 2);
  for (let n = n0; n < n1; n++) {
    const add = accumulate || n > n0;
    for (let group = 0; group < g.groups; group++) {
      const xg = addr(x, (n * g.c + group * cg) * g.h * g.w);
      let b = cols;
      if (pointwise) b = xg;
      else im2colF32(desc, xg, cols);
      sgemm(0, og, 0, ckk, L, addr(dy, (n * g.o + group * og) * L), L, 1, b, 1, L, addr(dw, group * og * ckk), ckk, add, scratch);
    }
  }
}
