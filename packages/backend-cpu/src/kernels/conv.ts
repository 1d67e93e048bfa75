/** conv2d and its two gradients as im2col + GEMM, per sample and group. */
import type { Conv2dParams, View } from "@trek/tensor";
import { isContiguous, numelOf } from "../strided.js";
import { contiguous, copy, narrowInto, scratchFor, widen } from "../elementwise.js";
import { gemm } from "./gemm.js";

type FloatArray = Float32Array | Float64Array;

const isHalf = (v: View): boolean => v.dtype === "float16" || v.dtype === "bfloat16";

/** A contiguous float view of `v` (the view itself when already contiguous float32/64). */
function dense(v: View): View {
  if (isHalf(v)) return widen(v);
  if (isContiguous(v.shape, v.strides)) return v;
  const n = numelOf(v.shape);
  const buffer = v.dtype === "float64" ? new Float64Array(n) : new Float32Array(n);
  const out: View = { buffer, dtype: v.dtype, shape: v.shape, strides: contiguous(v.shape), offset: 0 };
  copy(v, out);
  return out;
}

/** A contiguous destination standing in for `out` when it is not contiguous or not 32/64-bit float. */
function destination(out: View): View {
  if (isHalf(out)) return scratchFor(out);
  if (isContiguous(out.shape, out.strides)) return out;
  const n = numelOf(out.shape);
  const buffer = out.dtype === "float64" ? new Float64Array(n) : new Float32Array(n);
  return { buffer, dtype: out.dtype, shape: out.shape, strides: contiguous(out.shape), offset: 0 };
}

function finish(scratch: View, out: View): void {
  if (scratch === out) return;
  if (isHalf(out)) narrowInto(scratch, out);
  else copy(scratch, out);
}

interface Geometry {
  n: number;
  c: number;
  h: number;
  w: number;
  o: number;
  cg: number;
  og: number;
  kh: number;
  kw: number;
  oh: number;
  ow: number;
  groups: number;
}

function geometry(xShape: readonly number[], wShape: readonly number[], yShape: readonly number[], groups: number): Geometry {
  return {
    n: xShape[0]!,
    c: xShape[1]!,
    h: xShape[2]!,
    w: xShape[3]!,
    o: wShape[0]!,
    cg: wShape[1]!,
    og: wShape[0]! / groups,
    kh: wShape[2]!,
    kw: wShape[3]!,
    oh: yShape[2]!,
    ow: yShape[3]!,
    groups,
  };
}

let colsF32 = new Float32Array(0);
let colsF64 = new Float64Array(0);
function colsBuffer(like: FloatArray, size: number): FloatArray {
  if (like instanceof Float64Array) {
    if (colsF64.length < size) colsF64 = new Float64Array(size);
    return colsF64;
  }
  if (colsF32.length < size) colsF32 = new Float32Array(size);
  return colsF32;
}

/** Fills cols[(c·KH + i)·KW + j][r·OW + s] with the padded input value for sample `n`, group `g`. */
function im2col(x: FloatArray, xOffset: number, g: Geometry, p: Conv2dParams, group: number, cols: FloatArray): void {
  const L = g.oh * g.ow;
  const [sh, sw] = p.stride;
  const [ph, pw] = p.padding;
  const [dh, dw] = p.dilation;
  const plane = g.h * g.w;
  let row = 0;
  for (let ci = 0; ci < g.cg; ci++) {
    const channelBase = xOffset + (group * g.cg + ci) * plane;
    for (let i = 0; i < g.kh; i++) {
      for (let j = 0; j < g.kw; j++, row++) {
        const rowBase = row * L;
        for (let r = 0; r < g.oh; r++) {
          const ih = r * sh - ph + i * dh;
          const dst = rowBase + r * g.ow;
          if (ih < 0 || ih >= g.h) {
            cols.fill(0, dst, dst + g.ow);
            continue;
          }
          const srcRow = channelBase + ih * g.w;
          let iw = -pw + j * dw;
          for (let s = 0; s < g.ow; s++, iw += sw) cols[dst + s] = iw >= 0 && iw < g.w ? x[srcRow + iw]! : 0;
        }
      }
    }
  }
}

/** Adds cols back into the input-gradient planes (the transpose of im2col). */
function col2im(cols: FloatArray, g: Geometry, p: Conv2dParams, group: number, dx: FloatArray, dxOffset: number): void {
  const L = g.oh * g.ow;
  const [sh, sw] = p.stride;
  const [ph, pw] = p.padding;
  const [dh, dw] = p.dilation;
  const plane = g.h * g.w;
  let row = 0;
  for (let ci = 0; ci < g.cg; ci++) {
    const channelBase = dxOffset + (group * g.cg + ci) * plane;
    for (let i = 0; i < g.kh; i++) {
      for (let j = 0; j < g.kw; j++, row++) {
        const rowBase = row * L;
        for (let r = 0; r < g.oh; r++) {
          const ih = r * sh - ph + i * dh;
          if (ih < 0 || ih >= g.h) continue;
          const dstRow = channelBase + ih * g.w;
          const src = rowBase + r * g.ow;
          let iw = -pw + j * dw;
          for (let s = 0; s < g.ow; s++, iw += sw) if (iw >= 0 && iw < g.w) dx[dstRow + iw] += cols[src + s]!;
        }
      }
    }
  }
}

export function conv2d(xIn: View, wIn: View, biasIn: View | null, out: View, p: Conv2dParams): void {
  const x = dense(xIn);
  const w = dense(wIn);
  const bias = biasIn ? dense(biasIn) : null;
  const y = destination(out);
  const g = geometry(x.shape, w.shape, y.shape, p.groups);
  const L = g.oh * g.ow;
  const ckk = g.cg * g.kh * g.kw;
  const xa = x.buffer as FloatArray;
  const wa = w.buffer as FloatArray;
  const ya = y.buffer as FloatArray;
  const cols = colsBuffer(ya, ckk * L);
  for (let n = 0; n < g.n; n++) {
    for (let group = 0; group < g.groups; group++) {
      im2col(xa, x.offset + n * g.c * g.h * g.w, g, p, group, cols);
      const yOffset = y.offset + (n * g.o + group * g.og) * L;
      gemm(
        g.og,
        L,
        ckk,
        { data: wa, offset: w.offset + group * g.og * ckk, rowStride: ckk, colStride: 1 },
        { data: cols, offset: 0, rowStride: L, colStride: 1 },
        { data: ya, offset: yOffset, rowStride: L, colStride: 1 },
        false,
      );
    }
    if (bias) {
      const ba = bias.buffer as FloatArray;
      for (let o = 0; o < g.o; o++) {
        const b = ba[bias.offset + o]!;
        const start = y.offset + (n * g.o + o) * L;
        for (let k = 0; k < L; k++) ya[start + k] += b;
      }
    }
  }
  finish(y, out);
}

export function conv2dBackwardWeight(dyIn: View, xIn: View, dwOut: View, p: Conv2dParams): void {
  const dy = dense(dyIn);
  const x = dense(xIn);
  const dw = destination(dwOut);
  const g = geometry(x.shape, dw.shape, dy.shape, p.groups);
  const L = g.oh * g.ow;
  const ckk = g.cg * g.kh * g.kw;
  const xa = x.buffer as FloatArray;
  const dya = dy.buffer as FloatArray;
  const dwa = dw.buffer as FloatArray;
  const cols = colsBuffer(dwa, ckk * L);
  dwa.fill(0, dw.offset, dw.offset + g.o * ckk);
  for (let n = 0; n < g.n; n++) {
    for (let group = 0; group < g.groups; group++) {
      im2col(xa, x.offset + n * g.c * g.h * g.w, g, p, group, cols);
      // dW[g] += dY[n, g] (Og × L) · colsᵀ (L × CgKK)
      gemm(
        g.og,
        ckk,
        L,
        { data: dya, offset: dy.offset + (n * g.o + group * g.og) * L, rowStride: L, colStride: 1 },
        { data: cols, offset: 0, rowStride: 1, colStride: L },
        { data: dwa, offset: dw.offset + group * g.og * ckk, rowStride: ckk, colStride: 1 },
        true,
      );
    }
  }
  finish(dw, dwOut);
}

export function conv2dBackwardInput(dyIn: View, wIn: View, dxOut: View, p: Conv2dParams): void {
  const dy = dense(dyIn);
  const w = dense(wIn);
  const dx = destination(dxOut);
  const g = geometry(dx.shape, w.shape, dy.shape, p.groups);
  const L = g.oh * g.ow;
  const ckk = g.cg * g.kh * g.kw;
  const dya = dy.buffer as FloatArray;
  const wa = w.buffer as FloatArray;
  const dxa = dx.buffer as FloatArray;
  const cols = colsBuffer(dxa, ckk * L);
  dxa.fill(0, dx.offset, dx.offset + numelOf(dx.shape));
  for (let n = 0; n < g.n; n++) {
    for (let group = 0; group < g.groups; group++) {
      // cols (CgKK × L) = W[g]ᵀ (CgKK × Og) · dY[n, g] (Og × L)
      gemm(
        ckk,
        L,
        g.og,
        { data: wa, offset: w.offset + group * g.og * ckk, rowStride: 1, colStride: ckk },
        { data: dya, offset: dy.offset + (n * g.o + group * g.og) * L, rowStride: L, colStride: 1 },
        { data: cols, offset: 0, rowStride: L, colStride: 1 },
        false,
      );
      col2im(cols, g, p, group, dxa, dx.offset + n * g.c * g.h * g.w);
    }
  }
  finish(dx, dxOut);
}
