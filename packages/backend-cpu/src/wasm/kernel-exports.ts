/**
 * The functions the WebAssembly kernel module exports (see asm/). Pointers are byte addresses in
 * the module's memory; sizes and strides count elements unless a name says bytes; booleans are
 * passed as 0/1.
 */
export interface KernelExports {
  readonly GEMM_SCRATCH_BYTES: WebAssembly.Global;
  sgemm(
    m0: number, m1: number, n0: number, n1: number, k: number,
    a: number, aRowStride: number, aColStride: number,
    b: number, bRowStride: number, bColStride: number,
    c: number, ldc: number, accumulate: number, scratch: number,
  ): void;
  binaryF32(
    op: number, rows: number, n: number,
    a: number, aRow: number, aInner: number, b: number, bRow: number, bInner: number, out: number, outRow: number,
  ): void;
  unaryF32(op: number, rows: number, n: number, x: number, xRow: number, out: number, outRow: number): void;
  whereF32(
    rows: number, n: number,
    cond: number, condRow: number, condInner: number,
    a: number, aRow: number, aInner: number, b: number, bRow: number, bInner: number, out: number, outRow: number,
  ): void;
  copyF32(rows: number, n: number, x: number, xRow: number, xInner: number, out: number, outRow: number): void;
  transposeF32(rows: number, cols: number, x: number, xRow: number, out: number, outRow: number): void;
  reduceF32(op: number, n1: number, xs1: number, as1: number, n0: number, xs0: number, as0: number, x: number, acc: number): void;
  fillF64(n: number, acc: number, value: number): void;
  narrowF64(n: number, acc: number, out: number): void;
  softmaxF32(rows: number, n: number, x: number, xRow: number, out: number, outRow: number, log: number): void;
  softmaxBackwardF32(
    rows: number, n: number, y: number, yRow: number, dy: number, dyRow: number, dx: number, dxRow: number, log: number,
  ): void;
  layerNormF32(
    rows: number, n: number, x: number, weight: number, bias: number, eps: number, out: number,
    mean: number, meanStride: number, rstd: number, rstdStride: number,
  ): void;
  im2colF32(desc: number, x: number, cols: number): void;
  col2imF32(desc: number, cols: number, dx: number): void;
  addBiasF32(count: number, length: number, bias: number, out: number): void;
  convScratchBytes(desc: number): number;
  conv2dForwardF32(desc: number, n0: number, n1: number, x: number, w: number, bias: number, out: number, scratch: number): void;
  conv2dBackwardInputF32(desc: number, n0: number, n1: number, dy: number, w: number, dx: number, scratch: number): void;
  conv2dBackwardWeightF32(
    desc: number, n0: number, n1: number, dy: number, x: number, dw: number, accumulate: number, scratch: number,
  ): void;
  maxPoolScratchBytes(desc: number): number;
  maxPool2dF32(desc: number, p0: number, p1: number, x: number, out: number, indices: number, wide: number, scratch: number): void;
  maxPool2dBackwardF32(desc: number, p0: number, p1: number, dy: number, indices: number, wide: number, dx: number): void;
  avgPool2dF32(desc: number, p0: number, p1: number, x: number, out: number): void;
  avgPool2dBackwardF32(desc: number, p0: number, p1: number, dy: number, dx: number): void;
  sgdStepF32(
    n: number, param: number, grad: number, buffer: number, flags: number,
    lr: number, momentum: number, oneMinusDampening: number, weightDecay: number,
  ): void;
  adamStepF32(
    n: number, param: number, grad: number, expAvg: number, expAvgSq: number, maxExpAvgSq: number, flags: number,
    beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number, eps: number,
    weightDecay: number, decayFactor: number, stepSize: number, correction2: number,
  ): void;
  rmspropStepF32(
    n: number, param: number, grad: number, squareAvg: number, buffer: number, gradAvg: number, flags: number,
    lr: number, alpha: number, oneMinusAlpha: number, eps: number, weightDecay: number, momentum: number,
  ): void;
  runTask(job: number, thread: number, threads: number): void;
}

/** Operation codes shared with asm/elementwise.ts and asm/reduce.ts. */
export const BinaryCode = {
  add: 0, sub: 1, mul: 2, div: 3, maximum: 4, minimum: 5,
  eq: 10, ne: 11, lt: 12, le: 13, gt: 14, ge: 15,
} as const;

export const UnaryCode = {
  neg: 0, abs: 1, sqrt: 2, exp: 3, log: 4, tanh: 5, recip: 6, rsqrt: 7,
  floor: 8, ceil: 9, trunc: 10, round: 11, sigmoid: 12, relu: 13, expm1: 14, square: 15, silu: 16,
} as const;

export const ReduceCode = { sum: 0, max: 1, min: 2 } as const;

/** Job kinds of asm/tasks.ts. */
export const TaskKind = {
  gemm: 1,
  binary: 2,
  unary: 3,
  convForward: 4,
  convBackwardInput: 5,
  convBackwardWeight: 6,
  maxPool: 7,
  maxPoolBackward: 8,
} as const;
