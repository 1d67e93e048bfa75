/**
 * The worker pool: starts the threads, matches replies to requests, and turns a crashed, failed
 * or stuck worker into one error for every waiting request. `shutdown()` resolves only once
 * every thread has exited, so no thread outlives a failed or finished epoch.
 */
import { existsSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { fileURLToPath } from "node:url";
import { DataLoaderError } from "../errors.js";
import type { MainToWorker, SerializedError, WorkerInit, WorkerRequest, WorkerToMain } from "./protocol.js";
import { isTypeScriptUrl, requireTypeScriptLoader } from "./typescript-loader.js";

/** A worker's answer to one request. */
export type Reply =
  | { type: "result"; payload: unknown }
  | { type: "error"; error: SerializedError }
  | { type: "done" };

interface Waiter {
  workerId: number;
  resolve(reply: Reply): void;
  reject(error: Error): void;
}

// Eval'd bootstrap: registers tsx when TypeScript must be loaded, then imports the real entry.
const BOOTSTRAP = `
const { workerData, parentPort } = require("node:worker_threads");
(async () => {
  if (workerData.typescriptLoader) (await import(workerData.typescriptLoader)).register();
  await import(workerData.entry);
})().catch((error) => {
  parentPort.postMessage({ type: "init-error", error: {
    name: (error && error.name) || "Error", message: String((error && error.message) || error), stack: error && error.stack } });
});
`;

/** The worker entry: the built `worker-entry.js` next to the bundle, or the TypeScript source. */
function entryUrl(): string {
  for (const candidate of ["./worker-entry.js", "./entry.ts"]) {
    const url = new URL(candidate, import.meta.url);
    if (existsSync(fileURLToPath(url))) return url.href;
  }
  throw new DataLoaderError(`DataLoader: the worker entry module is missing next to ${import.meta.url}; reinstall @trek/data`);
}

export class WorkerPool {
  readonly size: number;
  private readonly workers: Worker[] = [];
  private readonly exited: Promise<void>[] = [];
  private readonly waiters = new Map<number, Waiter>();
  private readonly readyWaiters: { resolve(): void; reject(error: Error): void }[][] = [];
  private readonly isReady: boolean[] = [];
  private nextTaskId = 1;
  private aliveCount = 0;
  private failure: Error | null = null;
  private closing = false;

  /** `init(id)` gives each worker its `WorkerInit` (without entry and loader, filled in here). */
  constructor(numWorkers: number, init: (workerId: number) => Omit<WorkerInit, "entry" | "typescriptLoader">) {
    this.size = numWorkers;
    const entry = entryUrl();
    const first = init(0);
    const modules = [entry, ...first.setup];
    if (first.dataset.kind === "module") modules.push(first.dataset.module);
    if (first.collate.kind === "module") modules.push(first.collate.module);
    const typescript = modules.filter(isTypeScriptUrl);
    const typescriptLoader =
      typescript.length > 0 ? requireTypeScriptLoader(typescript, [...typescript, `${process.cwd()}/`, import.meta.url]) : null;
    for (let id = 0; id < numWorkers; id++) {
      const workerData: WorkerInit = { ...(id === 0 ? first : init(id)), entry, typescriptLoader };
      const worker = new Worker(BOOTSTRAP, { eval: true, workerData, name: `@trek/data worker ${id}` });
      this.aliveCount++;
      this.exited.push(
        new Promise<void>((resolve) => {
          worker.once("exit", (code) => {
            this.aliveCount--;
            if (!this.closing) {
              this.fail(new DataLoaderError(`DataLoader worker ${id} exited unexpectedly (exit code ${code})`, { workerId: id }));
            }
            resolve();
          });
        }),
      );
      this.readyWaiters.push([]);
      this.isReady.push(false);
      worker.on("message", (message: WorkerToMain) => this.onMessage(id, message));
      worker.on("error", (error) => {
        this.fail(new DataLoaderError(`DataLoader worker ${id} crashed: ${error.message}`, { workerId: id, cause: error }));
      });
      this.workers.push(worker);
    }
  }

  /** Worker threads that have not exited yet. */
  get alive(): number {
    return this.aliveCount;
  }

  /** Whether a worker failed (the pool then only rejects). */
  get failed(): boolean {
    return this.failure !== null;
  }

  /** Resolves once worker `workerId` has built its dataset (rejects if the pool fails first). */
  ready(workerId: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.isReady[workerId]) return Promise.resolve();
    return new Promise((resolve, reject) => this.readyWaiters[workerId]!.push({ resolve, reject }));
  }

  /** Sends a request to worker `workerId`; resolves with its reply. */
  request(workerId: number, message: WorkerRequest): Promise<Reply> {
    if (this.failure) return Promise.reject(this.failure);
    const taskId = this.nextTaskId++;
    return new Promise<Reply>((resolve, reject) => {
      this.waiters.set(taskId, { workerId, resolve, reject });
      this.workers[workerId]!.postMessage({ ...message, taskId });
    });
  }

  /** Sends a message that has no reply. */
  post(workerId: number, message: MainToWorker): void {
    if (!this.failure) this.workers[workerId]!.postMessage(message);
  }

  /** Keeps the process alive while an epoch runs; idle persistent workers do not. */
  ref(): void {
    for (const w of this.workers) w.ref();
  }
  unref(): void {
    for (const w of this.workers) w.unref();
  }

  /** Terminates every thread and resolves when all have exited. Idempotent. */
  async shutdown(): Promise<void> {
    if (!this.closing) {
      this.closing = true;
      this.fail(new DataLoaderError("DataLoader: the worker pool was shut down"), false);
      for (const w of this.workers) void w.terminate();
    }
    await Promise.all(this.exited);
  }

  private onMessage(workerId: number, message: WorkerToMain): void {
    if (message.type === "ready") {
      this.isReady[workerId] = true;
      for (const w of this.readyWaiters[workerId]!.splice(0)) w.resolve();
      return;
    }
    if (message.type === "init-error") {
      const { error } = message;
      this.fail(
        new DataLoaderError(`DataLoader worker ${workerId} could not start: ${error.name}: ${error.message}`, {
          workerId,
          cause: reviveError(error),
        }),
      );
      return;
    }
    const waiter = this.waiters.get(message.taskId);
    if (!waiter) return;
    this.waiters.delete(message.taskId);
    if (message.type === "result") waiter.resolve({ type: "result", payload: message.payload });
    else if (message.type === "error") waiter.resolve({ type: "error", error: message.error });
    else waiter.resolve({ type: "done" });
  }

  private fail(error: Error, record = true): void {
    if (record && !this.failure) this.failure = error;
    const waiting = [...this.waiters.values()];
    this.waiters.clear();
    for (const w of waiting) w.reject(this.failure ?? error);
    for (const list of this.readyWaiters) for (const w of list.splice(0)) w.reject(this.failure ?? error);
  }
}

/** An Error carrying a worker's name, message and stack (the original object cannot cross threads). */
export function reviveError(error: SerializedError): Error {
  const revived = new Error(error.message);
  revived.name = error.name;
  if (error.stack) revived.stack = error.stack;
  return revived;
}
