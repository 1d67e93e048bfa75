/**
 * Loading in worker threads. Batch k of a map-style dataset goes to worker k mod N and batches
 * are yielded in order k = 0, 1, 2, …; up to `prefetchFactor` batches per worker are requested
 * ahead, so workers prepare the next batches while the caller trains on the current one.
 * Iterable datasets: each worker streams its own copy, and batches are taken from the workers
 * in turn (worker 0, 1, …, 0, …), skipping workers whose stream has ended.
 */
import { materialize } from "../collate/default-collate.js";
import type { Reply, WorkerPool } from "../workers/pool.js";
import { withTimeout, workerFailure, type EpochPlan } from "./epoch.js";

/** The pool handle an iterator needs from its loader. */
export interface PoolLease {
  pool: WorkerPool;
  /** Called once when the iterator is done with the pool (shuts it down unless persistent). */
  release(failed: boolean): Promise<void>;
}

interface Pending {
  reply: Promise<Reply>;
  workerId: number;
  batchIndex: number;
  indices: readonly number[] | undefined;
}

abstract class WorkerIteratorBase<B> implements AsyncIterableIterator<B> {
  protected lease: PoolLease | null = null;
  protected finished = false;

  constructor(
    protected readonly plan: EpochPlan,
    private readonly acquire: () => Promise<PoolLease>,
    protected readonly prefetchFactor: number,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<B>> {
    if (this.finished) return { value: undefined, done: true };
    try {
      if (!this.lease) {
        this.lease = await this.acquire();
        this.start(this.lease.pool);
      }
      const item = await this.nextPending(this.lease.pool);
      if (!item) {
        await this.close(false);
        return { value: undefined, done: true };
      }
      // The timeout counts from when the worker is running, not from thread start-up.
      if (this.plan.timeout > 0) await this.lease.pool.ready(item.workerId);
      const reply = await withTimeout(item.reply, this.plan.timeout, () => `batch ${item.batchIndex} from worker ${item.workerId}`);
      if (reply.type === "error") throw workerFailure(reply.error, item.workerId, item.batchIndex);
      if (reply.type === "done") return this.next();
      return { value: (await this.finish(reply.payload, item.indices)) as B, done: false };
    } catch (err) {
      // A failed batch ends the epoch: every worker thread has exited before the error surfaces.
      await this.close(true);
      throw err;
    }
  }

  /** Called by `break` / early exit from `for await`. */
  async return(): Promise<IteratorResult<B>> {
    await this.close(false);
    return { value: undefined, done: true };
  }

  protected abstract start(pool: WorkerPool): void;
  /** The next request to wait for, or null at the end of the epoch. */
  protected abstract nextPending(pool: WorkerPool): Promise<Pending | null>;

  private async finish(payload: unknown, indices: readonly number[] | undefined): Promise<unknown> {
    const value = materialize(payload);
    const { collateFn, batched } = this.plan;
    // Without a worker-side collate module the user's collateFn runs here, on the main thread.
    if (collateFn && !this.collatesInWorker()) {
      return !batched ? await collateFn(value as never, indices) : await collateFn(value as unknown[], indices);
    }
    return value;
  }

  protected collatesInWorker(): boolean {
    return false;
  }

  private async close(failed: boolean): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    const lease = this.lease;
    this.lease = null;
    await lease?.release(failed);
  }
}

/** Map-style datasets: index lists go out round-robin, batches come back in order. */
export class WorkerMapIterator<B> extends WorkerIteratorBase<B> {
  private readonly pending = new Map<number, Pending>();
  private sent = 0;
  private yielded = 0;
  private exhausted = false;
  private pool!: WorkerPool;

  constructor(
    plan: EpochPlan,
    acquire: () => Promise<PoolLease>,
    prefetchFactor: number,
    private readonly workerCollate: boolean,
  ) {
    super(plan, acquire, prefetchFactor);
  }

  protected override collatesInWorker(): boolean {
    return this.workerCollate;
  }

  protected start(pool: WorkerPool): void {
    this.pool = pool;
  }

  protected async nextPending(): Promise<Pending | null> {
    this.fill();
    const item = this.pending.get(this.yielded);
    if (!item) return null;
    this.pending.delete(this.yielded);
    this.yielded++;
    this.fill();
    return item;
  }

  /** Keeps `prefetchFactor` requests in flight per worker. */
  private fill(): void {
    const limit = this.prefetchFactor * this.pool.size;
    while (!this.exhausted && this.sent - this.yielded < limit) {
      const step = this.plan.batches!.next();
      if (step.done) {
        this.exhausted = true;
        break;
      }
      const batchIndex = this.sent++;
      const workerId = batchIndex % this.pool.size;
      const indices = step.value.slice();
      const reply = this.pool.request(workerId, {
        type: "fetch",
        epochSeed: this.plan.epochSeed,
        batchIndex,
        indices,
      });
      reply.catch(() => {}); // awaited later; avoid unhandled-rejection noise meanwhile
      this.pending.set(batchIndex, { reply, workerId, batchIndex, indices });
    }
  }
}

/** Iterable datasets: each worker streams its own copy; batches are taken in turn. */
export class WorkerStreamIterator<B> extends WorkerIteratorBase<B> {
  private queues: Promise<Reply>[][] = [];
  private active: number[] = [];
  private cursor = 0;
  private batchIndex = 0;
  private pool!: WorkerPool;

  constructor(
    plan: EpochPlan,
    acquire: () => Promise<PoolLease>,
    prefetchFactor: number,
    private readonly workerCollate: boolean,
  ) {
    super(plan, acquire, prefetchFactor);
  }

  protected override collatesInWorker(): boolean {
    return this.workerCollate;
  }

  protected start(pool: WorkerPool): void {
    this.pool = pool;
    for (let w = 0; w < pool.size; w++) {
      pool.post(w, { type: "start-epoch", epochSeed: this.plan.epochSeed });
      this.queues.push([]);
      this.active.push(w);
    }
  }

  protected async nextPending(): Promise<Pending | null> {
    while (this.active.length > 0) {
      const position = this.cursor % this.active.length;
      const workerId = this.active[position]!;
      this.topUp(workerId);
      const reply = this.queues[workerId]!.shift()!;
      if (this.plan.timeout > 0) await this.pool.ready(workerId);
      const result = await withTimeout(reply, this.plan.timeout, () => `the next batch from worker ${workerId}`);
      if (result.type === "done") {
        // This worker's stream has ended; its other requests will answer "done" too.
        this.active.splice(position, 1);
        this.queues[workerId] = [];
        continue;
      }
      this.cursor = position + 1;
      this.topUp(workerId);
      return { reply: Promise.resolve(result), workerId, batchIndex: this.batchIndex++, indices: undefined };
    }
    return null;
  }

  private topUp(workerId: number): void {
    const queue = this.queues[workerId]!;
    while (queue.length < this.prefetchFactor) {
      const reply = this.pool.request(workerId, { type: "next" });
      reply.catch(() => {});
      queue.push(reply);
    }
  }
}
