/** Shared helpers of the backend-cpu tests: seeded data and closeness checks with useful messages. */
import { expect } from "vitest";

/** Deterministic uniform numbers in [lo, hi) (xorshift32), so failures reproduce. */
export function seeded(n: number, seed = 1, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = lo + ((s >>> 8) / 16777216) * (hi - lo);
  }
  return out;
}

/** Expects |a − e| ≤ atol + rtol·|e| elementwise (NaNs must match), naming the first failure. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 1e-5, atol = 1e-6, what = ""): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let bad = -1;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e) || Number.isNaN(a)) {
      if (Number.isNaN(e) !== Number.isNaN(a) && bad < 0) bad = i;
      continue;
    }
    if (a === e) continue;
    const err = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (err > worst) {
      worst = err;
      bad = i;
    }
  }
  if (bad >= 0) {
    expect.fail(`${what}: element ${bad} is ${actual[bad]}, expected ${expected[bad]} (rtol ${rtol}, atol ${atol})`);
  }
}
