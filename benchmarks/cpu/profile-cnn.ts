/**
 * Per-layer profile of the W4 CNN forward at batch 64 (eval, no gradient), in process CPU time:
 * `npx tsx benchmarks/cpu/profile-cnn.ts [runs]` after `npm run build`. A standalone script, not
 * a suite (it exports no `run`). Each run is one forward pass, layer after layer as `Sequential`
 * calls them (so every layer meets the caches a real forward leaves it); prints each layer's
 * median and best time and the whole pass's.
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

const runs = Number(process.argv[2] ?? 300);
const warmup = 10;

function stats(samples: number[]): { median: number; best: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: sorted[sorted.length >> 1]!, best: sorted[0]! };
}

noGrad(() => {
  const model = cnn().eval();
  const layers = model.children() as Module[];
  const x = randn([64, 1, 28, 28]);
  const shapes: number[][] = [];
  const perLayer = layers.map(() => [] as number[]);
  const whole: number[] = [];
  for (let run = 0; run < runs + warmup; run++) {
    scope(() => {
      let h: Tensor = x;
      const start = cpuMs();
      layers.forEach((layer, i) => {
        if (run === 0) shapes.push([...h.shape]);
        const t0 = cpuMs();
        h = layer.call(h) as Tensor;
        if (run >= warmup) perLayer[i]!.push(cpuMs() - t0);
      });
      if (run >= warmup) whole.push(cpuMs() - start);
    });
  }
  layers.forEach((layer, i) => {
    const s = stats(perLayer[i]!);
    console.log(`${String(i).padStart(2)} ${layer.constructor.name.padEnd(10)} ${JSON.stringify(shapes[i]).padEnd(16)} median ${s.median.toFixed(3)} ms  best ${s.best.toFixed(3)} ms`);
  });
  const w = stats(whole);
  console.log(`forward median ${w.median.toFixed(3)} ms (${(64000 / w.median).toFixed(0)} images/s), best ${w.best.toFixed(3)} ms`);
});
