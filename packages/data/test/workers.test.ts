import { afterEach, describe, expect, it } from "vitest";
import { arange, registerBackend, tensor } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { ConcatDataset, DataLoader, DataLoaderError, Subset, TensorDataset, type DataLoaderOptions } from "@trek/data";
import { AsyncDataset, AugmentedDataset } from "./fixtures/augmented-dataset.js";
import { BrokenConstructorDataset, CountingDataset, CrashingDataset, FailingDataset, RaggedDataset, StallingDataset } from "./fixtures/faulty-datasets.js";
import { ShardedRange } from "./fixtures/streams.js";
import { SquaresDataset } from "./fixtures/tensor-samples.js";
import { padCollate, SequenceDataset } from "./fixtures/variable-length.js";
import { epoch } from "./helpers.js";

registerBackend("cpu", () => new CpuBackend());

// Worker threads of a module dataset are started from TypeScript sources here, which costs
// some hundred milliseconds per pool, so the tests share loaders where they can.
const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);
const spec = (file: string, exportName: string, ...args: unknown[]) => ({ module: fixture(file), export: exportName, args });

// Worker threads show up as MessagePort handles while they run.
const ports = () => process.getActiveResourcesInfo().filter((r) => r === "MessagePort").length;
const baselinePorts = ports();

const loaders: DataLoader<unknown, unknown>[] = [];
function loader<S>(dataset: unknown, options: DataLoaderOptions<S, unknown>): DataLoader<S, unknown> {
  const l = new DataLoader(dataset as never, options) as DataLoader<S, unknown>;
  loaders.push(l as DataLoader<unknown, unknown>);
  return l;
}

afterEach(async () => {
  for (const l of loaders.splice(0)) await l.close();
});

function expectNoWorkers(l: DataLoader<unknown, unknown>): void {
  expect(l.aliveWorkers).toBe(0);
  expect(ports()).toBe(baselinePorts);
}

async function failure(l: AsyncIterable<unknown>): Promise<{ error: unknown; batches: number }> {
  let batches = 0;
  try {
    for await (const _ of l) batches++;
  } catch (error) {
    return { error, batches };
  }
  return { error: undefined, batches };
}

describe("worker results equal single-process results", () => {
  it("a self-describing module dataset with per-sample randomness, over three epochs", async () => {
    const options = { batchSize: 4, shuffle: true, seed: 11 } as const;
    const single = loader(new AugmentedDataset(18), options);
    const workers = loader(new AugmentedDataset(18), { ...options, numWorkers: 2, persistentWorkers: true });
    for (let e = 0; e < 3; e++) expect(await epoch(workers)).toEqual(await epoch(single));
    expect(workers.aliveWorkers).toBe(2);
    await workers.close();
    expectNoWorkers(workers);
  });

  it("TensorDataset (shared memory), Subset, ConcatDataset and arrays need no worker module", async () => {
    const x = arange(60).reshape(20, 3).float();
    const y = arange(20);
    const ds = new TensorDataset(x, y);
    const options = { batchSize: 3, shuffle: true, seed: 4 };
    const dataset = new ConcatDataset([new Subset(ds, [5, 3, 19, 0, 7, 7, 12]), ds]);
    expect(await epoch(loader(dataset, { ...options, numWorkers: 2 }))).toEqual(await epoch(loader(dataset, options)));
    expect(await epoch(loader(ds, { ...options, numWorkers: 2 }))).toEqual(await epoch(loader(ds, options)));
    const rows = [[1.5, 2], [2.5, 0], [3.5, 1]];
    expect(await epoch(loader(rows, { batchSize: 2, numWorkers: 1 }))).toEqual(await epoch(loader(rows, { batchSize: 2 })));
  });

  it("keeps order with deep prefetching from a factory export; async getItem with batchSize null", async () => {
    const factory = spec("augmented-dataset.ts", "makeAugmentedDataset", 30);
    const options = { batchSize: 2, seed: 1 };
    expect(await epoch(loader(new AugmentedDataset(30), { ...options, numWorkers: 3, prefetchFactor: 4, worker: factory }))).toEqual(
      await epoch(loader(new AugmentedDataset(30), options)),
    );
    const asyncSpec = spec("augmented-dataset.ts", "AsyncDataset", 7);
    expect(await epoch(loader(new AsyncDataset(7), { batchSize: null, seed: 2, numWorkers: 2, worker: asyncSpec }))).toEqual(
      await epoch(loader(new AsyncDataset(7), { batchSize: null, seed: 2 })),
    );
  });

  it("a custom collateFn runs on the main thread, or in the workers when the module exports it", async () => {
    const single = await epoch(loader(new SequenceDataset(9), { batchSize: 4, collateFn: padCollate }));
    const worker = spec("variable-length.ts", "SequenceDataset", 9);
    expect(await epoch(loader(new SequenceDataset(9), { batchSize: 4, collateFn: padCollate, numWorkers: 1, worker }))).toEqual(single);
    const inWorker = { ...worker, collate: "padCollate" };
    expect(await epoch(loader(new SequenceDataset(9), { batchSize: 4, collateFn: padCollate, numWorkers: 2, worker: inWorker }))).toEqual(
      single,
    );
  });

  it("a dataset using tensor ops runs in workers that register a backend (workerSetup)", async () => {
    const worker = spec("tensor-samples.ts", "SquaresDataset", 5);
    const single = await epoch(loader(new SquaresDataset(5), { batchSize: 2 }));
    const setup = [fixture("register-cpu.ts")];
    expect(await epoch(loader(new SquaresDataset(5), { batchSize: 2, numWorkers: 2, worker, workerSetup: setup }))).toEqual(single);
    const noBackend = loader(new SquaresDataset(5), { batchSize: 2, numWorkers: 1, worker });
    const { error } = await failure(noBackend);
    expect((error as Error).message).toMatch(/worker 0 failed while loading batch 0 at dataset index 0: .*no backend/i);
    expectNoWorkers(noBackend);
  });

  it("an iterable dataset sharded with getWorkerInfo yields every sample exactly once", async () => {
    const worker = spec("streams.ts", "ShardedRange", 23);
    const batches = (await epoch(loader(new ShardedRange(23), { batchSize: 4, numWorkers: 3, worker, seed: 5 }))) as {
      i: { values: number[] };
    }[];
    const seen = batches.flatMap((b) => b.i.values);
    expect([...seen].sort((a, b) => a - b)).toEqual([...Array(23).keys()]);
    // Batches are taken from the workers in turn: worker 0's shard, then worker 1's, …
    expect(batches.slice(0, 3).map((b) => b.i.values)).toEqual([[0, 3, 6, 9], [1, 4, 7, 10], [2, 5, 8, 11]]);
    const one = await epoch(loader(new ShardedRange(23), { batchSize: 4, numWorkers: 1, worker, seed: 5 }));
    expect(one).toEqual(await epoch(loader(new ShardedRange(23), { batchSize: 4, seed: 5 })));
  });
});

describe("prefetching", () => {
  it("workers load prefetchFactor batches each ahead of the consumer, and no more", async () => {
    const counter = new SharedArrayBuffer(4);
    const fetched = () => Atomics.load(new Int32Array(counter), 0);
    const worker = spec("faulty-datasets.ts", "CountingDataset", 100, counter);
    const l = loader(new CountingDataset(100, counter), { batchSize: 5, numWorkers: 2, prefetchFactor: 2, worker });
    const iterator = l[Symbol.asyncIterator]();
    await iterator.next(); // batch 0 consumed; batches 1..4 requested ahead
    const deadline = Date.now() + 10_000;
    while (fetched() < 25 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    expect(fetched()).toBe(25); // 5 batches of 5: the one consumed plus 2 workers × 2 ahead
    await iterator.return!();
    expectNoWorkers(l);
  });
});

describe("failures end the epoch cleanly", () => {
  it("a worker that throws surfaces the error with the index, and every worker thread has exited", async () => {
    const worker = spec("faulty-datasets.ts", "FailingDataset", 40, 13);
    const l = loader(new FailingDataset(40, 13), { batchSize: 4, numWorkers: 2, worker });
    const { error, batches } = await failure(l);
    expect(error).toBeInstanceOf(DataLoaderError);
    expect((error as Error).message).toMatch(/DataLoader worker 1 failed while loading batch 3 at dataset index 13: Error: corrupt record 13/);
    expect((error as DataLoaderError).datasetIndex).toBe(13);
    expect((error as DataLoaderError).batchIndex).toBe(3);
    expect(((error as Error).cause as Error).stack).toMatch(/faulty-datasets/);
    expect(batches).toBe(3);
    expectNoWorkers(l);
  });

  it("inconsistent shapes in a worker give the collate error with the index and both shapes", async () => {
    const worker = spec("faulty-datasets.ts", "RaggedDataset", 12, 9);
    const l = loader(new RaggedDataset(12, 9), { batchSize: 4, numWorkers: 2, worker });
    const { error } = await failure(l);
    expect((error as Error).message).toMatch(
      /batch 2: CollateError: collate: dataset index 9 has shape \[4\] at batch\[0\], but dataset index 8 has shape \[3\]/,
    );
    expectNoWorkers(l);
  });

  it("a crashed worker, a failing constructor and a stuck worker (timeout) fail without hanging", async () => {
    const crash = loader(new CrashingDataset(10, 5), { batchSize: 2, numWorkers: 2, worker: spec("faulty-datasets.ts", "CrashingDataset", 10, 5) });
    expect(((await failure(crash)).error as Error).message).toMatch(/DataLoader worker 0 exited unexpectedly \(exit code 3\)/);
    expectNoWorkers(crash);
    const brokenSpec = spec("faulty-datasets.ts", "BrokenConstructorDataset", "/no/such/file");
    const broken = loader([0], { numWorkers: 1, worker: brokenSpec });
    expect(((await failure(broken)).error as Error).message).toMatch(/DataLoader worker 0 could not start: Error: cannot open \/no\/such\/file/);
    expectNoWorkers(broken);
    void BrokenConstructorDataset;
    const stuckSpec = spec("faulty-datasets.ts", "StallingDataset", 4, 1, 60_000);
    const stuck = loader(new StallingDataset(4, 1, 0), { batchSize: 1, numWorkers: 1, timeout: 1000, worker: stuckSpec });
    const { error, batches } = await failure(stuck);
    expect((error as Error).message).toMatch(/timed out after 1000 ms waiting for batch 1 from worker 0/);
    expect(batches).toBe(1);
    expectNoWorkers(stuck);
  });

  it("break out of for-await shuts the workers down", async () => {
    const l = loader(new TensorDataset(arange(100)), { batchSize: 2, numWorkers: 2 });
    for await (const _ of l) {
      expect(l.aliveWorkers).toBe(2);
      break;
    }
    expectNoWorkers(l);
  });

  it("an unsendable dataset gets a message saying how to describe it", async () => {
    class Custom {
      length = 3;
      getItem(i: number) {
        return i;
      }
    }
    const { error } = await failure(loader(new Custom(), { numWorkers: 1 }));
    expect((error as Error).message).toMatch(/rebuild Custom inside each worker thread.*worker: \{ module: new URL\("\.\/custom\.js", import\.meta\.url\)/);
    expect(() => loader(new Custom(), { numWorkers: 1, worker: { module: "./custom.js" } })).toThrow(/"\.\/custom\.js" is relative/);
  });
});

describe("pinMemory", () => {
  it("is accepted and changes nothing on the CPU", async () => {
    const ds = new TensorDataset(tensor([[1, 2], [3, 4]]));
    expect(await epoch(loader(ds, { batchSize: 2, pinMemory: true }))).toEqual(await epoch(loader(ds, { batchSize: 2 })));
  });
});
