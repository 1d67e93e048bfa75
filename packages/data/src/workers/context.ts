/**
 * Per-thread loading context: which worker this is (`getWorkerInfo`) and the seed for the sample
 * being fetched. Kept on `globalThis` so every copy of this package in a thread sees the same
 * state (a worker's dataset module may import @trek/data separately from the worker entry).
 */

/** Information about the current worker thread, like `torch.utils.data.get_worker_info()`. */
export interface WorkerInfo {
  /** 0-based worker number. */
  readonly id: number;
  readonly numWorkers: number;
  /** This worker's seed for the current epoch (derived from the loader's generator). */
  readonly seed: number;
  /** The dataset copy living in this worker (null while it is being built). */
  readonly dataset: unknown;
}

interface DataContext {
  worker: WorkerInfo | null;
  sampleSeed: number | null;
  /** Changes whenever a new random stream starts (a new sample, or a new iterable epoch). */
  streamToken: number;
}

const KEY = Symbol.for("@trek/data.context");
const globalState = globalThis as unknown as Record<symbol, DataContext | undefined>;

function context(): DataContext {
  return (globalState[KEY] ??= { worker: null, sampleSeed: null, streamToken: 0 });
}

/**
 * Inside a DataLoader worker thread: its id, the number of workers, its seed and its dataset
 * copy. On the main thread: null. Use it in an `IterableDataset` to give each worker a shard.
 */
export function getWorkerInfo(): WorkerInfo | null {
  return context().worker;
}

/** @internal Set by the worker entry. */
export function setWorkerInfo(info: WorkerInfo | null): void {
  context().worker = info;
}

let tokenCounter = 0;

/** @internal A fresh stream token (each one gets its own generator in `sampleGenerator`). */
export function newStreamToken(): number {
  return ++tokenCounter;
}

/** @internal Seed (and stream) for the code about to run: a sample fetch or an iterable epoch. */
export function setSampleSeed(seed: number | null, token: number = newStreamToken()): void {
  const ctx = context();
  ctx.sampleSeed = seed;
  ctx.streamToken = token;
}

/** @internal The seed and stream token of the sample being fetched, or null outside a loader. */
export function currentSampleSeed(): { seed: number; token: number } | null {
  const ctx = context();
  return ctx.sampleSeed === null ? null : { seed: ctx.sampleSeed, token: ctx.streamToken };
}
