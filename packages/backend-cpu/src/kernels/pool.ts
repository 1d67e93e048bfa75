/** 2-d max and average pooling and their gradients, direct loops over windows. */
import type { Pool2dParams, View } from "@trek/tensor";
import { forEachRow, numelOf } from "../strided.js";
import { contiguous, narrowInto, scratchFor, widen, fill } from "../elementwise.js";

type NumArray = { [i: number]: number; length: number };

const isHalf = (v: View): boolean => v.dtype === "float16" || v.dtype === "bfloat16";

/** Calls `plane(xOffset, outOffset, planeIndex)` for each (n, c) plane of a [N, C, H, W] input and output. */
function forEachPlane(x: View, out: View, plane: (xo: number, oo: number, index: number) => void): void {
  let index = 0;
  forEachRow(x.shape.slice(0, 2), [x.strides.slice(0, 2), out.strides.slice(0, 2)], [x.offset, out.offset], (count, offs, inner) => {
    let xo = offs[0]!;
    let oo = offs[1]!;
    for (let k = 0; k < count; k++, xo += inner[0]!, oo += inner[1]!) plane(xo, oo, index++);
  });
}

/** `indices` null: values only (inference). */
export function maxPool2d(xIn: View, outIn: View, indices: View | null, p: Pool2dParams): void {
  const x = isHalf(xIn) ? widen(xIn) : xIn;
  const out = isHalf(outIn) ? scratchFor(outIn) : outIn;
  const [, , h, w] = x.shape as [number, number, number, number];
  const [, , oh, ow] = out.shape as [number, number, number, number];
  const [kh, kw] = p.kernelSize;
  const [sh, sw] = p.stride;
  const [ph, pw] = p.padding;
  const [dh, dw] = p.dilation;
  const xa = x.buffer as NumArray;
  const oa = out.buffer as NumArray;
  const ia = (indices?.buffer ?? null) as { [i: number]: number | bigint } | null;
  const big = indices?.dtype === "int64";
  const [xsH, xsW] = [x.strides[2]!, x.strides[3]!];
  const [osH, osW] = [out.strides[2]!, out.strides[3]!];
  const [isH, isW] = indices ? [indices.strides[2]!, indices.strides[3]!] : [0, 0];
  forEachPlane(x, out, (xo, oo, planeIndex) => {
    const c = x.shape[1]!;
    const io = indices ? indices.offset + Math.floor(planeIndex / c) * indices.strides[0]! + (planeIndex % c) * indices.strides[1]! : 0;
    for (let r = 0; r < oh; r++) {
      for (let s = 0; s < ow; s++) {
        let best = -Infinity;
        let bestIndex = -1;
        for (let i = 0; i < kh; i++) {
          const ih = r * sh - ph + i * dh;
          if (ih < 0 || ih >= h) continue;
          for (let j = 0; j < kw; j++) {
            const iw = s * sw - pw + j * dw;
            if (iw < 0 || iw >= w) continue;
            const v = xa[xo + ih * xsH + iw * xsW]!;
            if (v > best || bestIndex < 0 || (v !== v && best === best)) {
              best = v;
              bestIndex = ih * w + iw;
            }
          }
        }
        oa[oo + r * osH + s * osW] = best;
        if (ia) ia[io + r * isH + s * isW] = big ? BigInt(bestIndex) : bestIndex;
      }
    }
  });
  if (out !== outIn) narrowInto(out, outIn);
}

export function maxPool2dBackward(dyIn: View, indices: View, dxOut: View, _p: Pool2dParams): void {
  const dy = isHalf(dyIn) ? widen(dyIn) : dyIn;
  const dx = isHalf(dxOut) ? scratchFor(dxOut) : dxOut;
  fill(dx, 0);
  const [, c, , w] = dx.shape as [number, number, number, number];
  const [, , oh, ow] = dy.shape as [number, number, number, number];
  const dya = dy.buffer as NumArray;
  const dxa = dx.buffer as NumArray;
  const ia = indices.buffer as { [i: number]: number | bigint };
  forEachPlane(dy, dx, (yo, xo, planeIndex) => {
    const io = indices.offset + Math.floor(planeIndex / c) * indices.strides[0]! + (planeIndex % c) * indices.strides[1]!;
    for (let r = 0; r < oh; r++) {
      for (let s = 0; s < ow; s++) {
        const flat = Number(ia[io + r * indices.strides[2]! + s * indices.strides[3]!]);
        if (flat < 0) continue;
        const ih = Math.floor(flat / w);
        const iw = flat - ih * w;
        dxa[xo + ih * dx.strides[2]! + iw * dx.strides[3]!] += dya[yo + r * dy.strides[2]! + s * dy.strides[3]!]!;
      }
    }
  });
  if (dx !== dxOut) narrowInto(dx, dxOut);
}

/** The averaging divisor of window (r, s), following PyTorch's avg_pool2d. */
function divisor(r: number, s: number, h: number, w: number, p: Pool2dParams): number {
  let hStart = r * p.stride[0] - p.padding[0];
  let wStart = s * p.stride[1] - p.padding[1];
  let hEnd = Math.min(hStart + p.kernelSize[0], h + p.padding[0]);
  let wEnd = Math.min(wStart + p.kernelSize[1], w + p.padding[1]);
  if (p.countIncludePad) return (hEnd - hStart) * (wEnd - wStart);
  hStart = Math.max(hStart, 0);
  wStart = Math.max(wStart, 0);
  hEnd = Math.min(hEnd, h);
  wEnd = Math.min(wEnd, w);
  return (hEnd - hStart) * (wEnd - wStart);
}

export function avgPool2d(xIn: View, outIn: View, p: Pool2dParams): void {
  const x = isHalf(xIn) ? widen(xIn) : xIn;
  const out = isHalf(outIn) ? scratchFor(outIn) : outIn;
  const [, , h, w] = x.shape as [number, number, number, number];
  const [, , oh, ow] = out.shape as [number, number, number, number];
  const xa = x.buffer as NumArray;
  const oa = out.buffer as NumArray;
  forEachPlane(x, out, (xo, oo) => {
    for (let r = 0; r < oh; r++) {
      const h0 = Math.max(r * p.stride[0] - p.padding[0], 0);
      const h1 = Math.min(r * p.stride[0] - p.padding[0] + p.kernelSize[0], h);
      for (let s = 0; s < ow; s++) {
        const w0 = Math.max(s * p.stride[1] - p.padding[1], 0);
        const w1 = Math.min(s * p.stride[1] - p.padding[1] + p.kernelSize[1], w);
        let total = 0;
        for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) total += xa[xo + ih * x.strides[2]! + iw * x.strides[3]!]!;
        oa[oo + r * out.strides[2]! + s * out.strides[3]!] = total / divisor(r, s, h, w, p);
      }
    }
  });
  if (out !== outIn) narrowInto(out, outIn);
}

export function avgPool2dBackward(dyIn: View, dxOut: View, p: Pool2dParams): void {
  const dy = isHalf(dyIn) ? widen(dyIn) : dyIn;
  const dx = isHalf(dxOut) ? scratchFor(dxOut) : dxOut;
  fill(dx, 0);
  const [, , h, w] = dx.shape as [number, number, number, number];
  const [, , oh, ow] = dy.shape as [number, number, number, number];
  const dya = dy.buffer as NumArray;
  const dxa = dx.buffer as NumArray;
  forEachPlane(dy, dx, (yo, xo) => {
    for (let r = 0; r < oh; r++) {
      const h0 = Math.max(r * p.stride[0] - p.padding[0], 0);
      const h1 = Math.min(r * p.stride[0] - p.padding[0] + p.kernelSize[0], h);
      for (let s = 0; s < ow; s++) {
        const w0 = Math.max(s * p.stride[1] - p.padding[1], 0);
        const w1 = Math.min(s * p.stride[1] - p.padding[1] + p.kernelSize[1], w);
        const g = dya[yo + r * dy.strides[2]! + s * dy.strides[3]!]! / divisor(r, s, h, w, p);
        for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) dxa[xo + ih * dx.strides[2]! + iw * dx.strides[3]!] += g;
      }
    }
  });
  if (dx !== dxOut) narrowInto(dx, dxOut);
}

export { contiguous, numelOf };
