import { describe, expect, it } from "vitest";
import { erfc, logNormalCdf, logNormalMass, normalCdf } from "../src/samplers/normal-distribution.js";

// Reference values from Python's math.erfc (log Φ(z) = log(erfc(−z/√2) / 2)).
const LOG_CDF: [number, number][] = [
  [-37.99, -726.1770031890929],
  [-20.3, -209.97697152524202],
  [-8.5, -39.197396428217665],
  [-3.3, -7.634616148071127],
  [-1.01, -1.8563130623431785],
  [-0.5, -1.1759117615936188],
  [-0.01, -0.7011578934443701],
  [0, -0.6931471805599453],
  [0.7, -0.2770239422771313],
  [2.2, -0.014001005759384564],
  [6, -9.865876450376946e-10], // log1p(−Φ(−6)); Python's log(erfc(−6/√2)/2) loses digits here
];

describe("normal distribution helpers", () => {
  it("erfc matches Python's math.erfc", () => {
    expect(erfc(0.5)).toBeCloseTo(0.4795001221869535, 14);
    expect(erfc(3) / 2.2090496998585438e-5).toBeCloseTo(1, 12);
    expect(erfc(10) / 2.088487583762545e-45).toBeCloseTo(1, 12);
    expect(erfc(-1)).toBeCloseTo(1.842700792949715, 14);
  });

  it("log Φ is accurate from the far lower tail to the upper tail", () => {
    for (const [z, expected] of LOG_CDF) expect(Math.abs(logNormalCdf(z) - expected) / Math.max(1e-9, Math.abs(expected))).toBeLessThan(1e-9);
    // Beyond the table: log φ(z) − log(−z) + log(1 − 1/z² + 3/z⁴ − …) at z = −40.
    const z = -40;
    expect(logNormalCdf(z)).toBeCloseTo(-0.5 * z * z - 0.5 * Math.log(2 * Math.PI) - Math.log(40) + Math.log(1 - 1 / 1600 + 3 / 1600 ** 2), 7);
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021048517795, 10);
  });

  it("log-mass of an interval has no cancellation", () => {
    expect(logNormalMass(-0.5, 1)).toBeCloseTo(-0.6295956325528635, 11);
    expect(logNormalMass(9, 9.5)).toBeCloseTo(-43.637491414572416, 8);
    expect(logNormalMass(-9.5, -9)).toBeCloseTo(-43.637491414572416, 8);
    expect(logNormalMass(0.2999, 0.3)).toBeCloseTo(-10.174263906811142, 7);
    expect(logNormalMass(1, 1)).toBe(-Infinity);
  });
});
