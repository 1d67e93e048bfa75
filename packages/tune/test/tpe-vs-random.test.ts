import { beforeAll, describe, expect, it } from "vitest";
import { RandomSampler, type Sampler, TpeSampler, createStudy, setLogLevel } from "../src/index.js";
import { TEST_FUNCTIONS, type TestFunction, median } from "./helpers/test-functions.js";

const SEEDS = 20;
const BUDGET = 60;

beforeAll(() => setLogLevel("silent"));

async function medianBest(fn: TestFunction, makeSampler: (seed: number) => Sampler): Promise<number> {
  const gaps: number[] = [];
  for (let seed = 0; seed < SEEDS; seed++) {
    const study = await createStudy({ sampler: makeSampler(seed) });
    await study.optimize(fn.objective, { nTrials: BUDGET });
    gaps.push(study.bestValue - fn.optimum);
  }
  return median(gaps);
}

// The fuller comparison (with Optuna) is benchmarks/tune/tpe-vs-optuna.ts.
describe(`TPE beats random search at ${BUDGET} trials (median over ${SEEDS} seeds)`, () => {
  for (const fn of TEST_FUNCTIONS) {
    it(fn.name, async () => {
      const tpe = await medianBest(fn, (seed) => new TpeSampler({ seed }));
      const random = await medianBest(fn, (seed) => new RandomSampler({ seed }));
      expect(tpe).toBeLessThan(random);
    });
  }
});
