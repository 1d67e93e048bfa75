import { setTimeout as sleep } from "node:timers/promises";
import { beforeAll, describe, expect, it } from "vitest";
import {
  NopPruner,
  RandomSampler,
  TpeSampler,
  TrialFinishedError,
  TrialPruned,
  TrialState,
  createStudy,
  deleteStudy,
  floatDistribution,
  getAllStudySummaries,
  InMemoryStorage,
  loadStudy,
  setLogLevel,
  DuplicatedStudyError,
} from "../src/index.js";

beforeAll(() => setLogLevel("silent"));

describe("Study", () => {
  it("optimizes a quadratic and reports the best trial", async () => {
    const study = await createStudy({ sampler: new TpeSampler({ seed: 1 }) });
    await study.optimize((trial) => (trial.suggestFloat("x", -10, 10) - 3) ** 2, { nTrials: 60 });
    expect(study.trials.length).toBe(60);
    expect(study.trials.map((t) => t.number)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(study.trials.every((t) => t.state === TrialState.Complete)).toBe(true);
    // bestValue is (x - 3)^2 of the best trial, and no trial is better.
    expect(study.bestValue).toBeCloseTo(((study.bestParams.x as number) - 3) ** 2, 12);
    expect(Math.min(...study.trials.map((t) => t.value!))).toBe(study.bestValue);
    expect(study.bestValue).toBeLessThan(0.05);
  });

  it("maximizes when asked", async () => {
    const study = await createStudy({ direction: "maximize", sampler: new RandomSampler({ seed: 2 }) });
    await study.optimize((trial) => trial.suggestFloat("x", 0, 1), { nTrials: 20 });
    expect(study.bestValue).toBe(Math.max(...study.trials.map((t) => t.value!)));
  });

  it("is reproducible with a seeded sampler", async () => {
    const run = async () => {
      const study = await createStudy({ sampler: new TpeSampler({ seed: 11 }) });
      await study.optimize((trial) => {
        const kind = trial.suggestCategorical("kind", ["a", "b"]);
        return kind === "a" ? trial.suggestFloat("x", -1, 1) ** 2 : trial.suggestInt("n", 0, 10) / 10;
      }, { nTrials: 30 });
      return study.trials.map((t) => t.params);
    };
    expect(await run()).toEqual(await run());
  });

  it("supports conditional search spaces", async () => {
    const study = await createStudy({ sampler: new TpeSampler({ seed: 3, nStartupTrials: 5 }) });
    await study.optimize((trial) => {
      const model = trial.suggestCategorical("model", ["linear", "tree"]);
      if (model === "linear") return 1 + trial.suggestFloat("alpha", 1e-4, 1, { log: true });
      return trial.suggestInt("depth", 1, 8) / 8;
    }, { nTrials: 40 });
    for (const trial of study.trials) {
      const keys = Object.keys(trial.params).sort();
      expect(keys).toEqual(trial.params.model === "linear" ? ["alpha", "model"] : ["depth", "model"]);
    }
    // "tree" reaches 1/8 while "linear" is always > 1: TPE should settle on trees.
    expect(study.bestParams.model).toBe("tree");
    const lastTen = study.trials.slice(-10).filter((t) => t.params.model === "tree").length;
    expect(lastTen).toBeGreaterThanOrEqual(7);
  });

  it("ask and tell", async () => {
    const study = await createStudy();
    const trial = await study.ask({ x: floatDistribution("x", 0, 1) });
    expect(typeof trial.params.x).toBe("number");
    trial.setUserAttr("note", "hand-run");
    const frozen = await study.tell(trial, 0.5);
    expect(frozen.state).toBe(TrialState.Complete);
    expect(frozen.value).toBe(0.5);
    expect(frozen.userAttrs).toEqual({ note: "hand-run" });
    await expect(study.tell(trial, 0.4)).rejects.toThrow(TrialFinishedError);
    expect((await study.tell(trial, 0.4, { skipIfFinished: true })).value).toBe(0.5);
    expect(() => trial.suggestFloat("y", 0, 1)).toThrow(TrialFinishedError);

    const second = await study.ask();
    second.report(3, 0);
    second.report(2, 1);
    const pruned = await study.tell(second.number, undefined, { state: TrialState.Pruned });
    expect(pruned.state).toBe(TrialState.Pruned);
    expect(pruned.value).toBe(2); // last intermediate value
    const third = await study.ask();
    expect((await study.tell(third, undefined, { state: TrialState.Fail })).state).toBe(TrialState.Fail);
  });

  it("runs enqueued trials first with their fixed parameters", async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 4 }) });
    await study.enqueueTrial({ x: 0.25, kind: "b" }, { userAttrs: { source: "manual" } });
    await study.enqueueTrial({ x: 0.75 });
    await study.enqueueTrial({ x: 0.25, kind: "b" }, { skipIfExists: true }); // duplicate: skipped
    expect(study.trials.map((t) => t.state)).toEqual([TrialState.Waiting, TrialState.Waiting]);
    await study.optimize((trial) => {
      const x = trial.suggestFloat("x", 0, 1);
      return trial.suggestCategorical("kind", ["a", "b"]) === "a" ? x : -x;
    }, { nTrials: 3 });
    expect(study.trials.length).toBe(3);
    expect(study.trials[0]!.params).toEqual({ x: 0.25, kind: "b" });
    expect(study.trials[0]!.userAttrs).toEqual({ source: "manual" });
    expect(study.trials[1]!.params.x).toBe(0.75);
    expect(study.trials[0]!.value).toBe(-0.25);
  });

  it("honours timeout", async () => {
    const study = await createStudy();
    const started = Date.now();
    await study.optimize(async (trial) => {
      await sleep(40);
      return trial.suggestFloat("x", 0, 1);
    }, { timeout: 0.3 });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(300);
    expect(elapsed).toBeLessThan(3000); // the last trial may start just before the deadline
    expect(study.trials.length).toBeGreaterThanOrEqual(2);
    expect(study.trials.length).toBeLessThanOrEqual(9);
  });

  it("runs nJobs async trials concurrently with unique numbers", async () => {
    const study = await createStudy({ sampler: new TpeSampler({ seed: 5, constantLiar: true }) });
    let running = 0;
    let maxRunning = 0;
    await study.optimize(async (trial) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      const x = trial.suggestFloat("x", -1, 1);
      await sleep(5);
      running--;
      return x * x;
    }, { nTrials: 24, nJobs: 4 });
    expect(maxRunning).toBe(4);
    expect(study.trials.length).toBe(24);
    expect(new Set(study.trials.map((t) => t.number)).size).toBe(24);
    expect(study.trials.every((t) => t.state === TrialState.Complete)).toBe(true);
  });

  it("calls callbacks after each trial and stops on request", async () => {
    const study = await createStudy();
    const seen: number[] = [];
    await study.optimize((trial) => trial.suggestFloat("x", 0, 1), {
      nTrials: 100,
      callbacks: [
        (s, frozen) => {
          seen.push(frozen.number);
          if (frozen.number === 4) s.stop();
        },
      ],
    });
    expect(seen).toEqual([0, 1, 2, 3, 4]);
  });

  it("records pruned trials from TrialPruned with the last reported value", async () => {
    const study = await createStudy({ pruner: new NopPruner() });
    await study.optimize((trial) => {
      const x = trial.suggestFloat("x", 0, 1);
      trial.report(x + 1, 0);
      trial.report(x + 2, 1);
      if (trial.number % 2 === 1) throw new TrialPruned();
      return x;
    }, { nTrials: 4 });
    expect(study.trials.map((t) => t.state)).toEqual(["complete", "pruned", "complete", "pruned"]);
    const pruned = study.trials[1]!;
    expect(pruned.value).toBe((pruned.params.x as number) + 2);
    expect([...pruned.intermediateValues]).toEqual([[0, (pruned.params.x as number) + 1], [1, (pruned.params.x as number) + 2]]);
  });

  it("keeps user attributes on studies and trials", async () => {
    const storage = new InMemoryStorage();
    const study = await createStudy({ storage, studyName: "attrs" });
    await study.setUserAttr("dataset", "mnist");
    await study.optimize((trial) => {
      trial.setUserAttr("accuracy", 0.9);
      return 1;
    }, { nTrials: 1 });
    const loaded = await loadStudy({ storage, studyName: "attrs" });
    expect(loaded.userAttrs).toEqual({ dataset: "mnist" });
    expect(loaded.trials[0]!.userAttrs).toEqual({ accuracy: 0.9 });
  });

  it("creates, loads, lists and deletes studies by name", async () => {
    const storage = new InMemoryStorage();
    await createStudy({ storage, studyName: "a" });
    await expect(createStudy({ storage, studyName: "a" })).rejects.toThrow(DuplicatedStudyError);
    const again = await createStudy({ storage, studyName: "a", loadIfExists: true });
    expect(again.studyName).toBe("a");
    await createStudy({ storage, studyName: "b", directions: ["minimize", "maximize"] });
    expect((await getAllStudySummaries(storage)).map((s) => [s.studyName, s.directions])).toEqual([
      ["a", ["minimize"]],
      ["b", ["minimize", "maximize"]],
    ]);
    await deleteStudy({ storage, studyName: "a" });
    await expect(loadStudy({ storage, studyName: "a" })).rejects.toThrow('no study named "a"');
    expect((await loadStudy({ storage })).studyName).toBe("b");
  });

  it("finds the Pareto front of a multi-objective study", async () => {
    const study = await createStudy({ directions: ["minimize", "maximize"] });
    const points: [number, number][] = [[1, 1], [2, 3], [3, 3], [0.5, 0], [2, 2.5], [4, 5]];
    for (const values of points) await study.addTrial({ values });
    // Minimize the first, maximize the second: (1,1) vs (0.5,0) incomparable; (2,3) beats (3,3)
    // and (2,2.5); (4,5) is best on the second. Front: (0.5,0), (1,1), (2,3), (4,5).
    expect(study.bestTrials.map((t) => t.values).sort((a, b) => a![0]! - b![0]!)).toEqual([[0.5, 0], [1, 1], [2, 3], [4, 5]]);
    expect(() => study.bestTrial).toThrow(/2 objectives/);
  });

  it("exports trials as CSV and JSON", async () => {
    const study = await createStudy({ studyName: "export" });
    await study.addTrial({ value: 0.5, params: { lr: 0.01, act: "relu" }, distributions: { lr: floatDistribution("lr", 1e-4, 1, { log: true }), act: { type: "categorical", choices: ["relu", "tanh, or \"x\""] } }, userAttrs: { note: "first" } });
    await study.addTrial({ value: 0.25, params: { lr: 0.1, act: "tanh, or \"x\"" }, distributions: { lr: floatDistribution("lr", 1e-4, 1, { log: true }), act: { type: "categorical", choices: ["relu", "tanh, or \"x\""] } } });
    const lines = study.toCsv().trimEnd().split("\r\n");
    expect(lines[0]).toBe("number,value,datetime_start,datetime_complete,duration,params_act,params_lr,user_attrs_note,state,fail_reason");
    const first = lines[1]!.split(",");
    expect(first[0]).toBe("0");
    expect(first[1]).toBe("0.5");
    expect(first.slice(5)).toEqual(["relu", "0.01", "first", "complete", ""]);
    expect(lines[2]).toContain(',"tanh, or ""x""",0.1,,complete,');
    const json = JSON.parse(study.toJson());
    expect(json.studyName).toBe("export");
    expect(json.trials.map((t: { params: unknown }) => t.params)).toEqual([{ lr: 0.01, act: "relu" }, { lr: 0.1, act: "tanh, or \"x\"" }]);
    expect(json.trials[1].values).toEqual([0.25]);
  });
});
