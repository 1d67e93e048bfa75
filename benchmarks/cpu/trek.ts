/** The workloads in TorchTrek on the CPU backend. */
import { hasBackend, randint, randn, registerBackend, scope, type Tensor } from "@trek/tensor";
import { CpuBackend, cpuRuntimeInfo, setNumThreads } from "@trek/backend-cpu";
import { noGrad } from "@trek/autograd";
import { CrossEntropyLoss, type Module } from "@trek/nn";
import { Adam, RMSprop, SGD, type Optimizer } from "@trek/optim";
import { median, timeCalls, type BenchRow } from "../lib/bench.js";
import { LstmLanguageModel, ResNet18, cnn, mlp } from "./models.js";
import { W4_CNN_TIMING, WORKLOADS, type Row } from "./workloads.js";

export function setupTrek(threads: number): void {
  if (!hasBackend("cpu")) registerBackend("cpu", () => new CpuBackend());
  setNumThreads(threads);
}

function trainStep(model: Module, optimizer: Optimizer, x: Tensor, y: Tensor, loss: (out: Tensor, y: Tensor) => Tensor): () => void {
  return () =>
    scope(() => {
      optimizer.zeroGrad();
      loss(model.call(x) as Tensor, y).backward();
      optimizer.step();
    });
}

const crossEntropy = new CrossEntropyLoss();
const ce = (out: Tensor, y: Tensor): Tensor => crossEntropy.call(out, y);

export async function trekW1(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const n of [256, 1024, 2048]) {
    const a = randn([n, n]);
    const b = randn([n, n]);
    const s = await timeCalls(() => a.matmul(b).dispose(), { minRuns: 3, budgetMs: n < 2048 ? 3000 : 6000 });
    rows.push({ ...WORKLOADS.matmul(n), samples: s.map((ms) => (2 * n ** 3) / ms / 1e6) });
    a.dispose();
    b.dispose();
  }
  const n = 1 << 22;
  const a = randn([n]);
  const b = randn([n]);
  const add = await timeCalls(() => a.add(b).dispose());
  rows.push({ ...WORKLOADS.add, samples: add.map((ms) => (12 * n) / ms / 1e6) });
  const sum = await timeCalls(() => a.sum().dispose());
  rows.push({ ...WORKLOADS.sum, samples: sum.map((ms) => (4 * n) / ms / 1e6) });
  a.dispose();
  b.dispose();
  return rows;
}

export async function trekW2(): Promise<Row[]> {
  const model = mlp();
  const optimizer = new RMSprop(model.parameters(), { lr: 1e-3 });
  const x = randn([128, 784]);
  const y = randint(0, 10, [128]);
  const s = await timeCalls(trainStep(model, optimizer, x, y, ce), { warmup: 5, minRuns: 20 });
  return [{ ...WORKLOADS.w2, samples: s }];
}

export async function trekW3(): Promise<Row[]> {
  const model = cnn();
  const optimizer = new SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  const x = randn([64, 1, 28, 28]);
  const y = randint(0, 10, [64]);
  const s = await timeCalls(trainStep(model, optimizer, x, y, ce), { warmup: 3, minRuns: 10 });
  return [{ ...WORKLOADS.w3, samples: s }];
}

export async function trekW4(): Promise<Row[]> {
  const rows: Row[] = [];
  await noGrad(async () => {
    const model = cnn().eval();
    const x = randn([64, 1, 28, 28]);
    const s = await timeCalls(() => scope(() => void model.call(x)), W4_CNN_TIMING);
    rows.push({ ...WORKLOADS.w4cnn, samples: s.map((ms) => 64000 / ms) });
    const resnet = new ResNet18().eval();
    const image = randn([1, 3, 224, 224]);
    const r = await timeCalls(() => scope(() => void resnet.call(image)), { minRuns: 10, budgetMs: 5000 });
    rows.push({ ...WORKLOADS.w4resnet, samples: r.map((ms) => 1000 / ms) });
  });
  return rows;
}

export async function trekW5(): Promise<Row[]> {
  const model = new LstmLanguageModel();
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
  const tokens = randint(0, 5000, [34, 32]);
  const targets = randint(0, 5000, [34, 32]);
  const loss = (logits: Tensor, t: Tensor): Tensor => crossEntropy.call(logits.reshape([-1, 5000]), t.reshape([-1]));
  const s = await timeCalls(trainStep(model, optimizer, tokens, targets, loss), { warmup: 3, minRuns: 10 });
  return [{ ...WORKLOADS.w5, samples: s }];
}

/**
 * Memory of W3 training: RSS every 50 steps over `steps` steps. Reports the peak and the growth
 * from step 100 to the end (flat means no leak).
 */
export async function trekW3Memory(steps: number): Promise<BenchRow[]> {
  const model = cnn();
  const optimizer = new SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  const x = randn([64, 1, 28, 28]);
  const y = randint(0, 10, [64]);
  const step = trainStep(model, optimizer, x, y, ce);
  const rss: number[] = [];
  let peak = 0;
  const started = performance.now();
  for (let i = 1; i <= steps; i++) {
    step();
    if (i % 10 === 0) peak = Math.max(peak, process.memoryUsage().rss);
    if (i % 50 === 0) rss.push(process.memoryUsage().rss / 2 ** 20);
  }
  const seconds = (performance.now() - started) / 1000;
  const atHundred = rss[1] ?? rss[0]!;
  const suite = "W3 memory (TorchTrek)";
  const heap = cpuRuntimeInfo();
  const note = `${steps} steps in ${seconds.toFixed(0)} s; RSS every 50 steps (MiB): ${rss.map((v) => v.toFixed(0)).join(" ")}; kernel heap live ${(heap.heapUsedBytes / 2 ** 20).toFixed(1)} MiB, peak ${(heap.heapPeakBytes / 2 ** 20).toFixed(1)} MiB`;
  return [
    { suite, workload: "peak RSS during W3 training", framework: "torchtrek", metric: "MiB", value: peak / 2 ** 20, higherIsBetter: false, note },
    { suite, workload: `RSS growth, step 100 → ${steps}`, framework: "torchtrek", metric: "MiB", value: rss[rss.length - 1]! - atHundred, higherIsBetter: false },
  ];
}

export { median };
