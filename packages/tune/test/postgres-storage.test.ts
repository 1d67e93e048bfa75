import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  PostgresStorage,
  RetryFailedTrialCallback,
  StorageError,
  TrialFinishedError,
  TrialState,
  TpeSampler,
  createStudy,
  floatDistribution,
  loadStudy,
  setLogLevel,
} from "../src/index.js";
import { type PostgresServer, findPostgres, startPostgres } from "./helpers/postgres-server.js";
import { workerObjectiveValue } from "./helpers/worker-objective.js";
import { expectAtomicNumbering, expectConsistentStudy, startWorker } from "./helpers/workers.js";

const postgres = findPostgres();
if (!postgres.available) console.warn(`[@trek/tune] PostgreSQL storage tests skipped: ${postgres.reason}`);

describe.skipIf(!postgres.available)("PostgresStorage (real server on loopback)", () => {
  let server: PostgresServer;
  let databaseCount = 0;
  const storages: PostgresStorage[] = [];

  /** A fresh, empty database on the test server. */
  async function freshDatabase(): Promise<string> {
    const name = `tune_${databaseCount++}`;
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    await client.query(`CREATE DATABASE ${name}`);
    await client.end();
    return server.urlFor(name);
  }

  function open(url: string, options: ConstructorParameters<typeof PostgresStorage>[1] = {}): PostgresStorage {
    const storage = new PostgresStorage(url, options);
    storages.push(storage);
    return storage;
  }

  beforeAll(async () => {
    setLogLevel("silent");
    if (postgres.available) server = await startPostgres(postgres.binDir);
  });

  afterAll(async () => {
    await Promise.all(storages.map((storage) => storage.close().catch(() => undefined)));
    server?.stop();
  });

  it("migrates a new database in order, once, even with concurrent first connections", async () => {
    const url = await freshDatabase();
    const concurrent = [0, 1, 2, 3].map(() => open(url));
    expect(await Promise.all(concurrent.map((storage) => storage.schemaVersion()))).toEqual([2, 2, 2, 2]);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query("SELECT version, description FROM schema_version ORDER BY applied_at, version");
    expect(rows.map((row) => row.version)).toEqual([1, 2]);
    // A database written by a newer version is refused with a clear error.
    await client.query("INSERT INTO schema_version (version, description) VALUES (99, 'from the future')");
    await client.end();
    const newer = open(url);
    await expect(newer.getAllStudies()).rejects.toThrow(StorageError);
    await expect(newer.getAllStudies()).rejects.toThrow(/schema is at version 99, newer than this @trek\/tune understands \(2\)/);
  });

  it("stores and reloads studies exactly", async () => {
    const url = await freshDatabase();
    const study = await createStudy({ storage: open(url), studyName: "roundtrip", sampler: new TpeSampler({ seed: 2 }) });
    await study.setUserAttr("owner", { team: "tune" });
    await study.optimize((trial) => {
      const lr = trial.suggestFloat("lr", 1e-5, 1, { log: true });
      const units = trial.suggestInt("units", 8, 128, { step: 8 });
      const act = trial.suggestCategorical("act", ["relu", true, 3, null]);
      trial.report(Number.NaN, 0);
      trial.report(Infinity, 1);
      trial.report(lr / 3, 2);
      trial.setUserAttr("act", act);
      return Math.log10(lr) ** 2 + units / 1000;
    }, { nTrials: 15 });
    const copy = await loadStudy({ storage: open(url), studyName: "roundtrip" });
    expect(copy.directions).toEqual(["minimize"]);
    expect(copy.userAttrs).toEqual({ owner: { team: "tune" } });
    expect(copy.trials.length).toBe(15);
    for (const [i, trial] of copy.trials.entries()) {
      const original = study.trials[i]!;
      expect(trial.params).toEqual(original.params);
      expect(trial.values).toEqual(original.values); // doubles survive bit for bit
      expect(trial.distributions).toEqual(original.distributions);
      expect([...trial.intermediateValues].sort((a, b) => a[0] - b[0])).toEqual([[0, Number.NaN], [1, Infinity], [2, (original.params.lr as number) / 3]]);
      expect(trial.userAttrs).toEqual({ act: original.params.act });
    }
    expect(copy.bestValue).toBe(study.bestValue);
    const finished = copy.trials[0]!;
    await expect(copy.storage.setTrialParam(finished.trialId, "late", 1, floatDistribution("late", 0, 1))).rejects.toThrow(TrialFinishedError);
    await expect(copy.storage.setTrialState(finished.trialId, TrialState.Complete, [0])).rejects.toThrow(/already finished \(complete\)/);
  });

  it("hands each enqueued trial to one worker", async () => {
    const url = await freshDatabase();
    const study = await createStudy({ storage: open(url), studyName: "queue" });
    for (let i = 0; i < 10; i++) await study.enqueueTrial({ x: i });
    const claimers = [0, 1, 2, 3].map(() => open(url));
    const studyId = study.studyId;
    const claimed = (await Promise.all(claimers.map(async (storage) => {
      const mine: number[] = [];
      for (;;) {
        const trial = await storage.claimWaitingTrial(studyId);
        if (!trial) return mine;
        mine.push(trial.number);
      }
    }))).flat().sort((a, b) => a - b);
    expect(claimed).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("gives each stale trial to exactly one caller of failStaleTrials", async () => {
    const url = await freshDatabase();
    const writer = open(url, { heartbeatInterval: 0.1, gracePeriod: 0.3 });
    const studyId = await writer.createNewStudy(["minimize"], "stale");
    const trial = await writer.createNewTrial(studyId);
    await sleep(500);
    const callers = [0, 1, 2, 3].map(() => open(url, { heartbeatInterval: 0.1 }));
    const failed = (await Promise.all(callers.map((storage) => storage.failStaleTrials(studyId, 0.3)))).flat();
    expect(failed.map((t) => t.trialId)).toEqual([trial.trialId]);
    expect(failed[0]!.state).toBe(TrialState.Fail);
    expect(String(failed[0]!.systemAttrs.failReason)).toMatch(/no heartbeat for more than 0.3 s/);
  });

  it("4 processes creating trials at full speed get unique, gap-free numbers", async () => {
    const url = await freshDatabase();
    const storage = open(url);
    const studyId = await storage.createNewStudy(["minimize"], "numbers");
    await expectAtomicNumbering({ storage: url, studyName: "numbers", heartbeatInterval: 60, gracePeriod: 120 }, 30, () => storage.getAllTrials(studyId));
  }, 60_000);

  it("4 worker processes share a study; a worker killed mid-trial leaves it consistent", async () => {
    const url = await freshDatabase();
    const heartbeat = { heartbeatInterval: 0.25, gracePeriod: 2, failedTrialCallback: new RetryFailedTrialCallback({ maxRetry: 1 }).callback };
    const study = await createStudy({ storage: open(url, heartbeat), studyName: "shared" });
    const common = { storage: url, studyName: "shared", heartbeatInterval: 0.25, gracePeriod: 2 };
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

    await sleep(Math.max(0, 2200 - (Date.now() - killedAt)));
    await study.failStaleTrials();
    await study.refresh();
    const parentRunsRetry = study.trials.some((t) => t.state === TrialState.Waiting);
    if (parentRunsRetry) {
      await study.optimize(async (trial) => workerObjectiveValue(trial.suggestFloat("x", -5, 5), trial.suggestInt("n", 0, 10), trial.suggestCategorical("kind", ["a", "b"])), { nTrials: 1 });
    }
    const reloaded = await loadStudy({ storage: open(url), studyName: "shared" });
    const reported = workers.map((worker) => worker.events.filter((e) => typeof e.completed === "number" && e.state === "complete").map((e) => e.completed as number));
    expect(reported[0]!.length).toBe(2);
    expectConsistentStudy(reloaded.trials, reported, hanging.hanging as number);
    // The killed worker's 2 trials and the one it hung in, the survivors' 36 (the retry may be one
    // of them), and the retry if this process ran it.
    expect(reloaded.trials.length).toBe(2 + 1 + 3 * 12 + (parentRunsRetry ? 1 : 0));
  }, 90_000);
});
