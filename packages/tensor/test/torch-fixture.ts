/**
 * Reading the PyTorch fixtures of scripts/fixtures/torch_tensor_extras.py and torch_linalg.py and
 * comparing outputs with them: one `it` per function, |got − expected| ≤ tol · max(1, |expected|)
 * with tol per dtype (0, exact, for integers), NaN and ±inf matched exactly. With
 * TREK_PRINT_MAX_DIFF set, prints the largest relative difference per function and dtype.
 */
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { tensor, type DType, type Tensor } from "@trek/tensor";

export interface Encoded {
  dtype: string;
  shape: number[];
  data: (number | string | boolean)[];
}

export interface FixtureCase {
  fn: string;
  inputs: Encoded[];
  params: Record<string, unknown>;
  outputs: Encoded[];
}

export interface Fixture {
  torch: string;
  cases: FixtureCase[];
}

export function loadFixture(name: string): Fixture {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8")) as Fixture;
}

export const decodeValue = (v: number | string | boolean): number =>
  v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : Number(v);

export function decode(e: Encoded): Tensor {
  const data = e.data.map(decodeValue);
  const flat = e.dtype === "bool" ? tensor(data.map(Boolean), { dtype: "bool" }) : tensor(data, { dtype: e.dtype as DType });
  return flat.reshape(e.shape);
}

export interface FixtureSuite {
  title: string;
  fixture: Fixture;
  run: (c: FixtureCase) => Tensor[];
  /** Tolerance for a float dtype. */
  tolerance: (dtype: "float32" | "float64") => number;
  /** Adjusts the values read back before the comparison (e.g. aligning eigenvector signs). */
  align?: (c: FixtureCase, output: number, values: number[], expected: number[]) => number[];
}

export function describeFixture({ title, fixture, run, tolerance, align }: FixtureSuite): void {
  const maxDiff = new Map<string, number>();
  describe(`${title} vs PyTorch ${fixture.torch}`, () => {
    const groups = new Map<string, FixtureCase[]>();
    for (const c of fixture.cases) groups.set(c.fn, [...(groups.get(c.fn) ?? []), c]);
    for (const [fn, cases] of groups) {
      it(`${fn} (${cases.length} cases)`, () => {
        cases.forEach((c, n) => {
          const label = `${fn} case ${n} ${JSON.stringify(c.params)} inputs ${c.inputs.map((i) => `${i.dtype}[${i.shape}]`).join(", ")}`;
          const got = run(c);
          expect(got.length, label).toBe(c.outputs.length);
          c.outputs.forEach((want, k) => {
            const g = got[k]!;
            expect(g.dtype, `${label} output ${k} dtype`).toBe(want.dtype);
            expect([...g.shape], `${label} output ${k} shape`).toEqual(want.shape);
            const expected = want.data.map(decodeValue);
            let values = Array.from(g.dataSync() as ArrayLike<number | bigint | boolean>, Number);
            if (align) values = align(c, k, values, expected);
            const tol = want.dtype === "float32" || want.dtype === "float64" ? tolerance(want.dtype) : 0;
            values.forEach((v, i) => {
              const e = expected[i]!;
              if (Number.isNaN(e)) {
                expect(Number.isNaN(v), `${label} output ${k}[${i}]: expected NaN, got ${v}`).toBe(true);
                return;
              }
              if (!Number.isFinite(e)) {
                expect(v, `${label} output ${k}[${i}]`).toBe(e);
                return;
              }
              const diff = Math.abs(v - e);
              const key = `${fn} ${want.dtype}`;
              maxDiff.set(key, Math.max(maxDiff.get(key) ?? 0, diff / Math.max(1, Math.abs(e))));
              expect(diff, `${label} output ${k}[${i}]: got ${v}, expected ${e}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(e)));
            });
          });
        });
      });
    }
  });
  afterAll(() => {
    if (process.env.TREK_PRINT_MAX_DIFF) {
      for (const [k, v] of [...maxDiff.entries()].sort()) console.log(`max relative |Δ| ${k}: ${v.toExponential(2)}`);
    }
  });
}
