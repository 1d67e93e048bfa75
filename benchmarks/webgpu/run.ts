/**
 * The WebGPU suite: TorchTrek's WebGPU backend next to @tensorflow/tfjs-backend-webgpu, in the
 * same process, on the same adapter (Mesa's lavapipe through Dawn on machines without a GPU).
 *
 *   W1  matmul fp32 N = 256, 1024, 2048 (GFLOP/s)
 *   W2  MLP 784→512→10, batch 128, RMSprop training step (ms/step)
 *   W3  CNN conv3×3(32)-pool-conv3×3(64)-pool-fc128-fc10 on [64,1,28,28], SGD momentum (ms/step)
 *   dispatch  one tiny elementwise op recorded and run (µs/op), and the same with a readback
 *
 * Every timed call ends with a one-element readback, so queued GPU work is included.
 * Options (after `npm run bench --`): --clock cpu|wall (default cpu: this process's CPU time,
 * lavapipe's threads included, steady on a shared machine), --workloads w1,w2,w3,dispatch,
 * --skip tfjs-webgpu. lavapipe's thread count follows LP_NUM_THREADS.
 *
 * Run alone: `npx tsx benchmarks/webgpu/run.ts` (prints the table).
 */
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { formatTables, getClock, median, setClock, type BenchRow, type Clock } from "../lib/bench.js";
import { acquireGpu } from "./gpu.js";
import { trekWebGpu } from "./trek.js";
import { tfjsWebGpu } from "./tfjs.js";
import type { Measured, Workload } from "./workloads.js";

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function rows(framework: string, measured: Measured[]): BenchRow[] {
  return measured.map((m) => ({
    suite: m.spec.suite,
    workload: m.spec.workload,
    framework,
    metric: m.spec.metric,
    value: m.samples.length ? median(m.samples) : null,
    higherIsBetter: m.spec.higherIsBetter,
    note: m.note,
    samples: m.samples,
  }));
}

export async function run(): Promise<BenchRow[]> {
  const previousClock = getClock();
  setClock((option("clock") as Clock | undefined) ?? "cpu");
  const selected = new Set((option("workloads") ?? "w1,w2,w3,dispatch").split(",")) as Set<Workload>;
  const skip = new Set((option("skip") ?? "").split(",").filter(Boolean));
  const gpu = await acquireGpu();
  try {
    if (!gpu.ok) {
      console.log(`webgpu: ${gpu.reason}`);
      return [{ suite: "WebGPU", workload: "all", framework: "torchtrek-webgpu", metric: "", value: null, higherIsBetter: true, note: gpu.reason }];
    }
    console.log(
      `adapter: ${gpu.description}; lavapipe threads: ${process.env.LP_NUM_THREADS ?? "default (all cores)"}; ` +
        `clock ${getClock()}; load average ${loadavg().map((v) => v.toFixed(1)).join(" ")}`,
    );
    const out: BenchRow[] = [];
    const trek = await trekWebGpu(gpu.gpu);
    const tfjs = skip.has("tfjs-webgpu") ? null : await tfjsWebGpu(gpu.gpu);
    try {
      // One workload at a time for both frameworks, so they meet the same machine conditions.
      for (const workload of ["w1", "w2", "w3", "dispatch"] as const) {
        if (!selected.has(workload)) continue;
        console.log(`  ${workload}: torchtrek-webgpu`);
        out.push(...rows("torchtrek-webgpu", await trek.measure(workload)));
        if (tfjs) {
          console.log(`  ${workload}: tfjs-webgpu`);
          out.push(...rows("tfjs-webgpu", await tfjs.measure(workload)));
        }
      }
    } finally {
      await trek.dispose();
      await tfjs?.dispose();
    }
    return out;
  } finally {
    setClock(previousClock);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = await run();
  console.log(formatTables(result));
}
