import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { expect } from "vitest";
import { type FrozenTrial, TrialState } from "../../src/index.js";
import { workerObjectiveValue } from "./worker-objective.js";

const tsxEntry = createRequire(import.meta.url).resolve("tsx");
const workerScript = fileURLToPath(new URL("../fixtures/worker.ts", import.meta.url));
let workerCommand: string[] | null = null;

/**
 * How to start a worker: a bundle of the worker and the package source built once with the
 * esbuild that tsx ships (a TypeScript loader costs each process seconds on a small machine),
 * else tsx itself. The bundle sits in the package's node_modules so that `pg` resolves.
 */
function workerArguments(): string[] {
  if (workerCommand) return workerCommand;
  try {
    const esbuild = createRequire(tsxEntry)("esbuild") as { buildSync(options: Record<string, unknown>): unknown };
    const cacheDir = fileURLToPath(new URL("../../node_modules/.cache/", import.meta.url));
    mkdirSync(cacheDir, { recursive: true });
    const outfile = join(cacheDir, `trek-tune-worker-${process.pid}.mjs`);
    esbuild.buildSync({ entryPoints: [workerScript], bundle: true, platform: "node", format: "esm", target: "node20", outfile, external: ["pg"], logLevel: "silent" });
    process.once("exit", () => rmSync(outfile, { force: true }));
    workerCommand = [outfile];
  } catch {
    workerCommand = ["--import", pathToFileURL(tsxEntry).href, workerScript];
  }
  return workerCommand;
}

export interface WorkerHandle {
  child: ChildProcess;
  events: Record<string, unknown>[];
  /** Resolves with the first event for which `predicate` holds. */
  waitFor(predicate: (event: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Starts `fixtures/worker.ts` in a real OS process (through tsx) with a JSON configuration. */
export function startWorker(config: Record<string, unknown>): WorkerHandle {
  const child = spawn(process.execPath, workerArguments(), {
    env: { ...process.env, TUNE_WORKER: JSON.stringify(config) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const events: Record<string, unknown>[] = [];
  const waiters: { predicate: (event: Record<string, unknown>) => boolean; resolve: (event: Record<string, unknown>) => void }[] = [];
  let buffer = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    let newline: number;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (!line.trim()) continue;
      const event = JSON.parse(line) as Record<string, unknown>;
      events.push(event);
      for (const waiter of [...waiters]) {
        if (waiter.predicate(event)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(event);
        }
      }
    }
  });
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal, stderr })),
  );
  return {
    child,
    events,
    exited,
    waitFor(predicate, timeoutMs = 30_000) {
      const found = events.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`worker event not seen within ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
        waiters.push({ predicate, resolve: (event) => (clearTimeout(timer), resolve(event)) });
        void exited.then(({ code, stderr: text }) => reject(new Error(`worker exited (${code}) before the event; stderr: ${text}`)));
      });
    },
  };
}

/**
 * Checks a study written by several workers, one of them killed mid-trial:
 * numbers unique and gap-free, no trial left running, every trial a worker reported complete is
 * complete exactly once with the value its parameters give, the killed trial failed for missing
 * heartbeats, and its retry ran with the same parameters.
 */
export function expectConsistentStudy(trials: readonly FrozenTrial[], reportedComplete: number[][], killedTrial: number): void {
  const numbers = trials.map((t) => t.number).sort((a, b) => a - b);
  expect(numbers).toEqual(Array.from({ length: trials.length }, (_, i) => i));
  expect(trials.filter((t) => t.state === TrialState.Running || t.state === TrialState.Waiting)).toEqual([]);

  const reported = reportedComplete.flat(); // numbers each worker saw finish as complete
  expect(new Set(reported).size).toBe(reported.length); // no trial claimed by two workers
  const byNumber = new Map(trials.map((t) => [t.number, t]));
  for (const number of reported) expect(byNumber.get(number)?.state).toBe(TrialState.Complete);
  for (const trial of trials.filter((t) => t.state === TrialState.Complete)) {
    expect(trial.value).toBeCloseTo(workerObjectiveValue(trial.params.x as number, trial.params.n as number, trial.params.kind as string), 12);
  }

  const killed = byNumber.get(killedTrial)!;
  expect(killed.state).toBe(TrialState.Fail);
  expect(String(killed.systemAttrs.failReason)).toMatch(/no heartbeat/);
  const retries = trials.filter((t) => t.systemAttrs.failedTrial === killedTrial);
  expect(retries.length).toBe(1);
  expect(retries[0]!.state).toBe(TrialState.Complete);
  expect(retries[0]!.params).toEqual(killed.params);
  // Everything else is a trial some worker completed (or the retry the checker ran itself).
  const accounted = new Set([...reported, killedTrial, retries[0]!.number]);
  expect(trials.filter((t) => !accounted.has(t.number))).toEqual([]);
}

/**
 * Runs 4 processes that each create `perWorker` trials as fast as they can, then checks that
 * the numbers they were given are exactly 0..4·perWorker−1, each handed out once, and that
 * storage agrees on who owns each trial.
 */
export async function expectAtomicNumbering(config: Record<string, unknown>, perWorker: number, readTrials: () => Promise<readonly FrozenTrial[]>): Promise<void> {
  const workers = [0, 1, 2, 3].map((workerId) => startWorker({ ...config, workerId, allocate: perWorker }));
  const events = await Promise.all(workers.map((worker) => worker.waitFor((event) => Array.isArray(event.allocated), 60_000)));
  const exits = await Promise.all(workers.map((worker) => worker.exited));
  for (const exit of exits) expect(exit.code, exit.stderr).toBe(0);
  const numbers = events.flatMap((event) => event.allocated as number[]).sort((a, b) => a - b);
  expect(numbers).toEqual(Array.from({ length: 4 * perWorker }, (_, i) => i));
  const trials = await readTrials();
  expect(trials.length).toBe(4 * perWorker);
  events.forEach((event, workerId) => {
    for (const number of event.allocated as number[]) expect(trials[number]!.values).toEqual([workerId]);
  });
}
