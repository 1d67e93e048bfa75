// The native kernels, when this machine built them: loaded, and used for GEMM and convolutions
// (their results are checked against the TypeScript kernels in wasm-kernels.test.ts).
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { registerBackend, tensor } from "@trek/tensor";
import { CpuBackend, cpuRuntimeInfo } from "@trek/backend-cpu";
import { seeded, expectClose } from "./helpers.js";

registerBackend("cpu", () => new CpuBackend());

const built = existsSync(new URL("../native/build/trek-cpu.node", import.meta.url));
if (!built) console.warn("skipping native kernel tests: native/build/trek-cpu.node was not built (no C compiler or Node headers)");

describe.skipIf(!built)("native kernels", () => {
  it("are loaded on x86-64 with AVX2/FMA", () => {
    expect(cpuRuntimeInfo().native).toBe(true);
  });

  it("multiply large matrices correctly (threaded split included)", () => {
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
