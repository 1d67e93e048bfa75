/**
 * The CPU backend: buffers are typed arrays in the storage format of their dtype; every
 * primitive handles any strides, broadcast (stride 0) and negative strides; the fast kernels
 * cover the ops whose decompositions would be slow.
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

/** The fast kernels of the CPU backend (each checked against its decomposition by the conformance kit). */
export const cpuKernels: FastKernels = {
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
};

export interface CpuBackendOptions {
  /** Use only the primitives (every op runs its decomposition); for testing decompositions. */
  primitivesOnly?: boolean;
}

export class CpuBackend implements Backend {
  readonly name: string = "cpu";
  readonly canReadSync = true;
  readonly kernels?: FastKernels;

  constructor(options: CpuBackendOptions = {}) {
    this.kernels = options.primitivesOnly ? undefined : cpuKernels;
  }

  alloc(dtype: DType, numel: number): TypedArray {
    return new (storageArrayType(dtype))(numel);
  }

  free(_buffer: unknown): void {
    // Typed arrays are reclaimed by the garbage collector once unreferenced.
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
    elementwise.unary(op, x, out);
  }

  binary(op: BinaryOp, a: View, b: View, out: View): void {
    elementwise.binary(op, a, b, out);
  }

  where(cond: View, a: View, b: View, out: View): void {
    elementwise.where(cond, a, b, out);
  }

  cast(x: View, out: View): void {
    elementwise.cast(x, out);
  }

  reduce(op: ReduceOp, x: View, dims: readonly number[], out: View): void {
    reduce(op, x, dims, out);
  }

  copy(x: View, out: View): void {
    elementwise.copy(x, out);
  }

  fill(out: View, value: number | bigint | boolean): void {
    elementwise.fill(out, value);
  }
}
