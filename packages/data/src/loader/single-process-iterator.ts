/** Loading on the main thread (numWorkers = 0). */
import { defaultCollate, defaultConvert } from "../collate/default-collate.js";
import { fetchSamples, type FetchableDataset } from "../workers/fetch.js";
import { mixSeeds } from "../workers/seeds.js";
import { newStreamToken, setSampleSeed } from "../workers/context.js";
import { fetchFailure, type EpochPlan } from "./epoch.js";

export class SingleProcessIterator<B> implements AsyncIterableIterator<B> {
  private batchIndex = 0;
  private finished = false;
  private stream: Iterator<unknown> | AsyncIterator<unknown> | null = null;
  private readonly streamSeed: number;
  private readonly streamToken = newStreamToken();

  constructor(private readonly plan: EpochPlan) {
    // An iterable dataset on the main thread is one stream, seeded like worker 0's.
    this.streamSeed = mixSeeds(plan.epochSeed, 0);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<B>> {
    if (this.finished) return { value: undefined, done: true };
    const value = this.plan.iterable ? await this.nextFromStream() : await this.nextFromIndices();
    if (value === END) {
      this.finished = true;
      return { value: undefined, done: true };
    }
    this.batchIndex++;
    return { value: value as B, done: false };
  }

  async return(): Promise<IteratorResult<B>> {
    this.finished = true;
    const stream = this.stream as { return?: () => unknown } | null;
    await stream?.return?.();
    return { value: undefined, done: true };
  }

  private async nextFromIndices(): Promise<unknown> {
    const { plan } = this;
    const step = plan.batches!.next();
    if (step.done) return END;
    const indices = step.value;
    const dataset = plan.dataset as FetchableDataset & { getBatch?: (indices: readonly number[]) => unknown };
    if (plan.batched && !plan.collateFn && dataset.getBatch) return dataset.getBatch(indices);
    let samples: unknown[];
    try {
      samples = await fetchSamples(dataset, indices, plan.epochSeed, this.batchIndex);
    } catch (err) {
      throw fetchFailure(err, this.batchIndex);
    }
    return this.finish(samples, indices);
  }

  private async nextFromStream(): Promise<unknown> {
    const { plan } = this;
    const want = plan.batched ? plan.batchSize : 1;
    const samples: unknown[] = [];
    setSampleSeed(this.streamSeed, this.streamToken);
    try {
      if (!this.stream) {
        const source = plan.dataset as Iterable<unknown> & AsyncIterable<unknown>;
        this.stream =
          typeof source[Symbol.asyncIterator] === "function" ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
      }
      while (samples.length < want) {
        const step = await this.stream.next();
        if (step.done) break;
        samples.push(step.value);
      }
    } finally {
      setSampleSeed(null);
    }
    if (samples.length === 0 || (samples.length < want && plan.dropLast)) return END;
    return this.finish(samples, undefined);
  }

  private async finish(samples: unknown[], indices: readonly number[] | undefined): Promise<unknown> {
    const { collateFn, batched } = this.plan;
    if (!batched) return collateFn ? await collateFn(samples[0] as never, indices) : defaultConvert(samples[0]);
    return collateFn ? await collateFn(samples, indices) : defaultCollate(samples, indices);
  }
}

const END = Symbol("end");
