/** WebAssembly paths of softmax/log-softmax (and gradients) along a contiguous last dim, and layer norm. */
import type { View } from "@trek/tensor";
import { isContiguous, numelOf } from "../strided.js";
import type { WasmRuntime } from "../wasm/runtime.js";
import { f32Address } from "./blocks.js";

/** Rows of a dense view along its last dim: [rows, n], or null when `dim` is not the last one. */
function rowsOf(v: View, dim: number): [number, number] | null {
  let last = v.shape.length - 1;
  while (last > dim && v.shape[last] === 1) last--;
  if (dim !== last || !isContiguous(v.shape, v.strides)) return null;
  const n = v.shape[dim]!;
  return n === 0 ? null : [numelOf(v.shape) / n, n];
}

export function softmaxFast(rt: WasmRuntime, x: View, dim: number, out: View, log: boolean): boolean {
  const shape = rowsOf(x, dim);
  if (!shape || !rowsOf(out, dim)) return false;
  const px = f32Address(rt, x);
  const po = f32Address(rt, out);
  if (px < 0 || po < 0) return false;
  const [rows, n] = shape;
  rt.exports.softmaxF32(rows, n, px, n, po, n, log ? 1 : 0);
  return true;
}

export function softmaxBackwardFast(rt: WasmRuntime, y: View, dy: View, dim: number, dx: View, log: boolean): boolean {
  const shape = rowsOf(y, dim);
  if (!shape || !rowsOf(dy, dim) || !rowsOf(dx, dim)) return false;
  const py = f32Address(rt, y);
  const pg = f32Address(rt, dy);
  const px = f32Address(rt, dx);
  if (py < 0 || pg < 0 || px < 0) return false;
  const [rows, n] = shape;
  rt.exports.softmaxBackwardF32(rows, n, py, n, pg, n, px, n, log ? 1 : 0);
  return true;
}

export function layerNormFast(
  rt: WasmRuntime, x: View, weight: View | null, bias: View | null, eps: number, out: View, mean: View, rstd: View,
): boolean {
  const dense = (v: View): number => (isContiguous(v.shape, v.strides) ? f32Address(rt, v) : -1);
  const px = dense(x);
  const po = dense(out);
  const pm = dense(mean);
  const pr = dense(rstd);
  const pw = weight ? dense(weight) : 0;
  const pb = bias ? dense(bias) : 0;
  if (px < 0 || po < 0 || pm < 0 || pr < 0 || pw < 0 || pb < 0) return false;
  const rows = numelOf(mean.shape);
  if (rows === 0) return false;
  const n = numelOf(x.shape) / rows;
  rt.exports.layerNormF32(rows, n, px, pw, pb, eps, po, pm, 1, pr, 1);
  return true;
}
