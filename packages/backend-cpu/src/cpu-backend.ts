/**
 * The CPU backend: buffers are typed arrays in the storage format of their dtype; every
 * primitive handles any strides, broadcast (stride 0) and negative strides; the fast kernels
 * cover the ops whose decompositions would be slow.
 *
 * Two implementations sit behind each operation: WebAssembly SIMD kernels for float32 data in
 * the kernel heap (see wasm/runtime.ts), and plain TypeScript for everything (every dtype and
 * layout; platforms without WebAssembly SIMD; and the oracle the WebAssembly kernels are tested
 * against). Each call takes the WebAssembly path when it applies and falls back otherwise.
 */
import type { Backend, BinaryOp, DType, FastKernels, ReduceOp, TypedArray, UnaryOp, View } from "@trek/tensor";
import { storageArrayType } from "@trek/tensor";
import * as elementwise from "./elementwise.js";
import { reduce } from "./reduce.js";
import { matmul } from "./kernels/matmul.js";
import { conv2d, conv2dBackwardInput, conv2dBackwardWeight } from "./kernels/conv.js";
import { avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from "./kernels/pool.js";
import { argReduce, cumsum, softmax, softmaxBackward, sort } from "./kernels/rows.js";
import { gather, indexSelect, scatter } from "./kernels/index-ops.js";
import { activation, layerNorm } from "./kernels/activation.js";
import { adamStep, rmspropStep, sgdStep } from "./kernels/optimizer.js";
import { getRuntime, type WasmRuntime } from "./wasm/runtime.js";
import { activationFast, binaryFast, copyFast, powFast, unaryFast, whereFast } from "./fast/elementwise.js";
import { reduceFast } from "./fast/reduce.js";
import { matmulFast } from "./fast/matmul.js";
import { conv2dBackwardInputFast, conv2dBackwardWeightFast, conv2dFast } from "./fast/conv.js";
import { avgPool2dBackwardFast, avgPool2dFast, maxPool2dBackwardFast, maxPool2dFast } from "./fast/pool.js";
import { layerNormFast, softmaxBackwardFast, softmaxFast } from "./fast/rows.js";
import { adamStepFast, rmspropStepFast, sgdStepFast } from "./fast/optimizer.js";

/** The fast kernels in plain TypeScript only (portable; the oracle for the WebAssembly ones). */
export const referenceKernels: FastKernels = {
  matmul,
  conv2d,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  maxPool2d,
  maxPool2dBackward,
  avgPool2d,
  avgPool2dBackward,
  softmax: (x, dim, out) => softmax(x, dim, out, false),
  logSoftmax: (x, dim, out) => softmax(x, dim, out, true),
  softmaxBackward: (y, dy, dim, dx) => softmaxBackward(y, dy, dim, dx, false),
  logSoftmaxBackward: (y, dy, dim, dx) => softmaxBackward(y, dy, dim, dx, true),
  activation,
  layerNorm,
  gather,
  scatter,
  indexSelect,
  argReduce,
  cumsum,
  sort,
  sgdStep,
  adamStep,
  rmspropStep,
};

/** Runs `fast` with the WebAssembly runtime when there is one and it handles the call. */
function tryWasm(fast: (rt: WasmRuntime) => boolean): boolean {
  const rt = getRuntime();
  return rt !== null && fast(rt);
}

/**
 * The fast kernels of the CPU backend: WebAssembly SIMD where it applies, the TypeScript
 * reference otherwise (each checked against its decomposition by the conformance kit).
 */
export const cpuKernels: FastKernels = {
  ...referenceKernels,
  matmul: (a, b, out) => {
    if (!tryWasm((rt) => matmulFast(rt, a, b, out))) matmul(a, b, out);
  },
  conv2d: (x, w, bias, out, p) => {
    if (!tryWasm((rt) => conv2dFast(rt, x, w, bias, out, p))) conv2d(x, w, bias, out, p);
  },
  conv2dBackwardInput: (dy, w, dx, p) => {
    if (!tryWasm((rt) => conv2dBackwardInputFast(rt, dy, w, dx, p))) conv2dBackwardInput(dy, w, dx, p);
  },
  conv2dBackwardWeight: (dy, x, dw, p) => {
    if (!tryWasm((rt) => conv2dBackwardWeightFast(rt, dy, x, dw, p))) conv2dBackwardWeight(dy, x, dw, p);
  },
  maxPool2d: (x, out, indices, p) => {
    if (!tryWasm((rt) => maxPool2dFast(rt, x, out, indices, p))) maxPool2d(x, out, indices, p);
  },
  maxPool2dBackward: (dy, indices, dx, p) => {
    if (!tryWasm((rt) => maxPool2dBackwardFast(rt, dy, indices, dx, p))) maxPool2dBackward(dy, indices, dx, p);
  },
  avgPool2d: (x, out, p) => {
    if (!tryWasm((rt) => avgPool2dFast(rt, x, out, p))) avgPool2d(x, out, p);
  },
  avgPool2dBackward: (dy, dx, p) => {
    if (!tryWasm((rt) => avgPool2dBackwardFast(rt, dy, dx, p))) avgPool2dBackward(dy, dx, p);
  },
  softmax: (x, dim, out) => {
    if (!tryWasm((rt) => softmaxFast(rt, x, dim, out, false))) softmax(x, dim, out, false);
  },
  logSoftmax: (x, dim, out) => {
    if (!tryWasm((rt) => softmaxFast(rt, x, dim, out, true))) softmax(x, dim, out, true);
  },
  softmaxBackward: (y, dy, dim, dx) => {
    if (!tryWasm((rt) => softmaxBackwardFast(rt, y, dy, dim, dx, false))) softmaxBackward(y, dy, dim, dx, false);
  },
  logSoftmaxBackward: (y, dy, dim, dx) => {
    if (!tryWasm((rt) => softmaxBackwardFast(rt, y, dy, dim, dx, true))) softmaxBackward(y, dy, dim, dx, true);
  },
  activation: (op, x, out, alpha) => tryWasm((rt) => activationFast(rt, op, x, out)) || activation(op, x, out, alpha),
  layerNorm: (x, weight, bias, eps, out, mean, rstd) => {
    if (!tryWasm((rt) => layerNormFast(rt, x, weight, bias, eps, out, mean, rstd))) layerNorm(x, weight, bias, eps, out, mean, rstd);
  },
  sgdStep: (param, grad, buffer, h) => {
    if (!tryWasm((rt) => sgdStepFast(rt, param, grad, buffer, h))) sgdStep(param, grad, buffer, h);
  },
  adamStep: (param, grad, expAvg, expAvgSq, maxExpAvgSq, h) => {
    if (!tryWasm((rt) => adamStepFast(rt, param, grad, expAvg, expAvgSq, maxExpAvgSq, h))) {
      adamStep(param, grad, expAvg, expAvgSq, maxExpAvgSq, h);
    }
  },
  rmspropStep: (param, grad, squareAvg, buffer, gradAvg, h) => {
    if (!tryWasm((rt) => rmspropStepFast(rt, param, grad, squareAvg, buffer, gradAvg, h))) {
      rmspropStep(param, grad, squareAvg, buffer, gradAvg, h);
    }
  },
};

export interface CpuBackendOptions {
  /** Use only the primitives (every op runs its decomposition); for testing decompositions. */
  primitivesOnly?: boolean;
  /**
   * Use the WebAssembly SIMD kernels and keep buffers in their heap (default true; ignored where
   * WebAssembly SIMD is unavailable). false: plain TypeScript and ordinary typed arrays only.
   */
  wasm?: boolean;
}

export class CpuBackend implements Backend {
  readonly name: string = "cpu";
  readonly canReadSync = true;
  readonly kernels?: FastKernels;
  private readonly runtime: WasmRuntime | null;

  constructor(options: CpuBackendOptions = {}) {
    this.runtime = options.wasm === false ? null : getRuntime();
    if (options.primitivesOnly) this.kernels = undefined;
    else this.kernels = this.runtime ? cpuKernels : referenceKernels;
  }

  alloc(dtype: DType, numel: number): TypedArray {
    if (this.runtime) return this.runtime.allocArray(dtype, numel);
    return new (storageArrayType(dtype))(numel);
  }

  free(buffer: unknown): void {
    // Heap blocks return to the allocator; plain typed arrays are left to the garbage collector.
    this.runtime?.freeArray(buffer);
  }

  write(buffer: unknown, _dtype: DType, data: TypedArray, offset: number): void {
    (buffer as Float32Array).set(data as Float32Array, offset);
  }

  readSync(buffer: unknown, _dtype: DType, offset: number, numel: number): TypedArray {
    return (buffer as Float32Array).slice(offset, offset + numel);
  }

  async read(buffer: unknown, dtype: DType, offset: number, numel: number): Promise<TypedArray> {
    return this.readSync(buffer, dtype, offset, numel);
  }

  async sync(): Promise<void> {}

  unary(op: UnaryOp, x: View, out: View): void {
    if (!(this.runtime && unaryFast(this.runtime, op, x, out))) elementwise.unary(op, x, out);
  }

  binary(op: BinaryOp, a: View, b: View, out: View): void {
    const rt = this.runtime;
    if (rt && (op === "pow" ? powFast(rt, a, b, out) : binaryFast(rt, op, a, b, out))) return;
    elementwise.binary(op, a, b, out);
  }

  where(cond: View, a: View, b: View, out: View): void {
    if (!(this.runtime && whereFast(this.runtime, cond, a, b, out))) elementwise.where(cond, a, b, out);
  }

  cast(x: View, out: View): void {
    elementwise.cast(x, out);
  }

  reduce(op: ReduceOp, x: View, dims: readonly number[], out: View): void {
    if (!(this.runtime && reduceFast(this.runtime, op, x, dims, out))) reduce(op, x, dims, out);
  }

  copy(x: View, out: View): void {
    if (!(this.runtime && copyFast(this.runtime, x, out))) elementwise.copy(x, out);
  }

  fill(out: View, value: number | bigint | boolean): void {
    elementwise.fill(out, value);
  }
}
