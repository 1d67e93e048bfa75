/**
 * Work sharing: the host writes a job (kernel id and arguments, 32-bit slots) into shared memory
 * and every participating thread calls `runTask(job, thread, threads)`; each takes its own slice
 * of the work, so no two threads write the same output bytes.
 */
import { MR, NR, GEMM_SCRATCH_BYTES, sgemm } from "./gemm";
import { binaryF32, unaryF32, COMPARE_EQ } from "./elementwise";
import { conv2dBackwardInputF32, conv2dBackwardWeightF32, conv2dForwardF32 } from "./conv";
import { maxPool2dF32, maxPool2dBackwardF32 } from "./pool";

export const TASK_GEMM: i32 = 1;
export const TASK_BINARY: i32 = 2;
export const TASK_UNARY: i32 = 3;
export const TASK_CONV_FORWARD: i32 = 4;
export const TASK_CONV_BACKWARD_INPUT: i32 = 5;
export const TASK_CONV_BACKWARD_WEIGHT: i32 = 6;
export const TASK_MAX_POOL: i32 = 7;
export const TASK_MAX_POOL_BACKWARD: i32 = 8;

// @ts-ignore: decorator
@inline function slot(job: usize, i: i32): i32 {
  return load<i32>(job + (<usize>i << 2));
}

/** [start, end) of `total` items for `thread` of `threads`, in multiples of `align`. */
// @ts-ignore: decorator
@inline function share(total: i32, align: i32, thread: i32, threads: i32): i64 {
  const units = (total + align - 1) / align;
  const start = <i32>(<i64>units * thread / threads) * align;
  const end = min(total, <i32>(<i64>units * (thread + 1) / threads) * align);
  return (<i64>start << 32) | <i64>(<u32>max(start, end));
}

// @ts-ignore: decorator
@inline function startOf(range: i64): i32 {
  return <i32>(range >> 32);
}

// @ts-ignore: decorator
@inline function endOf(range: i64): i32 {
  return <i32>(range & 0xffffffff);
}

function gemmTask(job: usize, thread: i32, threads: i32): void {
  const M = slot(job, 1);
  const N = slot(job, 2);
  const K = slot(job, 3);
  const scratch = <usize>slot(job, 13) + <usize>thread * <usize>GEMM_SCRATCH_BYTES;
  let m0 = 0, m1 = M, n0 = 0, n1 = N;
  // Split the longer side; columns keep each thread's B panel private.
  if (N >= M) {
    const r = share(N, NR, thread, threads);
    n0 = startOf(r);
    n1 = endOf(r);
  } else {
    const r = share(M, MR, thread, threads);
    m0 = startOf(r);
    m1 = endOf(r);
  }
  sgemm(
    m0, m1, n0, n1, K,
    <usize>slot(job, 4), slot(job, 5), slot(job, 6),
    <usize>slot(job, 7), slot(job, 8), slot(job, 9),
    <usize>slot(job, 10), slot(job, 11),
    slot(job, 12) != 0, scratch,
  );
}

function binaryTask(job: usize, thread: i32, threads: i32): void {
  const op = slot(job, 1);
  const rows = slot(job, 2);
  const n = slot(job, 3);
  const a = <usize>slot(job, 4), aRow = slot(job, 5), as = slot(job, 6);
  const b = <usize>slot(job, 7), bRow = slot(job, 8), bs = slot(job, 9);
  const o = <usize>slot(job, 10), oRow = slot(job, 11);
  const outShift: i32 = op >= COMPARE_EQ ? 0 : 2;
  if (rows >= threads) {
    const r = share(rows, 1, thread, threads);
    const r0 = startOf(r);
    binaryF32(op, endOf(r) - r0, n,
      a + (<usize>(r0 * aRow) << 2), aRow, as,
      b + (<usize>(r0 * bRow) << 2), bRow, bs,
      o + (<usize>(r0 * oRow) << outShift), oRow);
  } else {
    const r = share(n, 16, thread, threads);
    const k0 = startOf(r);
    binaryF32(op, rows, endOf(r) - k0,
      a + (<usize>(k0 * as) << 2), aRow, as,
      b + (<usize>(k0 * bs) << 2), bRow, bs,
      o + (<usize>k0 << outShift), oRow);
  }
}

function unaryTask(job: usize, thread: i32, threads: i32): void {
  const op = slot(job, 1);
  const rows = slot(job, 2);
  const n = slot(job, 3);
  const x = <usize>slot(job, 4), xRow = slot(job, 5);
  const o = <usize>slot(job, 6), oRow = slot(job, 7);
  if (rows >= threads) {
    const r = share(rows, 1, thread, threads);
    const r0 = startOf(r);
    unaryF32(op, endOf(r) - r0, n, x + (<usize>(r0 * xRow) << 2), xRow, o + (<usize>(r0 * oRow) << 2), oRow);
  } else {
    const r = share(n, 16, thread, threads);
    const k0 = startOf(r);
    unaryF32(op, rows, endOf(r) - k0, x + (<usize>k0 << 2), xRow, o + (<usize>k0 << 2), oRow);
  }
}

/** Conv jobs split samples; slot 2 is the batch size, slot 9 the per-thread scratch stride. */
function convTask(kind: i32, job: usize, thread: i32, threads: i32): void {
  const desc = <usize>slot(job, 1);
  const r = share(slot(job, 2), 1, thread, threads);
  const scratch = <usize>slot(job, 8) + <usize>thread * <usize>slot(job, 9);
  if (kind == TASK_CONV_FORWARD) {
    conv2dForwardF32(desc, startOf(r), endOf(r), <usize>slot(job, 3), <usize>slot(job, 4), <usize>slot(job, 5), <usize>slot(job, 6), scratch);
  } else if (kind == TASK_CONV_BACKWARD_INPUT) {
    conv2dBackwardInputF32(desc, startOf(r), endOf(r), <usize>slot(job, 3), <usize>slot(job, 4), <usize>slot(job, 5), scratch);
  } else {
    // Each thread accumulates into its own slice of the partial-gradient buffer (slot 5 + thread·slot 7).
    const dw = <usize>slot(job, 5) + <usize>thread * <usize>slot(job, 7);
    conv2dBackwardWeightF32(desc, startOf(r), endOf(r), <usize>slot(job, 3), <usize>slot(job, 4), dw, slot(job, 6) != 0, scratch);
  }
}

function poolTask(kind: i32, job: usize, thread: i32, threads: i32): void {
  const desc = <usize>slot(job, 1);
  const r = share(slot(job, 2), 1, thread, threads);
  if (kind == TASK_MAX_POOL) {
    const scratch = <usize>slot(job, 7) + <usize>thread * <usize>slot(job, 8);
    maxPool2dF32(desc, startOf(r), endOf(r), <usize>slot(job, 3), <usize>slot(job, 4), <usize>slot(job, 5), slot(job, 6) != 0, scratch);
  } else {
    maxPool2dBackwardF32(desc, startOf(r), endOf(r), <usize>slot(job, 3), <usize>slot(job, 4), slot(job, 6) != 0, <usize>slot(job, 5));
  }
}

/** Runs this thread's share of the job at `job`. */
export function runTask(job: usize, thread: i32, threads: i32): void {
  const kind = slot(job, 0);
  switch (kind) {
    case TASK_GEMM: gemmTask(job, thread, threads); break;
    case TASK_BINARY: binaryTask(job, thread, threads); break;
    case TASK_UNARY: unaryTask(job, thread, threads); break;
    case TASK_CONV_FORWARD:
    case TASK_CONV_BACKWARD_INPUT:
    case TASK_CONV_BACKWARD_WEIGHT: convTask(kind, job, thread, threads); break;
    case TASK_MAX_POOL:
    case TASK_MAX_POOL_BACKWARD: poolTask(kind, job, thread, threads); break;
    default: unreachable();
  }
}
