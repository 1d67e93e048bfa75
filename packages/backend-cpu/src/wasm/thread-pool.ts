/**
 * A pool of workers over the kernel module's shared memory. A job is a descriptor in shared
 * memory; `run` wakes the workers, does the calling thread's share, and waits until every worker
 * has finished, so kernels stay synchronous. Workers start lazily and join jobs once they are
 * ready, so the first kernels never wait for a worker to boot.
 */
import { WORKER_SOURCE } from "./worker-source.js";

/**
 * Word 0 publishes a job as one atomic value, generation << 8 | threads, so a worker that wakes
 * late can never pair one job's generation with the next job's thread count.
 */
const JOB_WORD = 0;
const PENDING = 1;
const ERROR = 3;
const READY = 4;
const GENERATION_MASK = 0x7fffff;

/** How long a job may make no progress before the pool is declared broken (a dead worker). */
const STALL_LIMIT_MS = 120_000;

/** The most workers a pool starts (threads = workers + the calling thread). */
export const MAX_WORKERS = 60;

interface WorkerHandle {
  terminate(): unknown;
}

type NodeWorkerConstructor = new (
  source: string,
  options: { eval: true; workerData: unknown; name?: string },
) => WorkerHandle & { unref(): void; on(event: string, listener: (...args: unknown[]) => void): void };

type NodeProcess = { getBuiltinModule?: (id: string) => unknown };

/** How this platform starts workers, or null when it cannot. */
function workerFactory(): ((init: WorkerInit) => WorkerHandle) | null {
  const proc = (globalThis as { process?: NodeProcess }).process;
  const threads = proc?.getBuiltinModule?.("node:worker_threads") as { Worker: NodeWorkerConstructor } | undefined;
  if (threads) {
    return (init) => {
      const worker = new threads.Worker(WORKER_SOURCE, { eval: true, workerData: init, name: `trek-cpu-${init.index}` });
      worker.unref(); // kernel workers never keep the process alive
      worker.on("error", () => undefined);
      return worker;
    };
  }
  const scope = globalThis as {
    Worker?: new (url: string, options?: { name?: string }) => WorkerHandle & { postMessage(message: unknown): void };
    Blob?: typeof Blob;
    URL?: typeof URL;
  };
  if (scope.Worker && scope.Blob && scope.URL?.createObjectURL) {
    const url = scope.URL.createObjectURL(new scope.Blob([WORKER_SOURCE], { type: "text/javascript" }));
    return (init) => {
      const worker = new scope.Worker!(url, { name: `trek-cpu-${init.index}` });
      worker.postMessage(init);
      return worker;
    };
  }
  return null;
}

interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: number;
  job: number;
  index: number;
}

export class ThreadPool {
  private readonly words: Int32Array;
  private readonly workers: WorkerHandle[] = [];
  private readonly factory: ((init: WorkerInit) => WorkerHandle) | null;
  private ready = 0;
  /** Whether this thread may block in Atomics.wait (not a browser's main thread). */
  private canBlock = true;

  constructor(
    private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
    private readonly control: number,
    private readonly job: number,
    private readonly runTask: (job: number, thread: number, threads: number) => void,
  ) {
    this.words = new Int32Array(memory.buffer, control, 64);
    this.factory = workerFactory();
  }

  /** Whether workers can be started on this platform. */
  get supported(): boolean {
    return this.factory !== null;
  }

  /** Starts workers until `count` exist (they become usable once ready). */
  ensureWorkers(count: number): void {
    if (!this.factory) return;
    const target = Math.min(count, MAX_WORKERS);
    while (this.workers.length < target) {
      const index = this.workers.length;
      this.workers.push(this.factory({ module: this.module, memory: this.memory, control: this.control, job: this.job, index }));
    }
  }

  /** Workers that have booted and wait for jobs. */
  readyWorkers(): number {
    while (this.ready < this.workers.length && Atomics.load(this.words, READY + this.ready) === 1) this.ready++;
    return this.ready;
  }

  /** Runs the job at the job address on `threads` threads (this one included) and waits for all. */
  run(threads: number): void {
    if (this.broken) throw this.broken;
    const words = this.words;
    Atomics.store(words, ERROR, 0);
    Atomics.store(words, PENDING, threads - 1);
    this.generation = (this.generation + 1) & GENERATION_MASK;
    Atomics.store(words, JOB_WORD, (this.generation << 8) | threads);
    Atomics.notify(words, JOB_WORD);
    let failure: unknown = null;
    try {
      this.runTask(this.job, 0, threads);
    } catch (err) {
      failure = err;
    }
    this.waitForWorkers();
    if (failure) throw failure;
    if (Atomics.load(words, ERROR) !== 0) throw new Error("a kernel worker failed while running its share of the job");
  }

  private waitForWorkers(): void {
    const words = this.words;
    // Short spin first: the workers usually finish within microseconds of this thread.
    for (let spin = 0; spin < 2000; spin++) if (Atomics.load(words, PENDING) === 0) return;
    let lastPending = Atomics.load(words, PENDING);
    let lastProgress = Date.now();
    for (;;) {
      const pending = Atomics.load(words, PENDING);
      if (pending === 0) return;
      if (pending !== lastPending) {
        lastPending = pending;
        lastProgress = Date.now();
      } else if (Date.now() - lastProgress > STALL_LIMIT_MS) {
        // A worker died (or was killed) mid-job: fail loudly instead of waiting forever, and run
        // every later kernel on the calling thread.
        this.broken = new Error(
          `@trek/backend-cpu: ${pending} kernel worker thread(s) made no progress for ${STALL_LIMIT_MS / 1000} s; ` +
            `the thread pool is disabled (set TREK_NUM_THREADS=1 to run single-threaded)`,
        );
        this.terminate();
        throw this.broken;
      }
      if (this.canBlock) {
        try {
          Atomics.wait(words, PENDING, pending, 50);
          continue;
        } catch {
          this.canBlock = false; // a browser's main thread may not block
        }
      }
    }
  }

  /** Set when a job stalled; the runtime then stops using the pool. */
  broken: Error | null = null;
  private generation = 0;

  terminate(): void {
    for (const w of this.workers) w.terminate();
    for (let i = 0; i < this.workers.length; i++) Atomics.store(this.words, READY + i, 0);
    this.workers.length = 0;
    this.ready = 0;
  }
}
