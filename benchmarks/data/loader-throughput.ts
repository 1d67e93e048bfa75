/**
 * DataLoader benchmarks:
 * 1. Batches per second from a dataset whose getItem costs ~1 ms of CPU, with numWorkers 0 and 2,
 *    both when the main thread only consumes batches and when it also runs a training step.
 * 2. Loader overhead per batch for an in-memory TensorDataset, compared with one training step
 *    (forward + backward) of a 784→512→10 MLP on the same batch.
 *
 * Run: npx tsx benchmarks/data/loader-throughput.ts
 */
import { cpus, loadavg } from "node:os";
import { hasBackend, randint, randn, registerBackend, scope, type Tensor } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { noGrad } from "@trek/autograd";
import { DataLoader, TensorDataset } from "@trek/data";
import { SlowDataset, calibrateRounds } from "./slow-dataset.js";

if (!hasBackend("cpu")) registerBackend("cpu", () => new CpuBackend());

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** A 784→512→10 MLP trained by hand: one forward + backward + SGD update per call. */
class Mlp {
  readonly w1 = randn([784, 512]).mul(0.03).requiresGrad_();
  readonly b1 = randn([512]).mul(0).requiresGrad_();
  readonly w2 = randn([512, 10]).mul(0.04).requiresGrad_();
  readonly b2 = randn([10]).mul(0).requiresGrad_();

  step(x: Tensor, y: Tensor): void {
    // scope frees the step's intermediates at once instead of leaving them to the GC.
    scope(() => this.stepInScope(x, y));
  }

  private stepInScope(x: Tensor, y: Tensor): void {
    const logits = x.matmul(this.w1).add(this.b1).relu().matmul(this.w2).add(this.b2);
    const loss = logits.logSoftmax(1).gather(1, y.unsqueeze(1)).neg().mean();
    loss.backward();
    noGrad(() => {
      for (const p of [this.w1, this.b1, this.w2, this.b2]) {
        p.sub_(p.grad!.mul(0.01));
        p.grad = null;
      }
    });
  }
}

/** Per epoch: wall ms per batch, and ms per batch the loop spent waiting in next(). */
async function timeEpochs(
  loader: DataLoader<unknown, unknown>,
  epochs: number,
  work: (batch: unknown) => void,
): Promise<{ total: number; waiting: number }[]> {
  const out: { total: number; waiting: number }[] = [];
  for (let e = 0; e < epochs; e++) {
    const start = performance.now();
    let waiting = 0;
    let batches = 0;
    const iterator = loader[Symbol.asyncIterator]();
    for (;;) {
      const t0 = performance.now();
      const next = await iterator.next();
      waiting += performance.now() - t0;
      if (next.done) break;
      work(next.value);
      // A training loop frees each batch when done with it (or wraps the step in scope()).
      for (const t of next.value as Tensor[]) t.dispose();
      batches++;
    }
    out.push({ total: (performance.now() - start) / batches, waiting: waiting / batches });
  }
  return out;
}

async function slowDatasetBenchmark(mlp: Mlp): Promise<void> {
  const samples = 256;
  const batchSize = 16;
  const rounds = calibrateRounds(1);
  const dataset = new SlowDataset(samples, rounds);
  let itemMs = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 50; i++) {
    const start = performance.now();
    dataset.getItem(i);
    itemMs = Math.min(itemMs, performance.now() - start);
  }
  const rows: string[][] = [];
  for (const [label, train] of [
    ["load only", false],
    ["load + MLP step", true],
  ] as const) {
    const work = train
      ? (batch: unknown) => {
          const [x, y] = batch as [Tensor, Tensor];
          mlp.step(x, y);
        }
      : () => {};
    for (const numWorkers of [0, 2]) {
      const loader = new DataLoader(dataset, {
        batchSize,
        shuffle: true,
        seed: 0,
        numWorkers,
        ...(numWorkers > 0 ? { persistentWorkers: true, prefetchFactor: 4 } : {}),
      }) as DataLoader<unknown, unknown>;
      // The first epoch starts the workers (thread start-up is not loading throughput).
      const times = (await timeEpochs(loader, 4, work)).slice(1);
      await loader.close();
      const ms = median(times.map((t) => t.total));
      const waiting = median(times.map((t) => t.waiting));
      rows.push([label, String(numWorkers), ms.toFixed(2), (1000 / ms).toFixed(1), ((1000 * batchSize) / ms).toFixed(0), waiting.toFixed(2)]);
    }
  }
  console.log(
    `\nSlowDataset: getItem = 1 ms of CPU (${rounds} rounds; fastest of 50 calls: ${itemMs.toFixed(2)} ms), ` +
      `${samples} samples, batchSize ${batchSize}, median of 3 warm epochs`,
  );
  printTable(["main thread does", "numWorkers", "ms/batch", "batches/s", "samples/s", "loop waits ms/batch"], rows);
}

async function inMemoryOverhead(mlp: Mlp): Promise<void> {
  const n = 8192;
  const x = randn([n, 784]);
  const y = randint(0, 10, [n]);
  const dataset = new TensorDataset(x, y);
  const rows: string[][] = [];
  for (const batchSize of [64, 128]) {
    const loader = new DataLoader(dataset, { batchSize, shuffle: true, seed: 1 });
    // Time the loader's next() and the training step alternately, batch by batch, so that both
    // see the same machine (other processes may be using the CPUs).
    let loading = 0;
    let stepping = 0;
    let batches = 0;
    for (let epoch = 0; epoch < 2; epoch++) {
      const iterator = loader[Symbol.asyncIterator]();
      for (;;) {
        const t0 = performance.now();
        const next = await iterator.next();
        const t1 = performance.now();
        if (next.done) break;
        const [xb, yb] = next.value as [Tensor, Tensor];
        mlp.step(xb, yb);
        const t2 = performance.now();
        xb.dispose();
        yb.dispose();
        if (epoch === 0 && batches < 10) {
          batches++;
          continue; // warm-up
        }
        loading += t1 - t0;
        stepping += t2 - t1;
        batches++;
      }
    }
    const measured = batches - 10;
    rows.push([
      String(batchSize),
      ((1000 * loading) / measured).toFixed(0),
      (stepping / measured).toFixed(2),
      `${((100 * loading) / stepping).toFixed(1)}%`,
    ]);
  }
  console.log(`\nIn-memory TensorDataset [${n}, 784] float32 + int64 labels, shuffle, numWorkers 0, 2 epochs`);
  console.log("MLP 784→512→10 step = forward + backward (@trek/autograd) + SGD update on the batch");
  printTable(["batchSize", "loader µs/batch", "MLP step ms/batch", "loader / step"], rows);
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, j) => c.padStart(widths[j]!)).join(" | ")} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const r of rows) console.log(line(r));
}

const [load1] = loadavg();
console.log(`machine: ${cpus().length} vCPU, load average ${load1!.toFixed(1)} at start (other processes compete for the CPUs)`);
const mlp = new Mlp();
await inMemoryOverhead(mlp);
await slowDatasetBenchmark(mlp);
