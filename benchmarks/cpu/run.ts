/**
 * The CPU suite: TorchTrek against PyTorch (python3-torch, when installed), onnxruntime-node
 * (inference), @tensorflow/tfjs-backend-wasm and @tensorflow/tfjs (cpu), on the same workloads,
 * one workload group at a time so that every framework meets the same machine conditions.
 *
 *   W0  the machine's fp32 peak (native FMA and WebAssembly SIMD loops)
 *   W1  matmul fp32 N = 256, 1024, 2048 (GFLOP/s); add and sum over 4M floats (GB/s)
 *   W2  MLP 784→512→10, batch 128, RMSprop training step (ms/step)
 *   W3  CNN conv3×3(32)-pool-conv3×3(64)-pool-fc128-fc10 on [64,1,28,28], SGD momentum (ms/step)
 *   W4  inference: the W3 CNN at batch 64, ResNet-18 at [1,3,224,224] (images/s)
 *   W5  LSTM LM: embedding 5000×100, LSTM 150, T=34, B=32, linear to 5000, Adam (ms/step)
 *   mem W3 training memory: peak RSS and growth over --memory-steps steps (TorchTrek)
 *
 * Options (after `npm run bench --`): --threads N (every framework; default 1), --clock cpu|wall
 * (default: cpu for 1 thread, wall otherwise), --workloads w0,w1,…,mem, --skip tfjs-cpu,…,
 * --memory-steps N (default 1000).
 */
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { median, setClock, type BenchRow, type Clock } from "../lib/bench.js";
import { cpuRuntimeInfo } from "@trek/backend-cpu";
import { measurePeak } from "./peak.js";
import { setupTrek, trekW1, trekW2, trekW3, trekW3Memory, trekW4, trekW5 } from "./trek.js";
import { exportOnnxModels, torchInfo, torchWorkloads } from "./torch.js";
import { ortWorkloads } from "./onnx.js";
import { loadTf, tfW1, tfW2, tfW3, tfW4, tfW5 } from "./tfjs.js";
import type { Row } from "./workloads.js";

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function toBench(framework: string, rows: Row[]): BenchRow[] {
  return rows.map((r) => ({
    suite: r.suite,
    workload: r.workload,
    framework,
    metric: r.metric,
    value: r.samples.length ? median(r.samples) : null,
    higherIsBetter: r.higherIsBetter,
    note: r.note,
    samples: r.samples,
  }));
}

type Group = "w1" | "w2" | "w3" | "w4" | "w5";

export async function run(): Promise<BenchRow[]> {
  const threads = Number(option("threads") ?? 1);
  const clock = (option("clock") as Clock | undefined) ?? (threads === 1 ? "cpu" : "wall");
  setClock(clock);
  const selected = new Set((option("workloads") ?? "w0,w1,w2,w3,w4,w5,mem").split(","));
  const skip = new Set((option("skip") ?? "").split(",").filter(Boolean));
  const memorySteps = Number(option("memory-steps") ?? 1000);
  const modelDir = fileURLToPath(new URL("../results/models", import.meta.url));
  const torch = skip.has("pytorch") ? null : torchInfo();
  setupTrek(threads);
  const info = cpuRuntimeInfo();
  console.log(
    `threads ${threads}, clock ${clock}, load average ${loadavg().map((v) => v.toFixed(1)).join(" ")}; ` +
      `TorchTrek WebAssembly kernels: ${info.wasm ? "on" : `off (${info.reason})`}; ` +
      `PyTorch: ${torch ? `${torch.version} (${torch.blas})` : "not found"}`,
  );

  const rows: BenchRow[] = [];
  // Memory first, before the peak's compiler and the peers load, so the process holds only TorchTrek.
  if (selected.has("mem")) rows.push(...(await trekW3Memory(memorySteps)));
  if (selected.has("w0")) rows.push(...(await measurePeak(threads)));

  const haveModels = !skip.has("onnxruntime-node") && exportOnnxModels(modelDir, torch !== null);
  const trek: Record<Group, () => Promise<Row[]>> = { w1: trekW1, w2: trekW2, w3: trekW3, w4: trekW4, w5: trekW5 };
  const tfjs: Record<Group, typeof tfW1> = { w1: tfW1, w2: tfW2, w3: tfW3, w4: tfW4, w5: tfW5 };
  for (const group of ["w1", "w2", "w3", "w4", "w5"] as const) {
    if (!selected.has(group)) continue;
    console.log(`  ${group}: torchtrek`);
    rows.push(...toBench("torchtrek", await trek[group]()));
    if (torch) {
      console.log(`  ${group}: pytorch`);
      rows.push(...toBench("pytorch", torchWorkloads(group, threads, clock)));
    }
    if ((group === "w1" || group === "w4") && !skip.has("onnxruntime-node")) {
      console.log(`  ${group}: onnxruntime-node`);
      const ort = haveModels ? await ortWorkloads(modelDir, threads) : await ortWorkloads("/nonexistent", threads);
      const mine = ort.filter((r) => (group === "w1" ? r.suite.startsWith("W1") : r.suite.startsWith("W4")));
      rows.push(...toBench("onnxruntime-node", mine));
    }
    for (const backend of ["wasm", "cpu"] as const) {
      const name = `tfjs-${backend}`;
      if (skip.has(name)) continue;
      console.log(`  ${group}: ${name}`);
      const tf = await loadTf(backend, threads);
      rows.push(...toBench(name, await tfjs[group](tf, backend === "cpu")));
    }
  }
  return rows;
}
