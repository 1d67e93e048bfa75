/**
 * Kernels split across worker threads give the single-thread results: bit for bit where each
 * output element is computed by one thread in the same order (GEMM, elementwise, pooling), and to
 * rounding where partial sums are added at the end (conv weight gradients).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Tensor, conv2d, conv2dParams, maxPool2d, pool2dParams, registerBackend, tensor } from "@trek/tensor";
import "@trek/autograd";
import { CpuBackend, cpuRuntimeInfo, getNumThreads, setNumThreads } from "@trek/backend-cpu";
import { expectClose, seeded } from "./helpers.js";

// The WebAssembly pool is under test: the native kernels (which thread themselves) stay off.
process.env.TREK_CPU_NATIVE = "0";
registerBackend("cpu", () => new CpuBackend());

const values = (t: Tensor): number[] => Array.from(t.dataSync() as Float32Array);

async function withThreads<T>(threads: number, fn: () => T): Promise<T> {
  setNumThreads(threads);
  fn(); // starts the workers
  const deadline = Date.now() + 20_000;
  while (cpuRuntimeInfo().readyWorkers < threads - 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return fn();
}

describe("worker threads", () => {
  const initial = getNumThreads();
  beforeAll(() => setNumThreads(1));
  afterAll(() => setNumThreads(initial));

  it("setNumThreads validates its argument", () => {
    expect(() => setNumThreads(0)).toThrow(/positive integer/);
    expect(() => setNumThreads(1.5)).toThrow(/positive integer/);
  });

  it("start, become ready, and give the single-thread results", async () => {
    const a = tensor(seeded(300 * 257, 1), { shape: [300, 257] });
    const b = tensor(seeded(257 * 190, 2), { shape: [257, 190] });
    const big = tensor(seeded(1 << 19, 3), { shape: [512, 1024] });
    const row = tensor(seeded(1024, 4), { shape: [1024] });
    const image = tensor(seeded(6 * 4 * 20 * 20, 5), { shape: [6, 4, 20, 20] });
    const weight = tensor(seeded(8 * 4 * 3 * 3, 6), { shape: [8, 4, 3, 3] });
    const run = (): number[][] => {
      const x = image.detach().requiresGrad_();
      const w = weight.detach().requiresGrad_();
      const y = conv2d(x, w, null, conv2dParams(x, w, { padding: 1 }));
      const p = pool2dParams(y, { kernelSize: 2 }, "maxPool2d");
      const pooled = maxPool2d(y, p.params, p.oh, p.ow).values;
      pooled.mul(pooled).sum().backward();
      return [
        values(a.matmul(b)),
        values(a.t().matmul(a)),
        values(big.add(row)),
        values(big.tanh()),
        values(y),
        values(pooled),
        values(x.grad!),
        values(w.grad!),
      ];
    };
    const single = run();
    const threaded = await withThreads(3, run);
    expect(cpuRuntimeInfo().readyWorkers).toBeGreaterThanOrEqual(2);
    const names = ["matmul", "Aᵀ·A", "add", "tanh", "conv2d", "maxPool2d", "conv input gradient"];
    names.forEach((name, i) => expect(threaded[i], name).toEqual(single[i]));
    expectClose(threaded[7]!, single[7]!, 1e-5, 1e-5, "conv weight gradient");
  });

  it("stay exact when jobs arrive while workers boot and the thread count changes every job", () => {
    // Late-joining workers must never pair one job's generation with the next job's thread
    // count: that would run a share twice and end jobs early (wrong numbers) or never (a hang).
    const a = tensor(seeded(96 * 200, 7), { shape: [96, 200] });
    const b = tensor(seeded(200 * 160, 8), { shape: [200, 160] });
    setNumThreads(1);
    const reference = values(a.matmul(b));
    for (let i = 0; i < 400; i++) {
      setNumThreads(1 + (i % 6)); // up to 5 workers, the new ones booting during the loop
      const product = a.matmul(b);
      const got = values(product);
      product.dispose();
      if (got.some((v, k) => v !== reference[k])) expect.fail(`job ${i} on ${1 + (i % 6)} threads differs from one thread`);
    }
    setNumThreads(1);
  });
});
