/** Elementwise comparison of storage-format arrays with a readable failure message. */
import type { DType, TypedArray } from "@trek/tensor";
import { bfloat16BitsToFloat32, float16BitsToFloat32 } from "@trek/tensor";

export interface Tolerance {
  rtol: number;
  atol: number;
}

export const TOLERANCE: Partial<Record<DType, Tolerance>> = {
  float32: { rtol: 2e-6, atol: 1e-6 },
  float16: { rtol: 2e-3, atol: 1e-3 },
  bfloat16: { rtol: 1.6e-2, atol: 1e-2 },
};

function numbers(dtype: DType, data: TypedArray): number[] {
  const values = Array.from(data as ArrayLike<number | bigint>, (v) => v);
  if (dtype === "float16") return values.map((v) => float16BitsToFloat32(Number(v)));
  if (dtype === "bfloat16") return values.map((v) => bfloat16BitsToFloat32(Number(v)));
  return values.map((v) => Number(v));
}

/**
 * Returns a description of the first mismatches, or null when `actual` matches `expected`
 * (integers and bools exactly, floats within tolerance with NaN equal to NaN).
 */
export function mismatch(dtype: DType, actual: TypedArray, expected: TypedArray, tolerance?: Tolerance): string | null {
  if (actual.length !== expected.length) return `length ${actual.length} != ${expected.length}`;
  const problems: string[] = [];
  let count = 0;
  if (dtype === "int64") {
    const a = actual as BigInt64Array;
    const e = expected as BigInt64Array;
    for (let i = 0; i < a.length; i++) {
      if (a[i] !== e[i]) {
        count++;
        if (problems.length < 5) problems.push(`[${i}] got ${a[i]} expected ${e[i]}`);
      }
    }
  } else {
    const a = numbers(dtype, actual);
    const e = numbers(dtype, expected);
    const tol = tolerance ?? TOLERANCE[dtype] ?? { rtol: 0, atol: 0 };
    for (let i = 0; i < a.length; i++) {
      const x = a[i]!;
      const y = e[i]!;
      const ok = Number.isNaN(y) ? Number.isNaN(x) : x === y || Math.abs(x - y) <= tol.atol + tol.rtol * Math.abs(y);
      if (!ok) {
        count++;
        if (problems.length < 5) problems.push(`[${i}] got ${x} expected ${y}`);
      }
    }
  }
  return count === 0 ? null : `${count}/${actual.length} elements differ: ${problems.join(", ")}`;
}
