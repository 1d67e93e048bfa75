/**
 * conv2d and its gradients: the native kernels over the whole batch when they are loaded, else
 * the WebAssembly ones. Samples are shared among threads when the batch allows; a single sample
 * instead runs im2col here and its GEMMs on all threads (native or WebAssembly).
 */
import type { Conv2dParams, View } from "@trek/tensor";
import { TaskKind } from "../wasm/kernel-exports.js";
import type { WasmRuntime } from "../wasm/runtime.js";
import { Temporaries } from "./blocks.js";
import { NATIVE_PARALLEL_FLOPS, PARALLEL_FLOPS, gemm } from "./gemm.js";

interface Geometry {
  n: number; c: number; h: number; w: number;
  o: number; kh: number; kw: number; groups: number;
  oh: number; ow: number;
  cg: number; og: number; L: number; ckk: number;
  pointwise: boolean;
}

/** Writes the descriptor asm/conv.ts reads and returns the geometry. */
function describe(rt: WasmRuntime, xShape: readonly number[], wShape: readonly number[], yShape: readonly number[], p: Conv2dParams): Geometry {
  const g: Geometry = {
    n: xShape[0]!, c: xShape[1]!, h: xShape[2]!, w: xShape[3]!,
    o: wShape[0]!, kh: wShape[2]!, kw: wShape[3]!, groups: p.groups,
    oh: yShape[2]!, ow: yShape[3]!,
    cg: xShape[1]! / p.groups, og: wShape[0]! / p.groups,
    L: yShape[2]! * yShape[3]!, ckk: (xShape[1]! / p.groups) * wShape[2]! * wShape[3]!,
    pointwise: false,
  };
  g.pointwise = g.kh === 1 && g.kw === 1 && p.stride[0] === 1 && p.stride[1] === 1 && p.padding[0] === 0 && p.padding[1] === 0;
  rt.i32().set(
    [g.n, g.c, g.h, g.w, g.o, g.kh, g.kw, g.groups, g.oh, g.ow, p.stride[0], p.stride[1], p.padding[0], p.padding[1], p.dilation[0], p.dilation[1]],
    rt.descriptorAddress >> 2,
  );
  return g;
}

function writeJob(rt: WasmRuntime, values: number[]): void {
  rt.i32().set(values, rt.jobAddress >> 2);
}

export function conv2dFast(rt: WasmRuntime, x: View, w: View, bias: View | null, out: View, p: Conv2dParams): boolean {
  if (x.dtype !== "float32" || w.dtype !== "float32" || out.dtype !== "float32" || (bias && bias.dtype !== "float32")) return false;
  const temps = new Temporaries(rt);
  const px = temps.dense(x);
  const pw = temps.dense(w);
  const pb = bias ? temps.dense(bias) : 0;
  const po = temps.destination(out);
  if (px < 0 || pw < 0 || pb < 0 || po < 0) {
    temps.release();
    return false;
  }
  const desc = rt.descriptorAddress;
  const g = describe(rt, x.shape, w.shape, out.shape, p);
  const e = rt.exports;
  const native = rt.nativeKernels();
  if (native) {
    native.conv(0, desc, px, pw, pb, po, 0, rt.nativeThreadsFor(2 * g.n * g.o * g.L * g.ckk, NATIVE_PARALLEL_FLOPS), 0);
    temps.finish();
    return true;
  }
  const perThread = e.convScratchBytes(desc);
  const threads = rt.threadsFor(2 * g.n * g.o * g.L * g.ckk, PARALLEL_FLOPS);
  if (threads > 1 && g.n >= 2) {
    const used = Math.min(threads, g.n);
    const scratch = rt.scratch(used * perThread);
    writeJob(rt, [TaskKind.convForward, desc, g.n, px, pw, pb, po, 0, scratch, perThread]);
    rt.runJob(used);
  } else if (g.n === 1 && threads > 1) {
    // One sample: im2col on this thread, the GEMM on all of them.
    const gemmBytes = threads * rt.gemmScratchBytes;
    const scratch = rt.scratch(gemmBytes + g.ckk * g.L * 4);
    const cols = scratch + gemmBytes;
    for (let group = 0; group < g.groups; group++) {
      const xg = px + group * g.cg * g.h * g.w * 4;
      if (!g.pointwise) e.im2colF32(desc, xg, cols);
      gemm(rt, g.og, g.L, g.ckk, pw + group * g.og * g.ckk * 4, g.ckk, 1, g.pointwise ? xg : cols, g.L, 1, po + group * g.og * g.L * 4, g.L, false, scratch);
    }
    if (pb) e.addBiasF32(g.o, g.L, pb, po);
  } else {
    const scratch = rt.scratch(perThread);
    e.conv2dForwardF32(desc, 0, g.n, px, pw, pb, po, scratch);
  }
  temps.finish();
  return true;
}

export function conv2dBackwardInputFast(rt: WasmRuntime, dy: View, w: View, dx: View, p: Conv2dParams): boolean {
  if (dy.dtype !== "float32" || w.dtype !== "float32" || dx.dtype !== "float32") return false;
  const temps = new Temporaries(rt);
  const pdy = temps.dense(dy);
  const pw = temps.dense(w);
  const pdx = temps.destination(dx);
  if (pdy < 0 || pw < 0 || pdx < 0) {
    temps.release();
    return false;
  }
  const desc = rt.descriptorAddress;
  const g = describe(rt, dx.shape, w.shape, dy.shape, p);
  const e = rt.exports;
  const native = rt.nativeKernels();
  if (native) {
    native.conv(1, desc, pdy, pw, 0, pdx, 0, rt.nativeThreadsFor(2 * g.n * g.o * g.L * g.ckk, NATIVE_PARALLEL_FLOPS), 0);
    temps.finish();
    return true;
  }
  const perThread = e.convScratchBytes(desc);
  const threads = rt.threadsFor(2 * g.n * g.o * g.L * g.ckk, PARALLEL_FLOPS);
  if (threads > 1 && g.n >= 2) {
    const used = Math.min(threads, g.n);
    const scratch = rt.scratch(used * perThread);
    writeJob(rt, [TaskKind.convBackwardInput, desc, g.n, pdy, pw, pdx, 0, 0, scratch, perThread]);
    rt.runJob(used);
  } else if (g.n === 1 && threads > 1) {
    const gemmBytes = threads * rt.gemmScratchBytes;
    const scratch = rt.scratch(gemmBytes + g.ckk * g.L * 4);
    const cols = scratch + gemmBytes;
    if (!g.pointwise) rt.f32().fill(0, pdx >> 2, (pdx >> 2) + g.c * g.h * g.w);
    for (let group = 0; group < g.groups; group++) {
      const wg = pw + group * g.og * g.ckk * 4;
      const dyg = pdy + group * g.og * g.L * 4;
      const dxg = pdx + group * g.cg * g.h * g.w * 4;
      if (g.pointwise) gemm(rt, g.ckk, g.L, g.og, wg, 1, g.ckk, dyg, g.L, 1, dxg, g.L, false, scratch);
      else {
        gemm(rt, g.ckk, g.L, g.og, wg, 1, g.ckk, dyg, g.L, 1, cols, g.L, false, scratch);
        e.col2imF32(desc, cols, dxg);
      }
    }
  } else {
    const scratch = rt.scratch(perThread);
    e.conv2dBackwardInputF32(desc, 0, g.n, pdy, pw, pdx, scratch);
  }
  temps.finish();
  return true;
}

export function conv2dBackwardWeightFast(rt: WasmRuntime, dy: View, x: View, dw: View, p: Conv2dParams): boolean {
  if (dy.dtype !== "float32" || x.dtype !== "float32" || dw.dtype !== "float32") return false;
  const temps = new Temporaries(rt);
  const pdy = temps.dense(dy);
  const px = temps.dense(x);
  const pdw = temps.destination(dw);
  if (pdy < 0 || px < 0 || pdw < 0) {
    temps.release();
    return false;
  }
  const desc = rt.descriptorAddress;
  const g = describe(rt, x.shape, dw.shape, dy.shape, p);
  const e = rt.exports;
  const weights = g.o * g.ckk;
  const native = rt.nativeKernels();
  if (native) {
    const requested = rt.nativeThreadsFor(2 * g.n * g.o * g.L * g.ckk, NATIVE_PARALLEL_FLOPS);
    const threads = Math.min(g.n, requested);
    // Several samples per thread need partial sums; a single sample threads its GEMM instead.
    const partials = threads > 1 ? rt.scratch((threads - 1) * weights * 4) : 0;
    native.conv(2, desc, pdy, px, 0, pdw, 0, requested, partials);
    temps.finish();
    return true;
  }
  const perThread = e.convScratchBytes(desc);
  const threads = rt.threadsFor(2 * g.n * g.o * g.L * g.ckk, PARALLEL_FLOPS);
  if (threads > 1 && g.n >= 2) {
    // Each thread sums its samples into a private partial gradient; the partials are added after.
    const used = Math.min(threads, g.n);
    const scratch = rt.scratch(used * (perThread + weights * 4));
    const partials = scratch + used * perThread;
    writeJob(rt, [TaskKind.convBackwardWeight, desc, g.n, pdy, px, partials, 0, weights * 4, scratch, perThread]);
    rt.runJob(used);
    e.binaryF32(0, 1, weights, partials, 0, 1, partials + weights * 4, 0, 1, pdw, 0);
    for (let t = 2; t < used; t++) e.binaryF32(0, 1, weights, pdw, 0, 1, partials + t * weights * 4, 0, 1, pdw, 0);
  } else if (g.n === 1 && threads > 1) {
    const gemmBytes = threads * rt.gemmScratchBytes;
    const scratch = rt.scratch(gemmBytes + g.ckk * g.L * 4);
    const cols = scratch + gemmBytes;
    for (let group = 0; group < g.groups; group++) {
      const xg = px + group * g.cg * g.h * g.w * 4;
      if (!g.pointwise) e.im2colF32(desc, xg, cols);
      gemm(rt, g.og, g.ckk, g.L, pdy + group * g.og * g.L * 4, g.L, 1, g.pointwise ? xg : cols, 1, g.L, pdw + group * g.og * g.ckk * 4, g.ckk, false, scratch);
    }
  } else {
    const scratch = rt.scratch(perThread);
    e.conv2dBackwardWeightF32(desc, 0, g.n, pdy, px, pdw, 0, scratch);
  }
  temps.finish();
  return true;
}
