import { describe, expect, it } from "vitest";
import { SeededRandom } from "../src/index.js";

describe("SeededRandom", () => {
  it("produces the xoshiro128** sequence seeded through splitmix32", () => {
    // Reference values from an independent Python implementation of splitmix32 + xoshiro128**.
    const random = new SeededRandom(42);
    expect(Array.from({ length: 5 }, () => random.nextUint32())).toEqual([2837322924, 544945897, 479756282, 3500138142, 339756180]);
    const zero = new SeededRandom(0);
    expect(Array.from({ length: 3 }, () => zero.nextUint32())).toEqual([3809008728, 1133695204, 53579671]);
    expect(new SeededRandom(42).random()).toBeCloseTo(0.6606157208001621, 15);
  });

  it("is reproducible and differs between seeds", () => {
    const a = new SeededRandom(7);
    const b = new SeededRandom(7);
    const c = new SeededRandom(8);
    const sa = Array.from({ length: 10 }, () => a.random());
    expect(Array.from({ length: 10 }, () => b.random())).toEqual(sa);
    expect(Array.from({ length: 10 }, () => c.random())).not.toEqual(sa);
  });

  it("has the moments of U(0, 1) and N(0, 1)", () => {
    const random = new SeededRandom(1);
    const n = 100_000;
    let sum = 0;
    let sumSquares = 0;
    let normalSum = 0;
    let normalSquares = 0;
    let min = 1;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const u = random.random();
      min = Math.min(min, u);
      max = Math.max(max, u);
      sum += u;
      sumSquares += u * u;
      const z = random.normal();
      normalSum += z;
      normalSquares += z * z;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    // Standard errors: mean 1/sqrt(12 n) ≈ 0.0009; allow ~5 of them.
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(sumSquares / n - sum * sum / n / n - 1 / 12)).toBeLessThan(0.003);
    expect(Math.abs(normalSum / n)).toBeLessThan(0.016);
    expect(Math.abs(normalSquares / n - 1)).toBeLessThan(0.03);
  });

  it("draws weighted indices in proportion to the weights", () => {
    const random = new SeededRandom(3);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) counts[random.weightedIndex([1, 0, 3])]!++;
    expect(counts[1]).toBe(0);
    expect(counts[2]! / counts[0]!).toBeGreaterThan(2.7);
    expect(counts[2]! / counts[0]!).toBeLessThan(3.3);
  });

  it("rejects a non-finite seed", () => {
    expect(() => new SeededRandom(Number.NaN)).toThrow(/seed must be a finite number/);
  });
});
