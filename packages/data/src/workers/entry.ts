/**
 * The program each DataLoader worker thread runs: build the dataset from its description, then
 * answer fetch requests one at a time with batches as host tensors, moved (not copied) back.
 */
import { parentPort, workerData } from "node:worker_threads";
import { hostCollate, hostConvert } from "../collate/host-collate.js";
import { toHost, transferList } from "../collate/host-tree.js";
import { buildDataset, type WorkerMapDataset } from "./build-dataset.js";
import { getWorkerInfo, newStreamToken, setSampleSeed, setWorkerInfo } from "./context.js";
import { FetchError, fetchSamples } from "./fetch.js";
import { mixSeeds } from "./seeds.js";
import { serializeError, type MainToWorker, type WorkerInit, type WorkerToMain } from "./protocol.js";

type CollateFn = (samples: unknown[], indices?: readonly number[]) => unknown;

const init = workerData as WorkerInit;
const port = parentPort!;

function post(message: WorkerToMain, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

async function main(): Promise<void> {
  let dataset: unknown;
  let collate: CollateFn | null = null;
  setWorkerInfo({ id: init.workerId, numWorkers: init.numWorkers, seed: 0, dataset: null });
  try {
    for (const url of init.setup) {
      const mod = (await import(url)) as { default?: unknown };
      if (typeof mod.default === "function") await (mod.default as (info: unknown) => unknown)(getWorkerInfo());
    }
    dataset = await buildDataset(init.dataset);
    if (init.collate.kind === "module") {
      const mod = (await import(init.collate.module)) as Record<string, unknown>;
      const fn = mod[init.collate.export];
      if (typeof fn !== "function") throw new TypeError(`collate export "${init.collate.export}" of ${init.collate.module} is not a function`);
      collate = fn as CollateFn;
    }
  } catch (err) {
    post({ type: "init-error", error: serializeError(err) });
    return;
  }
  setWorkerInfo({ id: init.workerId, numWorkers: init.numWorkers, seed: 0, dataset });
  const handler = new TaskHandler(dataset, collate);
  // One task at a time, in arrival order: results stay deterministic and memory bounded.
  let queue = Promise.resolve();
  port.on("message", (message: MainToWorker) => {
    queue = queue.then(() => handler.handle(message));
  });
  post({ type: "ready" });
}

class TaskHandler {
  private iterator: Iterator<unknown> | AsyncIterator<unknown> | null = null;
  private epochToken = 0;
  private epochSeed = 0;
  private exhausted = false;

  constructor(
    private readonly dataset: unknown,
    private readonly collate: CollateFn | null,
  ) {}

  async handle(message: MainToWorker): Promise<void> {
    if (message.type === "start-epoch") return this.startEpoch(message.epochSeed);
    const taskId = message.taskId;
    try {
      const payload = message.type === "fetch" ? await this.fetch(message) : await this.next();
      if (payload === DONE) post({ type: "done", taskId });
      else post({ type: "result", taskId, payload }, transferList(payload));
    } catch (err) {
      const index = err instanceof FetchError ? err.datasetIndex : undefined;
      post({ type: "error", taskId, error: serializeError(err instanceof FetchError ? err.cause : err, index) });
    }
  }

  private async fetch(message: Extract<MainToWorker, { type: "fetch" }>): Promise<unknown> {
    const dataset = this.dataset as WorkerMapDataset;
    const { indices, epochSeed, batchIndex } = message;
    setWorkerInfo({ ...getWorkerInfo()!, seed: mixSeeds(epochSeed, init.workerId) });
    if (init.batched && init.collate.kind === "default" && dataset.getBatch) {
      return toHost(dataset.getBatch(indices));
    }
    const samples = await fetchSamples(dataset, indices, epochSeed, batchIndex);
    return this.finish(samples, indices);
  }

  private finish(samples: unknown[], indices: readonly number[] | undefined): unknown {
    if (!init.batched) {
      const sample = samples[0];
      if (this.collate) return toHost(this.collate(sample as never, indices));
      return init.collate.kind === "default" ? hostConvert(sample) : toHost(sample);
    }
    if (this.collate) return toHost(this.collate(samples, indices));
    return init.collate.kind === "default" ? hostCollate(samples, indices) : toHost(samples);
  }

  private startEpoch(epochSeed: number): void {
    const dataset = this.dataset as Iterable<unknown> & AsyncIterable<unknown>;
    const seed = mixSeeds(epochSeed, init.workerId);
    setWorkerInfo({ ...getWorkerInfo()!, seed });
    this.epochSeed = seed;
    this.epochToken = newStreamToken();
    this.exhausted = false;
    setSampleSeed(seed, this.epochToken);
    try {
      this.iterator =
        typeof dataset[Symbol.asyncIterator] === "function" ? dataset[Symbol.asyncIterator]() : dataset[Symbol.iterator]();
    } finally {
      setSampleSeed(null);
    }
  }

  /** The next batch of an iterable dataset's stream, or DONE. */
  private async next(): Promise<unknown> {
    if (this.exhausted || !this.iterator) return DONE;
    const want = init.batched ? init.batchSize : 1;
    const samples: unknown[] = [];
    setSampleSeed(this.epochSeed, this.epochToken);
    try {
      while (samples.length < want) {
        const step = await this.iterator.next();
        if (step.done) {
          this.exhausted = true;
          break;
        }
        samples.push(step.value);
      }
    } finally {
      setSampleSeed(null);
    }
    if (samples.length === 0 || (samples.length < want && init.dropLast)) return DONE;
    return this.finish(samples, undefined);
  }
}

const DONE = Symbol("done");

main().catch((err) => post({ type: "init-error", error: serializeError(err) }));
