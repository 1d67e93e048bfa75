// The native kernels, when this machine built them: loaded, and used for GEMM and convolutions
// (their results are checked against the TypeScript kernels in wasm-kernels.test.ts).
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { conv2d, conv2dParams, maxPool2d, pool2dParams, registerBackend, tensor, type Tensor } from "@trek/tensor";
import "@trek/autograd";
import { CpuBackend, cpuRuntimeInfo, getNumThreads, setNumThreads } from "@trek/backend-cpu";
import { seeded, expectClose } from "./helpers.js";

registerBackend("cpu", () => new CpuBackend());
registerBackend("ref", () => new CpuBackend({ wasm: false }));

const built = existsSync(new URL("../native/build/trek-cpu.node", import.meta.url));
if (!built) console.warn("skipping native kernel tests: native/build/trek-cpu.node was not built (no C compiler or Node headers)");

describe.skipIf(!built)("native kernels", () => {
  it("are loaded on x86-64 with AVX2/FMA", () => {
    expect(cpuRuntimeInfo().native).toBe(true);
  });

  it("split large products and convolutions across threads, with the single-thread results", () => {
    const initial = getNumThreads();
    try {
      const run = (device: string, threads: number): Tensor[] => {
        setNumThreads(threads);
        const x = tensor(seeded(8 * 16 * 32 * 32, 3), { shape: [8, 16, 32, 32], device }).requiresGrad_();
        const w = tensor(seeded(32 * 16 * 3 * 3, 4), { shape: [32, 16, 3, 3], device }).requiresGrad_();
        const y = conv2d(x, w, null, conv2dParams(x, w, { padding: 1 }));
        y.mul(y).sum().backward();
        const a = tensor(seeded(400 * 300, 5), { shape: [400, 300], device });
        const b = tensor(seeded(300 * 500, 6), { shape: [300, 500], device });
        return [y, x.grad!, w.grad!, a.matmul(b)];
      };
      const single = run("cpu", 1);
      const threaded = run("cpu", 3);
      const reference = run("ref", 1);
      const names = ["conv2d", "input gradient", "weight gradient", "matmul"];
      names.forEach((name, i) => {
        const got = Array.from(threaded[i]!.dataSync() as Float32Array);
        expectClose(got, Array.from(single[i]!.dataSync() as Float32Array), 1e-5, 1e-4, `${name}: threaded vs single`);
        expectClose(got, Array.from(reference[i]!.dataSync() as Float32Array), 1e-4, 1e-3, `${name}: vs TypeScript`);
      });
    } finally {
      setNumThreads(initial);
    }
  });

  it("share one sample's convolution among threads by output pixels, with the single-thread result", () => {
    const initial = getNumThreads();
    try {
      // 2·64·48·48·(32·9) ≈ 85 MFLOP: above the threshold at which native kernels start threads.
      const run = (device: string, threads: number): Float32Array => {
        setNumThreads(threads);
        const x = tensor(seeded(32 * 48 * 48, 11), { shape: [1, 32, 48, 48], device });
        const w = tensor(seeded(64 * 32 * 3 * 3, 12), { shape: [64, 32, 3, 3], device });
        const b = tensor(seeded(64, 13), { shape: [64], device });
        return conv2d(x, w, b, conv2dParams(x, w, { padding: 1 })).dataSync() as Float32Array;
      };
      const threaded = Array.from(run("cpu", 3));
      expectClose(threaded, Array.from(run("cpu", 1)), 1e-6, 1e-6, "threaded vs single");
      expectClose(threaded, Array.from(run("ref", 1)), 1e-4, 1e-3, "vs TypeScript");
    } finally {
      setNumThreads(initial);
    }
  });

  it("share inference's max pooling among threads by planes, with the TypeScript result", () => {
    const initial = getNumThreads();
    try {
      // 16·64·32·32 = 2^20 outputs: the size at which native pooling starts threads.
      const run = (device: string, threads: number): Float32Array => {
        setNumThreads(threads);
        const x = tensor(seeded(16 * 64 * 64 * 64, 14), { shape: [16, 64, 64, 64], device });
        const { params, oh, ow } = pool2dParams(x, { kernelSize: 2 }, "maxPool2d");
        return maxPool2d(x, params, oh, ow, false).values.dataSync() as Float32Array;
      };
      const threaded = run("cpu", 3);
      const reference = run("ref", 1);
      expect(threaded.length).toBe(reference.length);
      expect(threaded.every((v, i) => v === reference[i])).toBe(true);
    } finally {
      setNumThreads(initial);
    }
  });

  it("multiply large matrices correctly", () => {
    const n = 300;
    const a = seeded(n * n, 1);
    const b = seeded(n * n, 2);
    const got = tensor(a, { shape: [n, n] }).matmul(tensor(b, { shape: [n, n] })).dataSync() as Float32Array;
    const want = new Float32Array(n * n);
    for (let i = 0; i < n; i++)
      for (let k = 0; k < n; k++) {
        const v = a[i * n + k]!;
        for (let j = 0; j < n; j++) want[i * n + j]! += v * b[k * n + j]!;
      }
    expectClose(got, want, 1e-4, 1e-4, "matmul 300");
  });
});
