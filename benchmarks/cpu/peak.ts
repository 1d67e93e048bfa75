/**
 * The machine's fp32 limit, so every figure can be read as a fraction of it: a native AVX2 FMA
 * loop (compiled with the system C compiler when there is one) and the WebAssembly SIMD
 * equivalent (f32x4 multiply + add; V8 has no fused multiply-add without relaxed SIMD), both on
 * 1 and on `threads` threads.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { getClock, timeCalls, type BenchRow } from "../lib/bench.js";

const SUITE = "W0 machine fp32 peak";

const NATIVE_SOURCE = String.raw`
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
static long iterations;
static void *spin(void *arg) {
  __m256 m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-6f);
  /* Distinct starting values: identical chains would be computed once by the compiler. */
  __m256 a0 = _mm256_set1_ps(1.0f), a1 = _mm256_set1_ps(1.1f), a2 = _mm256_set1_ps(1.2f), a3 = _mm256_set1_ps(1.3f);
  __m256 a4 = _mm256_set1_ps(1.4f), a5 = _mm256_set1_ps(1.5f), a6 = _mm256_set1_ps(1.6f), a7 = _mm256_set1_ps(1.7f);
  __m256 a8 = _mm256_set1_ps(1.8f), a9 = _mm256_set1_ps(1.9f);
  for (long i = 0; i < iterations; i++) {
    a0 = _mm256_fmadd_ps(a0, m, c); a1 = _mm256_fmadd_ps(a1, m, c); a2 = _mm256_fmadd_ps(a2, m, c);
    a3 = _mm256_fmadd_ps(a3, m, c); a4 = _mm256_fmadd_ps(a4, m, c); a5 = _mm256_fmadd_ps(a5, m, c);
    a6 = _mm256_fmadd_ps(a6, m, c); a7 = _mm256_fmadd_ps(a7, m, c); a8 = _mm256_fmadd_ps(a8, m, c);
    a9 = _mm256_fmadd_ps(a9, m, c);
  }
  __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                           _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(_mm256_add_ps(a6, a7), _mm256_add_ps(a8, a9))));
  float out[8];
  _mm256_storeu_ps(out, s);
  return out[0] > 1e30f ? arg : NULL;
}
int main(int argc, char **argv) {
  int threads = atoi(argv[1]);
  iterations = atol(argv[2]);
  clockid_t clock = argc > 3 && argv[3][0] == 'c' ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC;
  pthread_t t[256];
  struct timespec t0, t1;
  clock_gettime(clock, &t0);
  for (int i = 0; i < threads; i++) pthread_create(&t[i], 0, spin, 0);
  for (int i = 0; i < threads; i++) pthread_join(t[i], 0);
  clock_gettime(clock, &t1);
  double seconds = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
  /* CPU time sums the threads: report per-thread throughput times the thread count. */
  if (clock == CLOCK_PROCESS_CPUTIME_ID) seconds /= threads;
  printf("%f\n", threads * (double)iterations * 10 * 16 / seconds / 1e9);
  return 0;
}
`;

function nativePeak(threads: number): number | null {
  const flags = existsSync("/proc/cpuinfo") ? readFileSync("/proc/cpuinfo", "utf8") : "";
  if (!/\bavx2\b/.test(flags) || !/\bfma\b/.test(flags)) return null;
  const dir = mkdtempSync(join(tmpdir(), "trek-peak-"));
  writeFileSync(join(dir, "peak.c"), NATIVE_SOURCE);
  const build = spawnSync("cc", ["-O2", "-mavx2", "-mfma", "-pthread", "peak.c", "-o", "peak"], { cwd: dir });
  if (build.status !== 0) return null;
  let best = 0;
  for (let i = 0; i < 3; i++) {
    const clockArgument = threads === 1 && getClock() === "cpu" ? "cpu" : "wall";
    const run = spawnSync(join(dir, "peak"), [String(threads), "100000000", clockArgument], { encoding: "utf8" });
    best = Math.max(best, Number.parseFloat(run.stdout));
  }
  return best;
}

/**
 * WebAssembly SIMD: 12 independent f32x4 multiply-add chains, enough to cover the latency of a
 * dependent multiply then add (two operations of each kind issue per cycle).
 */
const WASM_SOURCE = `
export function spin(n: i32, seed: f32): f32 {
  const m = f32x4.splat(0.999999), c = f32x4.splat(seed);
  // Distinct starting values: identical chains could be computed once by the optimizer.
  let a0 = f32x4.splat(1.0), a1 = f32x4.splat(1.1), a2 = f32x4.splat(1.2), a3 = f32x4.splat(1.3);
  let a4 = f32x4.splat(1.4), a5 = f32x4.splat(1.5), a6 = f32x4.splat(1.6), a7 = f32x4.splat(1.7);
  let a8 = f32x4.splat(1.8), a9 = f32x4.splat(1.9), a10 = f32x4.splat(2.0), a11 = f32x4.splat(2.1);
  for (let i = 0; i < n; i++) {
    a0 = f32x4.add(f32x4.mul(a0, m), c); a1 = f32x4.add(f32x4.mul(a1, m), c);
    a2 = f32x4.add(f32x4.mul(a2, m), c); a3 = f32x4.add(f32x4.mul(a3, m), c);
    a4 = f32x4.add(f32x4.mul(a4, m), c); a5 = f32x4.add(f32x4.mul(a5, m), c);
    a6 = f32x4.add(f32x4.mul(a6, m), c); a7 = f32x4.add(f32x4.mul(a7, m), c);
    a8 = f32x4.add(f32x4.mul(a8, m), c); a9 = f32x4.add(f32x4.mul(a9, m), c);
    a10 = f32x4.add(f32x4.mul(a10, m), c); a11 = f32x4.add(f32x4.mul(a11, m), c);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  return f32x4.extract_lane(f32x4.add(s, f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11))), 0);
}`;

async function compileWasmPeak(): Promise<Uint8Array<ArrayBuffer> | null> {
  try {
    const asc = (await import("assemblyscript/asc")) as unknown as {
      compileString(source: string, options: Record<string, unknown>): Promise<{ binary: Uint8Array | null }>;
    };
    const { binary } = await asc.compileString(WASM_SOURCE, { optimizeLevel: 3, runtime: "stub", enable: ["simd"], noAssert: true });
    return binary ? new Uint8Array(binary) : null;
  } catch {
    return null;
  }
}

const WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const { exports } = new WebAssembly.Instance(new WebAssembly.Module(workerData.binary), { env: { abort() {} } });
exports.spin(1000, 1e-6);
parentPort.postMessage("ready");
parentPort.once("message", () => {
  const t0 = performance.now();
  exports.spin(workerData.iterations, 1e-6);
  parentPort.postMessage(performance.now() - t0);
});
`;

async function wasmPeak(binary: Uint8Array<ArrayBuffer>, threads: number): Promise<number> {
  const iterations = 50_000_000;
  if (threads === 1) {
    // On this thread, timed with the suite's clock.
    const { exports } = new WebAssembly.Instance(new WebAssembly.Module(binary), { env: { abort() {} } });
    const spin = exports.spin as (n: number, seed: number) => number;
    const samples = await timeCalls(() => spin(iterations, 1e-6), { warmup: 1, minRuns: 3, maxRuns: 3 });
    return (iterations * 12 * 8) / Math.min(...samples) / 1e6;
  }
  let best = 0;
  for (let round = 0; round < 3; round++) {
    const workers = Array.from({ length: threads }, () => new Worker(WORKER, { eval: true, workerData: { binary, iterations } }));
    await Promise.all(workers.map((w) => new Promise((resolve) => w.once("message", resolve))));
    const t0 = performance.now();
    const done = workers.map((w) => new Promise((resolve) => w.once("message", resolve)));
    for (const w of workers) w.postMessage("go");
    await Promise.all(done);
    const seconds = (performance.now() - t0) / 1000;
    await Promise.all(workers.map((w) => w.terminate()));
    best = Math.max(best, (threads * iterations * 12 * 8) / seconds / 1e9);
  }
  return best;
}

export async function measurePeak(threads: number): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const counts = threads > 1 ? [1, threads] : [1];
  for (const t of counts) {
    const native = nativePeak(t);
    rows.push({
      suite: SUITE,
      workload: `${t} thread${t > 1 ? "s" : ""}`,
      framework: "native AVX2 FMA",
      metric: "GFLOP/s",
      value: native,
      higherIsBetter: true,
      note: native === null ? "no C compiler or no AVX2/FMA" : undefined,
    });
  }
  const binary = await compileWasmPeak();
  for (const t of counts) {
    rows.push({
      suite: SUITE,
      workload: `${t} thread${t > 1 ? "s" : ""}`,
      framework: "WebAssembly SIMD mul+add",
      metric: "GFLOP/s",
      value: binary ? await wasmPeak(binary, t) : null,
      higherIsBetter: true,
      note: binary ? undefined : "assemblyscript not installed",
    });
  }
  return rows;
}
