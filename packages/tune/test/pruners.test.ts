import { beforeAll, describe, expect, it } from "vitest";
import {
  HyperbandPruner,
  MedianPruner,
  NopPruner,
  PercentilePruner,
  type Pruner,
  RandomSampler,
  type StudyDirection,
  SuccessiveHalvingPruner,
  ThresholdPruner,
  createStudy,
  setLogLevel,
} from "../src/index.js";

beforeAll(() => setLogLevel("silent"));

/** A study with five complete trials: trial k (k = 1..5) reported k + (2 − s) at steps s = 0, 1, 2. */
async function studyWithHistory(pruner: Pruner, direction: StudyDirection = "minimize") {
  const study = await createStudy({ pruner, direction, sampler: new RandomSampler({ seed: 0 }) });
  for (let k = 1; k <= 5; k++) {
    await study.addTrial({ value: k, intermediateValues: { 0: k + 2, 1: k + 1, 2: k } });
  }
  return study;
}

describe("MedianPruner and PercentilePruner", () => {
  it("prune when the best value so far is worse than the median at the same step", async () => {
    const study = await studyWithHistory(new MedianPruner());
    // Median of the completed trials at step 2 is 3 (values 1..5).
    const bad = await study.ask();
    bad.report(3.5, 2);
    expect(bad.shouldPrune()).toBe(true);
    const good = await study.ask();
    good.report(2.5, 2);
    expect(good.shouldPrune()).toBe(false);
    // The trial's best value so far counts, not its latest one.
    const recovered = await study.ask();
    recovered.report(0.5, 0);
    recovered.report(3.5, 2);
    expect(recovered.shouldPrune()).toBe(false);
    const nan = await study.ask();
    nan.report(Number.NaN, 2);
    expect(nan.shouldPrune()).toBe(true);
  });

  it("respect startup trials, warm-up steps and intervals", async () => {
    const startup = await studyWithHistory(new MedianPruner({ nStartupTrials: 6 }));
    const a = await startup.ask();
    a.report(100, 2);
    expect(a.shouldPrune()).toBe(false); // only 5 complete trials
    const warm = await studyWithHistory(new MedianPruner({ nWarmupSteps: 3 }));
    const b = await warm.ask();
    b.report(100, 2);
    expect(b.shouldPrune()).toBe(false); // step 2 is inside the warm-up
    const interval = await studyWithHistory(new MedianPruner({ intervalSteps: 2 }));
    const c = await interval.ask();
    c.report(100, 1);
    expect(c.shouldPrune()).toBe(false); // only steps 0, 2, 4, … are checked
    c.report(100, 2);
    expect(c.shouldPrune()).toBe(true);
    const minimum = await studyWithHistory(new MedianPruner({ nMinTrials: 6 }));
    const d = await minimum.ask();
    d.report(100, 2);
    expect(d.shouldPrune()).toBe(false); // only 5 trials reported step 2
  });

  it("use the given percentile, mirrored for maximization", async () => {
    // 25th percentile of 1..5 with linear interpolation: 2.
    const quartile = await studyWithHistory(new PercentilePruner(25));
    const keep = await quartile.ask();
    keep.report(1.5, 2);
    expect(keep.shouldPrune()).toBe(false);
    const drop = await quartile.ask();
    drop.report(2.5, 2);
    expect(drop.shouldPrune()).toBe(true);
    // Maximizing, the best 25 % lie above the 75th percentile, 4.
    const maximize = await studyWithHistory(new PercentilePruner(25), "maximize");
    const low = await maximize.ask();
    low.report(3.5, 2);
    expect(low.shouldPrune()).toBe(true);
    const high = await maximize.ask();
    high.report(4.5, 2);
    expect(high.shouldPrune()).toBe(false);
  });

  it("reject bad options", () => {
    expect(() => new PercentilePruner(120)).toThrow("PercentilePruner: percentile must be in [0, 100], got 120");
    expect(() => new MedianPruner({ intervalSteps: 0 })).toThrow("PercentilePruner: intervalSteps must be a positive integer, got 0");
  });
});

describe("SuccessiveHalvingPruner", () => {
  it("promotes only the best 1/η of the trials that reached a rung", async () => {
    const study = await createStudy({ pruner: new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 }) });
    // Rungs at steps 1, 2, 4, …; at a rung with n values the best max(floor(n / 2), 1) go on.
    const t0 = await study.ask();
    t0.report(9, 0);
    expect(t0.shouldPrune()).toBe(false); // before the first rung
    t0.report(5, 1);
    expect(t0.shouldPrune()).toBe(false); // alone at rung 0
    expect(t0.systemAttrs.completedRung0).toBe(5);
    await study.tell(t0, 5);
    const t1 = await study.ask();
    t1.report(3, 1);
    expect(t1.shouldPrune()).toBe(false); // {3, 5}: best 1 is 3
    await study.tell(t1, 3);
    const t2 = await study.ask();
    t2.report(4, 1);
    expect(t2.shouldPrune()).toBe(true); // {3, 4, 5}: best 1 is 3
    expect(t2.systemAttrs.completedRung0).toBe(4);
    await study.tell(t2, 4);
    const t3 = await study.ask();
    t3.report(3.5, 1);
    expect(t3.shouldPrune()).toBe(false); // {3, 3.5, 4, 5}: best 2 are 3 and 3.5
    t3.report(2.5, 2);
    expect(t3.shouldPrune()).toBe(false); // alone at rung 1
    expect(t3.systemAttrs.completedRung1).toBe(2.5);
  });

  it("waits for a completed trial when minResource is auto", async () => {
    const study = await createStudy({ pruner: new SuccessiveHalvingPruner() });
    const trial = await study.ask();
    trial.report(1e9, 50);
    expect(trial.shouldPrune()).toBe(false);
  });
});

describe("HyperbandPruner", () => {
  it("builds floor(log_η(max/min)) + 1 brackets and fills the aggressive ones most", () => {
    const pruner = new HyperbandPruner({ minResource: 1, maxResource: 9, reductionFactor: 3 });
    expect(pruner.nBrackets).toBe(3);
    // Budgets ∝ ceil(3 · 3^s / (s + 1)) for s = 2, 1, 0: 9, 5, 3 out of 17.
    const counts = [0, 0, 0];
    for (let n = 0; n < 3400; n++) counts[pruner.bracketOf("study", n)]!++;
    expect(counts[0]! / 3400).toBeCloseTo(9 / 17, 1);
    expect(counts[1]! / 3400).toBeCloseTo(5 / 17, 1);
    expect(counts[2]! / 3400).toBeCloseTo(3 / 17, 1);
  });

  it("lets trials compete only within their bracket, whose first rung is at min · η^bracket", async () => {
    const pruner = new HyperbandPruner({ minResource: 1, maxResource: 9, reductionFactor: 3 });
    const study = await createStudy({ pruner, studyName: "hyperband" });
    const numbers = Array.from({ length: 60 }, (_, n) => n);
    const bracket0 = numbers.filter((n) => pruner.bracketOf("hyperband", n) === 0);
    const bracket2 = numbers.filter((n) => pruner.bracketOf("hyperband", n) === 2);
    const needed = Math.max(bracket0[1]!, bracket2[0]!) + 1;
    const trials = [];
    for (let n = 0; n < needed; n++) trials.push(await study.ask());
    // First trial of bracket 0 sets a good value at step 1; the second is worse and is pruned.
    const first = trials[bracket0[0]!]!;
    first.report(1, 1);
    expect(first.shouldPrune()).toBe(false);
    const second = trials[bracket0[1]!]!;
    second.report(5, 1);
    expect(second.shouldPrune()).toBe(true);
    // A bracket-2 trial has its first rung at step 9: no pruning before, whatever it reports.
    const patient = trials[bracket2[0]!]!;
    for (let step = 1; step < 9; step++) patient.report(100, step);
    expect(patient.shouldPrune()).toBe(false);
  });
});

describe("ThresholdPruner and NopPruner", () => {
  it("prune outside [lower, upper] and on NaN, after the warm-up", async () => {
    const study = await createStudy({ pruner: new ThresholdPruner({ lower: 0, upper: 10, nWarmupSteps: 2 }) });
    const cases: [number, number, boolean][] = [
      [100, 1, false], // warm-up
      [11, 2, true],
      [9, 2, false],
      [-1, 3, true],
      [Number.NaN, 2, true],
    ];
    for (const [value, step, expected] of cases) {
      const trial = await study.ask();
      trial.report(value, step);
      expect(trial.shouldPrune()).toBe(expected);
    }
    expect(() => new ThresholdPruner({})).toThrow("ThresholdPruner: give lower, upper or both");
    expect(() => new ThresholdPruner({ lower: 2, upper: 1 })).toThrow("ThresholdPruner: lower (2) must be <= upper (1)");
  });

  it("NopPruner never prunes", async () => {
    const study = await studyWithHistory(new NopPruner());
    const trial = await study.ask();
    trial.report(Number.NaN, 2);
    expect(trial.shouldPrune()).toBe(false);
  });
});
