/** WebAssembly paths of the elementwise primitives (float32; comparisons write bool). */
import type { ActivationOp, BinaryOp, UnaryOp, View } from "@trek/tensor";
import { numelOf } from "../strided.js";
import { BinaryCode, TaskKind, UnaryCode } from "../wasm/kernel-exports.js";
import type { WasmRuntime } from "../wasm/runtime.js";
import { f32Address, forEachBlock } from "./blocks.js";

/** Elementwise work below this many elements stays on the calling thread. */
const PARALLEL_ELEMENTS = 1 << 17;

const BINARY: Partial<Record<BinaryOp, number>> = BinaryCode;

const UNARY: Partial<Record<UnaryOp, number>> = {
  neg: UnaryCode.neg,
  abs: UnaryCode.abs,
  sqrt: UnaryCode.sqrt,
  exp: UnaryCode.exp,
  expm1: UnaryCode.expm1,
  log: UnaryCode.log,
  tanh: UnaryCode.tanh,
  recip: UnaryCode.recip,
  rsqrt: UnaryCode.rsqrt,
  floor: UnaryCode.floor,
  ceil: UnaryCode.ceil,
  trunc: UnaryCode.trunc,
  round: UnaryCode.round,
};

const ACTIVATION: Partial<Record<ActivationOp, number>> = {
  relu: UnaryCode.relu,
  sigmoid: UnaryCode.sigmoid,
  silu: UnaryCode.silu,
};

const unitOrZero = (s: number): boolean => s === 0 || s === 1;

/** out = a (op) b; returns false when the op, dtypes or layout are not covered. */
export function binaryFast(rt: WasmRuntime, op: BinaryOp, a: View, b: View, out: View): boolean {
  let code = BINARY[op];
  if (code === undefined || a.dtype !== "float32" || b.dtype !== "float32") return false;
  const compare = code >= BinaryCode.eq;
  if (out.dtype !== (compare ? "bool" : "float32")) return false;
  if (op === "pow") return false;
  const pa = rt.address(a);
  const pb = rt.address(b);
  const po = rt.address(out);
  if (pa < 0 || pb < 0 || po < 0) return false;
  const outSize = compare ? 1 : 4;
  const e = rt.exports;
  return forEachBlock(
    out.shape,
    [a.strides, b.strides, out.strides],
    [0, 0, 0],
    (inner) => unitOrZero(inner[0]!) && unitOrZero(inner[1]!) && inner[2] === 1,
    (rows, n, offs, rowStrides, inner) => {
      const aAt = pa + offs[0]! * 4;
      const bAt = pb + offs[1]! * 4;
      const oAt = po + offs[2]! * outSize;
      const threads = rt.threadsFor(rows * n, PARALLEL_ELEMENTS);
      if (threads > 1) {
        const slots = rt.i32();
        const j = rt.jobAddress >> 2;
        slots[j] = TaskKind.binary;
        slots[j + 1] = code!;
        slots[j + 2] = rows;
        slots[j + 3] = n;
        slots[j + 4] = aAt;
        slots[j + 5] = rowStrides[0]!;
        slots[j + 6] = inner[0]!;
        slots[j + 7] = bAt;
        slots[j + 8] = rowStrides[1]!;
        slots[j + 9] = inner[1]!;
        slots[j + 10] = oAt;
        slots[j + 11] = rowStrides[2]!;
        rt.runJob(threads);
      } else {
        e.binaryF32(code!, rows, n, aAt, rowStrides[0]!, inner[0]!, bAt, rowStrides[1]!, inner[1]!, oAt, rowStrides[2]!);
      }
    },
  );
}

/** pow with a broadcast scalar exponent of 2, 1, 0.5 or −1 as a cheaper unary op. */
export function powFast(rt: WasmRuntime, a: View, b: View, out: View): boolean {
  if (b.dtype !== "float32" || out.dtype !== "float32" || a.dtype !== "float32") return false;
  if (b.strides.some((s) => s !== 0)) return false;
  const exponent = (b.buffer as Float32Array)[b.offset];
  const code = exponent === 2 ? UnaryCode.square : exponent === 0.5 ? UnaryCode.sqrt : exponent === -1 ? UnaryCode.recip : undefined;
  if (code === undefined) return false;
  return unaryCode(rt, code, a, out);
}

export function unaryFast(rt: WasmRuntime, op: UnaryOp, x: View, out: View): boolean {
  const code = UNARY[op];
  if (code === undefined) return false;
  return unaryCode(rt, code, x, out);
}

/** relu, sigmoid and silu; false for the other activations (they take the TypeScript path). */
export function activationFast(rt: WasmRuntime, op: ActivationOp, x: View, out: View): boolean {
  const code = ACTIVATION[op];
  if (code === undefined) return false;
  return unaryCode(rt, code, x, out);
}

function unaryCode(rt: WasmRuntime, code: number, x: View, out: View): boolean {
  const px = f32Address(rt, x);
  const po = f32Address(rt, out);
  if (px < 0 || po < 0) return false;
  const e = rt.exports;
  return forEachBlock(
    out.shape,
    [x.strides, out.strides],
    [0, 0],
    (inner) => inner[0] === 1 && inner[1] === 1,
    (rows, n, offs, rowStrides) => {
      const xAt = px + offs[0]! * 4;
      const oAt = po + offs[1]! * 4;
      const threads = rt.threadsFor(rows * n, PARALLEL_ELEMENTS);
      if (threads > 1) {
        const slots = rt.i32();
        const j = rt.jobAddress >> 2;
        slots[j] = TaskKind.unary;
        slots[j + 1] = code;
        slots[j + 2] = rows;
        slots[j + 3] = n;
        slots[j + 4] = xAt;
        slots[j + 5] = rowStrides[0]!;
        slots[j + 6] = oAt;
        slots[j + 7] = rowStrides[1]!;
        rt.runJob(threads);
      } else {
        e.unaryF32(code, rows, n, xAt, rowStrides[0]!, oAt, rowStrides[1]!);
      }
    },
  );
}

/** out = cond ? a : b for float32 a/b/out and a bool cond. */
export function whereFast(rt: WasmRuntime, cond: View, a: View, b: View, out: View): boolean {
  if (cond.dtype !== "bool") return false;
  const pc = rt.address(cond);
  const pa = f32Address(rt, a);
  const pb = f32Address(rt, b);
  const po = f32Address(rt, out);
  if (pc < 0 || pa < 0 || pb < 0 || po < 0) return false;
  const e = rt.exports;
  return forEachBlock(
    out.shape,
    [cond.strides, a.strides, b.strides, out.strides],
    [0, 0, 0, 0],
    (inner) => unitOrZero(inner[0]!) && unitOrZero(inner[1]!) && unitOrZero(inner[2]!) && inner[3] === 1,
    (rows, n, offs, rowStrides, inner) => {
      e.whereF32(
        rows, n,
        pc + offs[0]!, rowStrides[0]!, inner[0]!,
        pa + offs[1]! * 4, rowStrides[1]!, inner[1]!,
        pb + offs[2]! * 4, rowStrides[2]!, inner[2]!,
        po + offs[3]! * 4, rowStrides[3]!,
      );
    },
  );
}

/**
 * Strided copies of 4-byte elements (float32, int32) into a destination with unit inner stride:
 * transposes go through 4×4 register blocks, other strides through a gather loop. Contiguous
 * copies are left to TypedArray.set, which is already a memcpy.
 */
export function copyFast(rt: WasmRuntime, x: View, out: View): boolean {
  if (x.dtype !== out.dtype || (x.dtype !== "float32" && x.dtype !== "int32")) return false;
  if (numelOf(out.shape) < 64) return false;
  const px = rt.address(x);
  const po = rt.address(out);
  if (px < 0 || po < 0) return false;
  const e = rt.exports;
  return forEachBlock(
    out.shape,
    [x.strides, out.strides],
    [0, 0],
    (inner) => inner[1] === 1 && inner[0] !== 1,
    (rows, n, offs, rowStrides, inner) => {
      const xAt = px + offs[0]! * 4;
      const oAt = po + offs[1]! * 4;
      if (rowStrides[0] === 1 && rows > 1) e.transposeF32(n, rows, xAt, inner[0]!, oAt, rowStrides[1]!);
      else e.copyF32(rows, n, xAt, rowStrides[0]!, inner[0]!, oAt, rowStrides[1]!);
    },
  );
}
