import { beforeAll, describe, expect, it } from "vitest";
import {
  DistributionMismatchError,
  InvalidDistributionError,
  RandomSampler,
  TrialState,
  createStudy,
  setLogLevel,
} from "../src/index.js";

beforeAll(() => setLogLevel("silent"));

async function firstTrial() {
  const study = await createStudy({ sampler: new RandomSampler({ seed: 0 }) });
  return { study, trial: await study.ask() };
}

describe("bad input", () => {
  it("low > high names the parameter and both bounds", async () => {
    const { trial } = await firstTrial();
    expect(() => trial.suggestFloat("lr", 1, 0.1)).toThrow(InvalidDistributionError);
    expect(() => trial.suggestFloat("lr", 1, 0.1)).toThrow('suggestFloat("lr"): low (1) must be <= high (0.1)');
    expect(() => trial.suggestInt("layers", 5, 2)).toThrow('suggestInt("layers"): low (5) must be <= high (2)');
  });

  it("a log range with low <= 0 is rejected", async () => {
    const { trial } = await firstTrial();
    expect(() => trial.suggestFloat("lr", 0, 1, { log: true })).toThrow('suggestFloat("lr"): a log range needs low > 0, got low = 0');
    expect(() => trial.suggestFloat("lr", -1, 1, { log: true })).toThrow(InvalidDistributionError);
    expect(() => trial.suggestInt("units", 0, 64, { log: true })).toThrow('suggestInt("units"): a log range needs low >= 1, got low = 0');
  });

  it("other impossible distributions are rejected", async () => {
    const { trial } = await firstTrial();
    expect(() => trial.suggestFloat("x", 0.1, 1, { log: true, step: 0.1 })).toThrow(/cannot be combined with log/);
    expect(() => trial.suggestFloat("x", 0, 1, { step: 0 })).toThrow(/step must be a positive number, got 0/);
    expect(() => trial.suggestFloat("x", Number.NaN, 1)).toThrow(/low must be a finite number/);
    expect(() => trial.suggestInt("n", 0.5, 3)).toThrow(/low must be an integer, got 0.5/);
    expect(() => trial.suggestCategorical("c", [])).toThrow(/choices must be a non-empty array/);
    expect(() => trial.suggestCategorical("c", ["a", "a"])).toThrow(/duplicate choice "a"/);
  });

  it("re-suggesting a name with a different distribution in a trial throws a named error", async () => {
    const { trial } = await firstTrial();
    const x = trial.suggestFloat("x", 0, 1);
    expect(trial.suggestFloat("x", 0, 1)).toBe(x); // same distribution: same value
    expect(() => trial.suggestFloat("x", 0, 2)).toThrow(DistributionMismatchError);
    expect(() => trial.suggestFloat("x", 0, 2)).toThrow('parameter "x" was already suggested as float(0, 1) and cannot be suggested again as float(0, 2)');
    expect(() => trial.suggestInt("x", 0, 1)).toThrow(DistributionMismatchError);
  });

  it("a name cannot change its kind or categorical choices across trials", async () => {
    const { study, trial } = await firstTrial();
    trial.suggestFloat("x", 0, 1);
    trial.suggestCategorical("act", ["relu", "tanh"]);
    await study.tell(trial, 1);
    const next = await study.ask();
    expect(next.suggestFloat("x", 0, 5)).toBeLessThanOrEqual(5); // a new range is fine
    expect(() => next.suggestInt("x2", 0, 1)).not.toThrow();
    const third = await study.ask();
    expect(() => third.suggestCategorical("x", [1, 2])).toThrow(/a name keeps its kind/);
    expect(() => third.suggestCategorical("act", ["relu", "gelu"])).toThrow(/categorical choices cannot change/);
  });

  it("an objective returning NaN fails the trial and stores the reason", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 0 }) });
    await study.optimize((trial) => (trial.suggestFloat("x", 0, 1) > 2 ? 0 : Number.NaN), { nTrials: 2 });
    expect(study.trials.map((t) => t.state)).toEqual([TrialState.Fail, TrialState.Fail]);
    expect(study.trials[0]!.systemAttrs.failReason).toBe("the objective returned NaN");
    expect(study.trials[0]!.values).toBeNull();
  });

  it("an objective returning the wrong type or number of values fails the trial with the reason", async () => {
    const study = await createStudy({ directions: ["minimize", "maximize"] });
    await study.optimize(() => 1, { nTrials: 1 });
    await study.optimize(() => "oops" as unknown as number, { nTrials: 1 });
    await study.optimize(() => [1, Number.NaN], { nTrials: 1 });
    expect(study.trials.map((t) => t.systemAttrs.failReason)).toEqual([
      "the objective returned 1 values but the study has 2 objective(s)",
      'the objective returned "oops", not a number array',
      "the objective returned NaN",
    ]);
  });

  it("an exception fails the trial with its message and is rethrown unless caught", async () => {
    class Flaky extends Error {}
    const study = await createStudy();
    await expect(study.optimize(() => { throw new Error("boom"); }, { nTrials: 3 })).rejects.toThrow("boom");
    expect(study.trials.length).toBe(1);
    expect(study.trials[0]!.state).toBe(TrialState.Fail);
    expect(study.trials[0]!.systemAttrs.failReason).toBe("Error: boom");
    await study.optimize(() => { throw new Flaky("retry me"); }, { nTrials: 2, catch: [Flaky] });
    expect(study.trials.map((t) => t.state)).toEqual([TrialState.Fail, TrialState.Fail, TrialState.Fail]);
  });

  it("bad study and optimize options are named", async () => {
    await expect(createStudy({ direction: "up" as never })).rejects.toThrow('direction must be "minimize" or "maximize", got "up"');
    await expect(createStudy({ direction: "minimize", directions: ["minimize"] })).rejects.toThrow(/either direction or directions/);
    const study = await createStudy();
    await expect(study.optimize(() => 0, { nTrials: -1 })).rejects.toThrow("optimize: nTrials must be a non-negative integer, got -1");
    await expect(study.optimize(() => 0, { nJobs: 0 })).rejects.toThrow("optimize: nJobs must be a positive integer, got 0");
    await expect(createStudy({ storage: "mysql://x" })).rejects.toThrow(/unsupported storage URL "mysql:\/\/x"/);
  });
});
