/**
 * Per-layer profile of the W4 CNN forward at batch 64 (eval, no gradient), in process CPU time:
 * `npx tsx benchmarks/cpu/profile-cnn.ts [runs]` after `npm run build`. A standalone script, not
 * a suite (it exports no `run`). Prints each layer's median and best time and the whole forward's.
 */
import { randn, registerBackend, scope, type Tensor } from "@trek/tensor";
import { CpuBackend, setNumThreads } from "@trek/backend-cpu";
import { noGrad } from "@trek/autograd";
import type { Module } from "@trek/nn";
import { cnn } from "./models.js";

registerBackend("cpu", () => new CpuBackend());
setNumThreads(1);

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const runs = Number(process.argv[2] ?? 200);

function stats(samples: number[]): { median: number; best: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: sorted[sorted.length >> 1]!, best: sorted[0]! };
}

noGrad(() => {
  const model = cnn().eval();
  const layers = model.children() as Module[];
  const x = randn([64, 1, 28, 28]);
  // Inputs of each layer, computed once.
  const inputs: Tensor[] = [x];
  for (const layer of layers) inputs.push(layer.call(inputs[inputs.length - 1]!) as Tensor);
  const perLayer = layers.map(() => [] as number[]);
  const whole: number[] = [];
  for (let run = 0; run < runs + 10; run++) {
    layers.forEach((layer, i) => {
      const t0 = cpuMs();
      scope(() => void layer.call(inputs[i]!));
      if (run >= 10) perLayer[i]!.push(cpuMs() - t0);
    });
    const t0 = cpuMs();
    scope(() => void model.call(x));
    if (run >= 10) whole.push(cpuMs() - t0);
  }
  let total = 0;
  layers.forEach((layer, i) => {
    const s = stats(perLayer[i]!);
    total += s.median;
    console.log(`${String(i).padStart(2)} ${layer.constructor.name.padEnd(10)} ${JSON.stringify(inputs[i]!.shape).padEnd(16)} median ${s.median.toFixed(3)} ms  best ${s.best.toFixed(3)} ms`);
  });
  const w = stats(whole);
  console.log(`sum of layer medians ${total.toFixed(3)} ms; whole forward median ${w.median.toFixed(3)} ms (${(64000 / w.median).toFixed(0)} images/s), best ${w.best.toFixed(3)} ms`);
});
