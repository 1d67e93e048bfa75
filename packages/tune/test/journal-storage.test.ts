import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  JournalFileStorage,
  RetryFailedTrialCallback,
  TpeSampler,
  TrialState,
  createStudy,
  loadStudy,
  setLogLevel,
} from "../src/index.js";
import { FileLock } from "../src/storages/file-lock.js";
import { workerObjectiveValue } from "./helpers/worker-objective.js";
import { expectAtomicNumbering, expectConsistentStudy, startWorker } from "./helpers/workers.js";

let directory: string;
beforeAll(() => {
  setLogLevel("silent");
  directory = mkdtempSync(join(tmpdir(), "trek-tune-journal-"));
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe("JournalFileStorage", () => {
  it("replays everything a study wrote, NaN and infinities included", async () => {
    const path = join(directory, "replay.log");
    const study = await createStudy({ storage: new JournalFileStorage(path), studyName: "replay", sampler: new TpeSampler({ seed: 0 }) });
    await study.setUserAttr("owner", "tests");
    await study.optimize((trial) => {
      const x = trial.suggestFloat("x", -2, 2);
      trial.suggestCategorical("kind", ["a", "b", null]);
      trial.report(Number.NaN, 0);
      trial.report(-Infinity, 1);
      trial.setUserAttr("nested", { list: [1, "two", null] });
      return x * x;
    }, { nTrials: 12 });
    await study.storage.close();

    const reloaded = await loadStudy({ storage: `journal:${path}`, studyName: "replay" });
    expect(reloaded.userAttrs).toEqual({ owner: "tests" });
    expect(reloaded.trials.length).toBe(12);
    for (let i = 0; i < 12; i++) {
      const original = study.trials[i]!;
      const copy = reloaded.trials[i]!;
      expect(copy.params).toEqual(original.params);
      expect(copy.values).toEqual(original.values);
      expect(copy.datetimeStart).toEqual(original.datetimeStart);
      expect([...copy.intermediateValues]).toEqual([[0, Number.NaN], [1, -Infinity]]);
      expect(copy.userAttrs).toEqual({ nested: { list: [1, "two", null] } });
    }
    expect(reloaded.bestValue).toBe(study.bestValue);
  });

  it("ignores a torn last record and stays consistent after the next write", async () => {
    const path = join(directory, "torn.log");
    const first = await createStudy({ storage: new JournalFileStorage(path), studyName: "torn" });
    await first.optimize((trial) => trial.suggestFloat("x", 0, 1), { nTrials: 3 });
    const intact = readFileSync(path, "utf8");
    // A crash in the middle of a write leaves half a record without its newline.
    appendFileSync(path, '{"op":"setTrialUserAttr","trialId":0,"key":"lost","val');
    const reader = new JournalFileStorage(path);
    expect((await reader.getAllTrials(0)).length).toBe(3);
    // The next writer terminates the fragment; every reader then skips it the same way.
    const writer = await loadStudy({ storage: new JournalFileStorage(path), studyName: "torn" });
    await writer.optimize((trial) => trial.suggestFloat("x", 0, 1), { nTrials: 2 });
    const text = readFileSync(path, "utf8");
    expect(text.startsWith(intact)).toBe(true);
    expect(text).toContain('"val\n');
    for (const storage of [reader, new JournalFileStorage(path)]) {
      const trials = await storage.getAllTrials(0);
      expect(trials.map((t) => t.number)).toEqual([0, 1, 2, 3, 4]);
      expect(trials.every((t) => t.state === TrialState.Complete && !("lost" in t.userAttrs))).toBe(true);
    }
  });

  it("applies a complete record that only lacked its newline, for every reader alike", async () => {
    const path = join(directory, "newline.log");
    const study = await createStudy({ storage: new JournalFileStorage(path), studyName: "newline" });
    await study.optimize(() => 1, { nTrials: 1 });
    appendFileSync(path, JSON.stringify({ op: "setStudyUserAttr", studyId: 0, key: "late", value: true }));
    const early = new JournalFileStorage(path);
    expect(await early.getStudyUserAttrs(0)).toEqual({}); // an unterminated line is not read yet
    await new JournalFileStorage(path).setStudyUserAttr(0, "next", 1);
    expect(await early.getStudyUserAttrs(0)).toEqual({ late: true, next: 1 });
  });

  it("breaks a lock left by a dead process and waits for a live one", async () => {
    const path = join(directory, "locked.log");
    const storage = new JournalFileStorage(path);
    // A pid that is certainly dead: a child that has already exited.
    const deadPid = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout;
    writeFileSync(`${path}.lock`, JSON.stringify({ pid: Number(deadPid), host: (await import("node:os")).hostname(), token: "dead" }));
    const started = Date.now();
    await storage.createNewStudy(["minimize"], "after-crash");
    expect(Date.now() - started).toBeLessThan(2000);

    // A live owner (our parent process) keeps the lock: a writer waits, then times out clearly.
    const lockPath = join(directory, "live.lock");
    writeFileSync(lockPath, JSON.stringify({ pid: process.ppid, host: (await import("node:os")).hostname(), token: "live" }));
    const lock = new FileLock(lockPath, { timeoutSeconds: 0.3 });
    await expect(lock.run(() => 1)).rejects.toThrow(/could not lock .*live.lock within 0.3 s/);
    rmSync(lockPath);
    expect(await lock.run(() => 2)).toBe(2);
  });

  it("4 processes creating trials at full speed get unique, gap-free numbers", async () => {
    const path = join(directory, "numbers.log");
    const storage = new JournalFileStorage(path);
    await storage.createNewStudy(["minimize"], "numbers");
    await expectAtomicNumbering({ storage: `journal:${path}`, studyName: "numbers", heartbeatInterval: 60, gracePeriod: 120 }, 100, () => storage.getAllTrials(0));
  }, 60_000);

  it("4 worker processes share a study; a worker killed mid-trial leaves it consistent", async () => {
    const path = join(directory, "shared.log");
    const heartbeat = { heartbeatInterval: 0.25, gracePeriod: 2, failedTrialCallback: new RetryFailedTrialCallback({ maxRetry: 1 }).callback };
    const study = await createStudy({ storage: new JournalFileStorage(path, heartbeat), studyName: "shared" });
    const common = { storage: `journal:${path}`, studyName: "shared", heartbeatInterval: 0.25, gracePeriod: 2 };
    const workers = [
      startWorker({ ...common, workerId: 0, nTrials: 10, hangAfter: 2 }),
      ...[1, 2, 3].map((workerId) => startWorker({ ...common, workerId, nTrials: 12 })),
    ];
    const hanging = await workers[0]!.waitFor((event) => typeof event.hanging === "number", 60_000);
    workers[0]!.child.kill("SIGKILL");
    const killedAt = Date.now();
    const results = await Promise.all(workers.map((worker) => worker.exited));
    expect(results[0]!.signal).toBe("SIGKILL");
    for (const result of results.slice(1)) expect(result.code, result.stderr).toBe(0);

    // Past the grace period any process notices the silent trial; the retry then runs once.
    await sleep(Math.max(0, 2200 - (Date.now() - killedAt)));
    await study.failStaleTrials();
    await study.refresh();
    const parentRunsRetry = study.trials.some((t) => t.state === TrialState.Waiting);
    if (parentRunsRetry) {
      await study.optimize(async (trial) => workerObjectiveValue(trial.suggestFloat("x", -5, 5), trial.suggestInt("n", 0, 10), trial.suggestCategorical("kind", ["a", "b"])), { nTrials: 1 });
    }
    const reloaded = await loadStudy({ storage: new JournalFileStorage(path), studyName: "shared" });
    const reported = workers.map((worker) => worker.events.filter((e) => typeof e.completed === "number" && e.state === "complete").map((e) => e.completed as number));
    expect(reported[0]!.length).toBe(2);
    expectConsistentStudy(reloaded.trials, reported, hanging.hanging as number);
    // The killed worker's 2 trials and the one it hung in, the survivors' 36 (the retry may be one
    // of them), and the retry if this process ran it.
    expect(reloaded.trials.length).toBe(2 + 1 + 3 * 12 + (parentRunsRetry ? 1 : 0));
  }, 90_000);
});
