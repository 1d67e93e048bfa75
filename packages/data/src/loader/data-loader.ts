/** DataLoader: batches from a dataset, on the main thread or in worker threads, as an async iterable. */
import { Generator, defaultGenerator, seedFrom } from "@trek/tensor";
import { DataError } from "../errors.js";
import { datasetName, isIterableDataset, isMapDataset, type Dataset, type IterableSource } from "../datasets/dataset.js";
import { BatchSampler } from "../samplers/batch-sampler.js";
import { RandomSampler } from "../samplers/random-sampler.js";
import { SequentialSampler } from "../samplers/sequential-sampler.js";
import { samplerLength } from "../samplers/sampler.js";
import { defaultCollate, type Collated } from "../collate/default-collate.js";
import { describeDataset } from "../workers/describe.js";
import { isModuleSpec, type WorkerDatasetSpec } from "../workers/spec.js";
import { WorkerPool } from "../workers/pool.js";
import type { WorkerCollate, WorkerDatasetInit } from "../workers/protocol.js";
import { checkOptions, type CollateFn, type DataLoaderOptions } from "./options.js";
import type { EpochPlan } from "./epoch.js";
import { SingleProcessIterator } from "./single-process-iterator.js";
import { WorkerMapIterator, WorkerStreamIterator, type PoolLease } from "./worker-iterator.js";

/** A map-style dataset, an iterable-style one, or a plain array of samples. */
export type DatasetSource<S> = Dataset<S> | IterableSource<S> | readonly S[];

/**
 * Combines a dataset with a sampler and yields batches, like `torch.utils.data.DataLoader`.
 * Iterate with `for await (const [x, y] of loader)`; each `for await` is one epoch (reshuffled
 * when `shuffle` is set). With `numWorkers > 0` batches are loaded in worker threads, ahead of
 * time and in order, with the same contents as without workers.
 * @example
 * const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 64, shuffle: true, seed: 0 });
 * for await (const [xb, yb] of loader) { … }
 */
export class DataLoader<S = unknown, B = Collated<S>> implements AsyncIterable<B> {
  readonly dataset: DatasetSource<S>;
  readonly batchSize: number | null;
  readonly dropLast: boolean;
  readonly numWorkers: number;
  readonly prefetchFactor: number;
  readonly persistentWorkers: boolean;
  readonly pinMemory: boolean;
  readonly timeout: number;
  /** The sampler of dataset indices (null for iterable datasets). */
  readonly sampler: Iterable<number> | null;
  /** The sampler of index lists (null when batching is off or the dataset is iterable). */
  readonly batchSampler: Iterable<readonly number[]> | null;
  readonly generator: Generator | undefined;
  readonly collateFn: CollateFn<S, B>;

  private readonly iterable: boolean;
  private readonly mapDataset: Dataset<S> | null;
  private readonly userCollate: CollateFn<unknown, unknown> | null;
  private readonly workerSpec: WorkerDatasetSpec | undefined;
  private readonly workerSetup: string[];
  private persistentPool: WorkerPool | null = null;
  private readonly pools = new Set<WorkerPool>();

  constructor(dataset: DatasetSource<S>, options: DataLoaderOptions<S, B> = {}) {
    const iterable = isIterableDataset(dataset);
    if (!iterable && !isMapDataset(dataset) && !Array.isArray(dataset)) {
      throw new DataError(
        `DataLoader: expected a dataset (length + getItem), an iterable dataset or an array, got ${datasetName(dataset)}`,
      );
    }
    checkOptions(options as DataLoaderOptions<never, unknown>, iterable);
    this.dataset = dataset;
    this.iterable = iterable;
    this.mapDataset = iterable ? null : Array.isArray(dataset) ? arrayDataset(dataset as readonly S[]) : (dataset as Dataset<S>);
    this.numWorkers = options.numWorkers ?? 0;
    this.prefetchFactor = options.prefetchFactor ?? 2;
    this.persistentWorkers = options.persistentWorkers ?? false;
    this.pinMemory = options.pinMemory ?? false;
    this.timeout = options.timeout ?? 0;
    this.generator = options.generator ?? (options.seed !== undefined ? new Generator(options.seed) : undefined);
    this.dropLast = options.dropLast ?? false;
    // Like PyTorch, a custom batchSampler leaves batchSize null (the sampler decides).
    this.batchSize = options.batchSampler ? null : options.batchSize === undefined ? 1 : options.batchSize;
    this.userCollate = options.collateFn && options.collateFn !== (defaultCollate as unknown) ? (options.collateFn as CollateFn<unknown, unknown>) : null;
    this.collateFn = (options.collateFn ?? defaultCollate) as CollateFn<S, B>;
    this.workerSpec = options.worker;
    if (options.worker && isModuleSpec(options.worker)) moduleUrl(options.worker.module, "worker.module");
    this.workerSetup = (options.workerSetup ?? []).map((m) => moduleUrl(m, "workerSetup"));
    if (iterable) {
      this.sampler = null;
      this.batchSampler = null;
    } else {
      const n = this.mapDataset!.length;
      this.sampler = options.sampler ?? (options.shuffle ? new RandomSampler(n, { generator: this.generator }) : new SequentialSampler(n));
      this.batchSampler =
        options.batchSampler ?? (this.batchSize === null ? null : new BatchSampler(this.sampler, this.batchSize, this.dropLast));
    }
  }

  /** Whether samples are grouped into batches (false with `batchSize: null`). */
  get autoCollation(): boolean {
    return this.batchSampler !== null || (this.iterable && this.batchSize !== null);
  }

  /** Number of batches per epoch (items when batching is off). Throws when it cannot be known. */
  get length(): number {
    if (this.iterable) {
      const n = (this.dataset as { length?: unknown }).length;
      if (typeof n !== "number") throw new DataError(`DataLoader: ${datasetName(this.dataset)} has no length, so neither has the loader`);
      if (this.batchSize === null) return n;
      return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
    }
    const source = this.batchSampler ?? this.sampler!;
    const n = samplerLength(source);
    if (n === undefined) throw new DataError("DataLoader: the sampler has no length, so neither has the loader");
    return n;
  }

  /** Worker threads of this loader that are still running (0 after an epoch unless persistent). */
  get aliveWorkers(): number {
    let alive = 0;
    for (const pool of this.pools) alive += pool.alive;
    return alive;
  }

  /** Starts an epoch. */
  [Symbol.asyncIterator](): AsyncIterableIterator<B> {
    // The epoch seed is drawn before the sampler draws its order, in both modes alike.
    const epochSeed = seedFrom(this.generator ?? defaultGenerator);
    const plan: EpochPlan = {
      dataset: this.mapDataset ?? this.dataset,
      iterable: this.iterable,
      batches: this.iterable ? null : this.batchSampler ? this.batchSampler[Symbol.iterator]() : singleIndices(this.sampler!),
      batched: this.autoCollation,
      batchSize: this.batchSize ?? 1,
      dropLast: this.dropLast,
      collateFn: this.userCollate,
      epochSeed,
      timeout: this.timeout,
    };
    if (this.numWorkers === 0) return new SingleProcessIterator<B>(plan);
    const workerCollate = this.userCollate !== null && this.workerSpec !== undefined && isModuleSpec(this.workerSpec) && !!this.workerSpec.collate;
    const acquire = () => this.acquirePool();
    return this.iterable
      ? new WorkerStreamIterator<B>(plan, acquire, this.prefetchFactor, workerCollate)
      : new WorkerMapIterator<B>(plan, acquire, this.prefetchFactor, workerCollate);
  }

  /** Ends persistent worker threads (and any still running); resolves when all have exited. */
  async close(): Promise<void> {
    this.persistentPool = null;
    await Promise.all([...this.pools].map((pool) => pool.shutdown()));
    this.pools.clear();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async acquirePool(): Promise<PoolLease> {
    let pool = this.persistentPool;
    if (!pool || pool.failed) {
      pool = await this.startPool();
      if (this.persistentWorkers) this.persistentPool = pool;
    }
    pool.ref();
    const persistent = pool === this.persistentPool;
    return {
      pool,
      release: async (failed) => {
        if (persistent && !failed) {
          pool.unref();
          return;
        }
        if (this.persistentPool === pool) this.persistentPool = null;
        await pool.shutdown();
        this.pools.delete(pool);
      },
    };
  }

  private async startPool(): Promise<WorkerPool> {
    const spec = this.workerSpec ?? (await describeDataset(this.dataset));
    const dataset = toInit(spec);
    let collate: WorkerCollate = { kind: this.userCollate ? "main" : "default" };
    if (this.userCollate && this.workerSpec && isModuleSpec(this.workerSpec) && this.workerSpec.collate) {
      collate = { kind: "module", module: moduleUrl(this.workerSpec.module, "worker.module"), export: this.workerSpec.collate };
    }
    if (this.iterable && dataset.kind !== "module") {
      throw new DataError("DataLoader: an iterable dataset in worker threads needs the worker option (a module that builds it)");
    }
    const pool = new WorkerPool(this.numWorkers, (workerId) => ({
      workerId,
      numWorkers: this.numWorkers,
      setup: this.workerSetup,
      dataset,
      collate,
      batched: this.autoCollation,
      batchSize: this.batchSize ?? 1,
      dropLast: this.dropLast,
    }));
    this.pools.add(pool);
    return pool;
  }
}

function arrayDataset<S>(items: readonly S[]): Dataset<S> {
  return {
    get length() {
      return items.length;
    },
    getItem: (index) => items[index]!,
    workerInit: () => describeDataset(items),
  };
}

function* singleIndices(sampler: Iterable<number>): Iterator<readonly number[]> {
  for (const index of sampler) yield [index];
}

/** The spec with module references as importable URL strings (nested specs included). */
function toInit(spec: WorkerDatasetSpec): WorkerDatasetInit {
  if (!isModuleSpec(spec)) {
    if (spec.kind === "subset") return { ...spec, dataset: toInit(spec.dataset) };
    if (spec.kind === "concat") return { ...spec, datasets: spec.datasets.map(toInit) };
    return spec;
  }
  return {
    kind: "module",
    module: moduleUrl(spec.module, "worker.module"),
    export: spec.export ?? "default",
    args: (spec.args ?? []).slice(),
  };
}

/** A module reference workers can import: file URLs and absolute paths, or bare package names. */
function moduleUrl(module: string | URL, option: string): string {
  if (module instanceof URL) return module.href;
  if (typeof module !== "string" || module.length === 0) throw new DataError(`DataLoader: ${option} must be a URL or a path`);
  if (module.startsWith("file:") || module.startsWith("data:")) return module;
  if (module.startsWith("/") || /^[A-Za-z]:[\\/]/.test(module)) return new URL(`file://${module.startsWith("/") ? "" : "/"}${module.replace(/\\/g, "/")}`).href;
  if (module.startsWith(".")) {
    throw new DataError(
      `DataLoader: ${option} "${module}" is relative, and workers cannot tell relative to what; ` +
        `use new URL("${module}", import.meta.url) or an absolute path`,
    );
  }
  return module;
}
