/** Host copies of results and their comparison with a tolerance. */
import type { DataArray, DType, Tensor } from "@trek/tensor";
import { formatShape } from "@trek/tensor";
import type { Tolerance } from "./options.js";

/** A tensor's dtype, shape and elements (row-major), read back to the host. */
export interface HostTensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** 16-bit floats widened to float32, int64 as bigint, bool as 0/1. */
  readonly data: DataArray | readonly (number | bigint)[];
}

/** Reads a tensor into a HostTensor (works on asynchronous backends). */
export async function readHost(t: Tensor): Promise<HostTensor> {
  return { dtype: t.dtype, shape: t.shape.slice(), data: await t.data() };
}

const MAX_REPORTED = 4;

function show(v: number | bigint): string {
  if (typeof v === "bigint") return `${v}n`;
  if (Object.is(v, -0)) return "-0";
  return String(v);
}

/** Multi-index of a flat position, for messages. */
function position(shape: readonly number[], flat: number): string {
  if (shape.length === 0) return "[]";
  const index = new Array<number>(shape.length);
  let rest = flat;
  for (let d = shape.length - 1; d >= 0; d--) {
    const size = shape[d]!;
    index[d] = rest % size;
    rest = Math.floor(rest / size);
  }
  return `[${index.join(", ")}]`;
}

function closeEnough(actual: number | bigint, expected: number | bigint, tol: Tolerance, scale: number | null): boolean {
  if (typeof actual === "bigint" || typeof expected === "bigint") {
    return BigInt(actual) === BigInt(expected);
  }
  if (Number.isNaN(expected)) return Number.isNaN(actual);
  if (Number.isNaN(actual)) return false;
  if (!Number.isFinite(expected) || !Number.isFinite(actual)) return actual === expected;
  return Math.abs(actual - expected) <= tol.atol + tol.rtol * (scale ?? Math.abs(expected));
}

/** The largest finite magnitude among the expected values (the scale of norm-wise comparisons). */
function largestMagnitude(values: HostTensor["data"]): number {
  let largest = 0;
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]!);
    if (Number.isFinite(v)) largest = Math.max(largest, Math.abs(v));
  }
  return largest;
}

/**
 * Compares a result with its expected value: same dtype and shape, NaN where NaN is expected,
 * equal infinities, and finite values within the tolerance. Returns null when they match, else
 * a message naming the first differing elements.
 *
 * `normwise`: the relative part of the tolerance scales with the largest expected magnitude
 * rather than each element's own, the fair measure for sums of many terms, whose rounding error
 * is proportional to the size of the terms and not of a (possibly cancelled) result.
 */
export function describeMismatch(actual: HostTensor, expected: HostTensor, tol: Tolerance, normwise = false): string | null {
  if (actual.dtype !== expected.dtype) return `dtype ${actual.dtype}, expected ${expected.dtype}`;
  if (actual.shape.length !== expected.shape.length || actual.shape.some((s, i) => s !== expected.shape[i])) {
    return `shape ${formatShape(actual.shape)}, expected ${formatShape(expected.shape)}`;
  }
  if (actual.data.length !== expected.data.length) {
    return `${actual.data.length} elements, expected ${expected.data.length}`;
  }
  const bad: string[] = [];
  let count = 0;
  const scale = normwise ? largestMagnitude(expected.data) : null;
  for (let i = 0; i < expected.data.length; i++) {
    const a = actual.data[i]!;
    const e = expected.data[i]!;
    if (closeEnough(a, e, tol, scale)) continue;
    count++;
    if (bad.length < MAX_REPORTED) bad.push(`at ${position(expected.shape, i)}: got ${show(a)}, expected ${show(e)}`);
  }
  if (count === 0) return null;
  const limit =
    tol.rtol === 0 && tol.atol === 0 ? "exact" : `rtol ${tol.rtol}${scale !== null ? ` × max |expected| ${scale}` : ""}, atol ${tol.atol}`;
  return `${count} of ${expected.data.length} elements differ (${limit}): ${bad.join("; ")}${count > bad.length ? "; …" : ""}`;
}
