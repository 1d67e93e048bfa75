/** Max and average pooling (and gradients) on the WebAssembly kernels, for dense float32 planes. */
import type { Pool2dParams, View } from "@trek/tensor";
import { isContiguous } from "../strided.js";
import { TaskKind } from "../wasm/kernel-exports.js";
import type { WasmRuntime } from "../wasm/runtime.js";
import { f32Address } from "./blocks.js";

const PARALLEL_OUTPUTS = 1 << 16;

/** Writes the pooling descriptor (asm/pool.ts) for input [.., H, W] and output [.., OH, OW]. */
function describe(rt: WasmRuntime, inShape: readonly number[], outShape: readonly number[], p: Pool2dParams): void {
  rt.i32().set(
    [
      inShape[2]!, inShape[3]!, outShape[2]!, outShape[3]!,
      p.kernelSize[0], p.kernelSize[1], p.stride[0], p.stride[1],
      p.padding[0], p.padding[1], p.dilation[0], p.dilation[1],
      p.countIncludePad ? 1 : 0,
    ],
    rt.descriptorAddress >> 2,
  );
}

const denseF32 = (rt: WasmRuntime, v: View): number => (isContiguous(v.shape, v.strides) ? f32Address(rt, v) : -1);

function denseIndices(rt: WasmRuntime, v: View): number {
  if ((v.dtype !== "int32" && v.dtype !== "int64") || !isContiguous(v.shape, v.strides)) return -1;
  return rt.address(v);
}

/** Native pooling starts threads per call: only above this many outputs. */
const NATIVE_PARALLEL_OUTPUTS = 1 << 20;

/** 2×2 windows with stride 2, no padding, every window whole (floor mode). */
function wholePairs(x: View, out: View, p: Pool2dParams): boolean {
  const [kh, kw] = p.kernelSize;
  const [sh, sw] = p.stride;
  return (
    kh === 2 && kw === 2 && sh === 2 && sw === 2 && p.padding[0] === 0 && p.padding[1] === 0 &&
    p.dilation[0] === 1 && p.dilation[1] === 1 && 2 * out.shape[2]! <= x.shape[2]! && 2 * out.shape[3]! <= x.shape[3]!
  );
}

/** `indices` null: values only (the kernels take index address 0 as "none"). */
export function maxPool2dFast(rt: WasmRuntime, x: View, out: View, indices: View | null, p: Pool2dParams): boolean {
  const px = denseF32(rt, x);
  const po = denseF32(rt, out);
  const pi = indices ? denseIndices(rt, indices) : 0;
  if (px < 0 || po < 0 || pi < 0) return false;
  const planes = x.shape[0]! * x.shape[1]!;
  const native = indices ? null : rt.nativeKernels();
  if (native && wholePairs(x, out, p)) {
    const [oh, ow] = [out.shape[2]!, out.shape[3]!];
    const threads = rt.nativeThreadsFor(planes * oh * ow, NATIVE_PARALLEL_OUTPUTS);
    native.maxPool2x2(px, po, planes, x.shape[2]!, x.shape[3]!, oh, ow, threads);
    return true;
  }
  describe(rt, x.shape, out.shape, p);
  const wide = indices?.dtype === "int64" ? 1 : 0;
  const threads = rt.threadsFor(planes * out.shape[2]! * out.shape[3]!, PARALLEL_OUTPUTS);
  const perThread = rt.exports.maxPoolScratchBytes(rt.descriptorAddress);
  if (threads > 1 && planes >= threads) {
    const scratch = rt.scratch(threads * perThread);
    rt.i32().set([TaskKind.maxPool, rt.descriptorAddress, planes, px, po, pi, wide, scratch, perThread], rt.jobAddress >> 2);
    rt.runJob(threads);
  } else {
    rt.exports.maxPool2dF32(rt.descriptorAddress, 0, planes, px, po, pi, wide, rt.scratch(perThread));
  }
  return true;
}

export function maxPool2dBackwardFast(rt: WasmRuntime, dy: View, indices: View, dx: View, p: Pool2dParams): boolean {
  const pdy = denseF32(rt, dy);
  const pi = denseIndices(rt, indices);
  const pdx = denseF32(rt, dx);
  if (pdy < 0 || pi < 0 || pdx < 0) return false;
  describe(rt, dx.shape, dy.shape, p);
  const planes = dx.shape[0]! * dx.shape[1]!;
  const wide = indices.dtype === "int64" ? 1 : 0;
  const threads = rt.threadsFor(planes * dy.shape[2]! * dy.shape[3]!, PARALLEL_OUTPUTS);
  if (threads > 1 && planes >= threads) {
    rt.i32().set([TaskKind.maxPoolBackward, rt.descriptorAddress, planes, pdy, pi, pdx, wide], rt.jobAddress >> 2);
    rt.runJob(threads);
  } else {
    rt.exports.maxPool2dBackwardF32(rt.descriptorAddress, 0, planes, pdy, pi, wide, pdx);
  }
  return true;
}

export function avgPool2dFast(rt: WasmRuntime, x: View, out: View, p: Pool2dParams): boolean {
  const px = denseF32(rt, x);
  const po = denseF32(rt, out);
  if (px < 0 || po < 0) return false;
  describe(rt, x.shape, out.shape, p);
  rt.exports.avgPool2dF32(rt.descriptorAddress, 0, x.shape[0]! * x.shape[1]!, px, po);
  return true;
}

export function avgPool2dBackwardFast(rt: WasmRuntime, dy: View, dx: View, p: Pool2dParams): boolean {
  const pdy = denseF32(rt, dy);
  const pdx = denseF32(rt, dx);
  if (pdy < 0 || pdx < 0) return false;
  describe(rt, dx.shape, dy.shape, p);
  rt.exports.avgPool2dBackwardF32(rt.descriptorAddress, 0, dx.shape[0]! * dx.shape[1]!, pdy, pdx);
  return true;
}
