/**
 * The inference workloads (and W1's matmul/add/sum) in onnxruntime-node, on models exported
 * from the same PyTorch definitions by torch_bench.py --export-onnx (kept in
 * benchmarks/results/models, git-ignored).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { timeCalls } from "../lib/bench.js";
import { W4_CNN_TIMING, WORKLOADS, type Row } from "./workloads.js";

type Ort = typeof import("onnxruntime-node");

async function session(ort: Ort, dir: string, file: string, threads: number): Promise<import("onnxruntime-node").InferenceSession> {
  return ort.InferenceSession.create(join(dir, file), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: "all",
    executionMode: "sequential",
  });
}

function random(n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.random() * 2 - 1;
  return out;
}

export async function ortWorkloads(modelDir: string, threads: number): Promise<Row[]> {
  if (!existsSync(join(modelDir, "cnn.onnx"))) {
    const note = "no ONNX models (PyTorch exports them; python3-torch not found)";
    return [WORKLOADS.matmul(1024), WORKLOADS.w4cnn, WORKLOADS.w4resnet].map((spec) => ({ ...spec, samples: [], note }));
  }
  const ort = (await import("onnxruntime-node")) as unknown as Ort;
  const rows: Row[] = [];
  for (const n of [256, 1024, 2048]) {
    const s = await session(ort, modelDir, `matmul-${n}.onnx`, threads);
    const feeds = { a: new ort.Tensor("float32", random(n * n), [n, n]), b: new ort.Tensor("float32", random(n * n), [n, n]) };
    const t = await timeCalls(async () => void (await s.run(feeds)), { minRuns: 3, budgetMs: n < 2048 ? 3000 : 6000 });
    rows.push({ ...WORKLOADS.matmul(n), samples: t.map((ms) => (2 * n ** 3) / ms / 1e6) });
    await s.release();
  }
  const n = 1 << 22;
  const add = await session(ort, modelDir, "add.onnx", threads);
  const a = new ort.Tensor("float32", random(n), [n]);
  const b = new ort.Tensor("float32", random(n), [n]);
  const addTimes = await timeCalls(async () => void (await add.run({ a, b })));
  rows.push({ ...WORKLOADS.add, samples: addTimes.map((ms) => (12 * n) / ms / 1e6) });
  const sum = await session(ort, modelDir, "sum.onnx", threads);
  const sumTimes = await timeCalls(async () => void (await sum.run({ a })));
  rows.push({ ...WORKLOADS.sum, samples: sumTimes.map((ms) => (4 * n) / ms / 1e6) });
  const cnn = await session(ort, modelDir, "cnn.onnx", threads);
  const images = new ort.Tensor("float32", random(64 * 28 * 28), [64, 1, 28, 28]);
  const cnnTimes = await timeCalls(async () => void (await cnn.run({ x: images })), W4_CNN_TIMING);
  rows.push({ ...WORKLOADS.w4cnn, samples: cnnTimes.map((ms) => 64000 / ms) });
  const resnet = await session(ort, modelDir, "resnet18.onnx", threads);
  const image = new ort.Tensor("float32", random(3 * 224 * 224), [1, 3, 224, 224]);
  const resnetTimes = await timeCalls(async () => void (await resnet.run({ x: image })), { minRuns: 10, budgetMs: 5000 });
  rows.push({ ...WORKLOADS.w4resnet, samples: resnetTimes.map((ms) => 1000 / ms) });
  return rows;
}
