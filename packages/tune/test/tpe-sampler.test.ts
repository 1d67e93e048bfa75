import { beforeAll, describe, expect, it } from "vitest";
import { RandomSampler, TpeSampler, createStudy, defaultGamma, defaultWeights, floatDistribution, setLogLevel } from "../src/index.js";
import { median, shiftedSphere } from "./helpers/test-functions.js";

beforeAll(() => setLogLevel("silent"));

describe("TpeSampler", () => {
  it("uses Optuna's default split and weights", () => {
    expect([1, 10, 11, 100, 250, 1000].map(defaultGamma)).toEqual([1, 1, 2, 10, 25, 25]);
    expect(defaultWeights(3)).toEqual([1, 1, 1]);
    const weights = defaultWeights(30); // 5 ramped from 1/30 to 1, then 25 ones
    expect(weights.length).toBe(30);
    expect(weights[0]).toBeCloseTo(1 / 30, 15);
    expect(weights[4]).toBe(1);
    expect(weights.slice(5)).toEqual(new Array(25).fill(1));
  });

  it("multivariate mode samples the shared parameters jointly and beats random search", async () => {
    const best = async (sampler: (seed: number) => TpeSampler | RandomSampler) => {
      const values: number[] = [];
      for (let seed = 0; seed < 10; seed++) {
        const study = await createStudy({ sampler: sampler(seed) });
        await study.optimize(shiftedSphere.objective, { nTrials: 40 });
        values.push(study.bestValue);
      }
      return median(values);
    };
    const sampler = new TpeSampler({ seed: 0, multivariate: true });
    const study = await createStudy({ sampler });
    await study.optimize(shiftedSphere.objective, { nTrials: 3 });
    expect(Object.keys(sampler.inferRelativeSearchSpace(study))).toEqual(["x0", "x1", "x2", "x3"]);
    expect(await best((seed) => new TpeSampler({ seed, multivariate: true }))).toBeLessThan(await best((seed) => new RandomSampler({ seed })));
  });

  it("with a constant liar, concurrent proposals spread out instead of piling up", async () => {
    // 20 finished trials make x = 0.5 the obvious place to look; then 8 trials are asked at
    // once, as 8 parallel workers would. Running trials count as bad results for the liar.
    const spread = async (constantLiar: boolean, seed: number) => {
      const study = await createStudy({ sampler: new TpeSampler({ seed, constantLiar }) });
      for (let i = 0; i < 20; i++) {
        const x = i / 19;
        await study.addTrial({ value: (x - 0.5) ** 2, params: { x }, distributions: { x: floatDistribution("x", 0, 1) } });
      }
      const proposals: number[] = [];
      for (let k = 0; k < 8; k++) proposals.push((await study.ask()).suggestFloat("x", 0, 1));
      let distance = 0;
      for (const a of proposals) for (const b of proposals) distance += Math.abs(a - b);
      return distance / 64;
    };
    const seeds = Array.from({ length: 10 }, (_, seed) => seed);
    const withLiar = median(await Promise.all(seeds.map((seed) => spread(true, seed))));
    const without = median(await Promise.all(seeds.map((seed) => spread(false, seed))));
    expect(withLiar).toBeGreaterThan(1.5 * without);
  });

  it("rejects bad options by name", () => {
    expect(() => new TpeSampler({ nEiCandidates: 0 })).toThrow("TpeSampler: nEiCandidates must be a positive integer, got 0");
    expect(() => new TpeSampler({ kernelScoring: "area" as never })).toThrow(/kernelScoring must be "height" or "density"/);
  });
});
