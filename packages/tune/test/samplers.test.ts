import { beforeAll, describe, expect, it } from "vitest";
import {
  CmaEsSampler,
  GridSampler,
  NsgaIISampler,
  RandomSampler,
  type Sampler,
  TpeSampler,
  TrialState,
  createStudy,
  setLogLevel,
} from "../src/index.js";
import { median } from "./helpers/test-functions.js";

beforeAll(() => setLogLevel("silent"));

describe("RandomSampler", () => {
  it("samples each distribution uniformly on its own scale", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    await study.optimize((trial) => {
      trial.suggestFloat("lr", 1e-4, 1, { log: true });
      trial.suggestFloat("dropout", 0, 0.5, { step: 0.1 });
      trial.suggestInt("units", 8, 64, { step: 8 });
      trial.suggestCategorical("act", ["relu", "tanh", "gelu"]);
      return 0;
    }, { nTrials: 1000 });
    const values = (name: string) => study.trials.map((t) => t.params[name]);
    // Log-uniform on [1e-4, 1]: half the mass below 1e-2 (±0.05 is 3 standard errors).
    const belowHundredth = values("lr").filter((v) => (v as number) < 1e-2).length / 1000;
    expect(belowHundredth).toBeGreaterThan(0.45);
    expect(belowHundredth).toBeLessThan(0.55);
    // Stepped values stay on their grids and every grid point appears.
    expect(new Set(values("dropout"))).toEqual(new Set([0, 0.1, 0.2, 0.3, 0.4, 0.5]));
    expect(new Set(values("units"))).toEqual(new Set([8, 16, 24, 32, 40, 48, 56, 64]));
    expect(new Set(values("act"))).toEqual(new Set(["relu", "tanh", "gelu"]));
  });
});

describe("GridSampler", () => {
  it("visits every grid point once and then stops the study", async () => {
    const sampler = new GridSampler({ x: [-1, 0, 1], activation: ["relu", "tanh"] }, { seed: 0 });
    const study = await createStudy({ sampler });
    await study.optimize((trial) => trial.suggestFloat("x", -1, 1) + (trial.suggestCategorical("activation", ["relu", "tanh"]) === "relu" ? 0 : 10), { nTrials: 100 });
    expect(sampler.size).toBe(6);
    expect(study.trials.length).toBe(6);
    const points = study.trials.map((t) => `${t.params.x}/${t.params.activation}`).sort();
    expect(points).toEqual(["-1/relu", "-1/tanh", "0/relu", "0/tanh", "1/relu", "1/tanh"]);
    expect(study.bestParams).toEqual({ x: -1, activation: "relu" });
  });

  it("rejects parameters outside the grid by name", async () => {
    const study = await createStudy({ sampler: new GridSampler({ x: [0, 5] }) });
    await expect(study.optimize((trial) => trial.suggestFloat("y", 0, 1), { nTrials: 1 })).rejects.toThrow('GridSampler: parameter "y" is not in the grid (x)');
    const outside = await createStudy({ sampler: new GridSampler({ x: [5] }) });
    await expect(outside.optimize((trial) => trial.suggestFloat("x", 0, 1), { nTrials: 1 })).rejects.toThrow(/grid value 5 of "x" is not in float\(0, 1\)/);
  });
});

const sphere3 = (trial: { suggestFloat(name: string, low: number, high: number): number }) =>
  (trial.suggestFloat("a", -5, 5) - 1) ** 2 + (trial.suggestFloat("b", -5, 5) + 2) ** 2 + trial.suggestFloat("c", -5, 5) ** 2;

async function medianBest(makeSampler: (seed: number) => Sampler, seeds: number, nTrials: number): Promise<number> {
  const best: number[] = [];
  for (let seed = 0; seed < seeds; seed++) {
    const study = await createStudy({ sampler: makeSampler(seed) });
    await study.optimize(sphere3, { nTrials });
    best.push(study.bestValue);
  }
  return median(best);
}

describe("CmaEsSampler", () => {
  it("converges on a 3-D sphere far better than random search", async () => {
    const cma = await medianBest((seed) => new CmaEsSampler({ seed }), 5, 150);
    const random = await medianBest((seed) => new RandomSampler({ seed }), 5, 150);
    expect(cma).toBeLessThan(0.05);
    expect(cma).toBeLessThan(random / 10);
  });

  it("advances one generation per λ complete trials and tags trials with it", async () => {
    const sampler = new CmaEsSampler({ seed: 0, populationSize: 6 });
    const study = await createStudy({ sampler });
    await study.optimize(sphere3, { nTrials: 31 });
    // Trial 0 learns the search space; trials 1..30 are 5 generations of 6.
    expect(sampler.generation).toBe(4); // the update of generation 4 waits for trial 31's ask
    const generations = study.trials.slice(1).map((t) => t.systemAttrs["cmaes:generation"]);
    expect(generations).toEqual(Array.from({ length: 30 }, (_, i) => Math.floor(i / 6)));
  });
});

describe("multi-objective samplers", () => {
  // ZDT1 with 3 variables: the Pareto front is f2 = 1 − √f1 at x2 = x3 = 0.
  const zdt1 = (trial: { suggestFloat(name: string, low: number, high: number): number }): [number, number] => {
    const x1 = trial.suggestFloat("x1", 0, 1);
    const g = 1 + (9 * (trial.suggestFloat("x2", 0, 1) + trial.suggestFloat("x3", 0, 1))) / 2;
    return [x1, g * (1 - Math.sqrt(x1 / g))];
  };
  // Hypervolume against (1.1, 11) computed directly for two minimized objectives.
  const hypervolume = (points: number[][]) => {
    const sorted = points.filter(([a, b]) => a! < 1.1 && b! < 11).sort((p, q) => p[0]! - q[0]!);
    let volume = 0;
    let lastY = 11;
    for (const [x, y] of sorted) {
      if (y! >= lastY) continue;
      volume += (1.1 - x!) * (lastY - y!);
      lastY = y!;
    }
    return volume;
  };
  async function frontVolume(makeSampler: (seed: number) => Sampler, seed: number): Promise<number> {
    const study = await createStudy({ directions: ["minimize", "minimize"], sampler: makeSampler(seed) });
    await study.optimize(zdt1, { nTrials: 150 });
    const front = study.bestTrials;
    // Independent check of the front: no complete trial dominates a front member.
    for (const member of front) {
      for (const other of study.getTrials({ states: [TrialState.Complete] })) {
        const [a, b] = other.values!;
        const [c, d] = member.values!;
        expect(a! <= c! && b! <= d! && (a! < c! || b! < d!)).toBe(false);
      }
    }
    return hypervolume(front.map((t) => [...t.values!]));
  }

  it("NSGA-II and TPE find better Pareto fronts than random search on ZDT1", async () => {
    const seeds = [0, 1, 2];
    const nsga = median(await Promise.all(seeds.map((seed) => frontVolume((s) => new NsgaIISampler({ seed: s, populationSize: 20 }), seed))));
    const tpe = median(await Promise.all(seeds.map((seed) => frontVolume((s) => new TpeSampler({ seed: s }), seed))));
    const random = median(await Promise.all(seeds.map((seed) => frontVolume((s) => new RandomSampler({ seed: s }), seed))));
    expect(nsga).toBeGreaterThan(random);
    expect(tpe).toBeGreaterThan(random);
  });

  it("NSGA-II tags generations of populationSize complete trials", async () => {
    const study = await createStudy({ directions: ["minimize", "minimize"], sampler: new NsgaIISampler({ seed: 0, populationSize: 10 }) });
    await study.optimize(zdt1, { nTrials: 35 });
    const generations = study.trials.map((t) => t.systemAttrs["nsga2:generation"]);
    expect(generations).toEqual(Array.from({ length: 35 }, (_, i) => Math.floor(i / 10)));
  });
});
