/**
 * The WebAssembly kernels in headless Chromium: the bundle a browser app gets (kernels inlined,
 * no Node APIs), on a cross-origin-isolated page (shared memory, worker threads) and on a plain
 * page (private memory, one thread), against the TypeScript kernels run here.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { conv2d, conv2dParams, registerBackend, tensor } from "@trek/tensor";
import "@trek/autograd";
import { CpuBackend } from "@trek/backend-cpu";
import { expectClose, seeded } from "./helpers.js";

const CANDIDATES = [process.env.TREK_CHROMIUM, "/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser"];
const chromium = CANDIDATES.find((path): path is string => !!path && existsSync(path));
const kernelFile = fileURLToPath(new URL("../wasm/kernels.wasm", import.meta.url));
if (!chromium) console.warn("skipping backend-cpu browser test: no Chromium found (install Debian's chromium or set TREK_CHROMIUM)");
else if (!existsSync(kernelFile)) console.warn("skipping backend-cpu browser test: wasm/kernels.wasm not built (run the package build)");

registerBackend("ref", () => new CpuBackend({ wasm: false }));

// localhost is a secure context, which cross-origin isolation needs; requests never leave the page.
const ORIGIN = "http://localhost:9";

async function bundle(): Promise<string> {
  const { build } = await import("esbuild");
  const source = (name: string): string => fileURLToPath(new URL(`../../${name}/src/index.ts`, import.meta.url));
  const result = await build({
    entryPoints: [fileURLToPath(new URL("./browser/entry.ts", import.meta.url))],
    bundle: true,
    write: false,
    format: "iife",
    platform: "browser",
    target: "es2022",
    alias: { "@trek/tensor": source("tensor"), "@trek/autograd": source("autograd"), "@trek/backend-cpu": source("backend-cpu") },
    // What the package build does: the kernels inlined, so the page needs no file access.
    define: { __TREK_CPU_KERNELS_WASM__: JSON.stringify(readFileSync(kernelFile).toString("base64")) },
    logLevel: "silent",
  });
  return result.outputFiles[0]!.text;
}

describe.skipIf(!chromium || !existsSync(kernelFile))("backend-cpu in headless Chromium", () => {
  let browser: import("playwright-core").Browser;
  let script = "";
  const a = seeded(48 * 64, 1);
  const b = seeded(64 * 40, 2);
  const x = seeded(2 * 3 * 10 * 10, 3);
  const w = seeded(4 * 3 * 3 * 3, 4);
  let expected: { product: number[]; conv: number[]; weightGradient: number[] };

  beforeAll(async () => {
    script = await bundle();
    const { chromium: launcher } = await import("playwright-core");
    browser = await launcher.launch({ executablePath: chromium!, headless: true, args: ["--no-sandbox"], timeout: 60_000 });
    const image = tensor(x, { shape: [2, 3, 10, 10], device: "ref" }).requiresGrad_();
    const kernel = tensor(w, { shape: [4, 3, 3, 3], device: "ref" }).requiresGrad_();
    const y = conv2d(image, kernel, null, conv2dParams(image, kernel, { padding: 1 }));
    y.relu().sum().backward();
    expected = {
      product: Array.from(tensor(a, { shape: [48, 64], device: "ref" }).matmul(tensor(b, { shape: [64, 40], device: "ref" })).dataSync() as Float32Array),
      conv: Array.from(y.dataSync() as Float32Array),
      weightGradient: Array.from(kernel.grad!.dataSync() as Float32Array),
    };
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  async function runInPage(isolated: boolean, threads: number): Promise<Record<string, unknown>> {
    const page = await browser.newPage();
    const headers: Record<string, string> = { "content-type": "text/html" };
    if (isolated) {
      headers["cross-origin-opener-policy"] = "same-origin";
      headers["cross-origin-embedder-policy"] = "require-corp";
    }
    await page.route(`${ORIGIN}/**`, (route) =>
      route.fulfill({ status: 200, headers, body: `<!doctype html><meta charset="utf-8"><script>${script}</script>` }),
    );
    const errors: string[] = [];
    page.on("pageerror", (err) => errors.push(err.message));
    await page.goto(`${ORIGIN}/`);
    let result: Record<string, unknown>;
    try {
      result = (await page.evaluate(
        ([a, b, x, w, threads]) => window.trekRun(a as number[], b as number[], x as number[], w as number[], threads as number),
        [Array.from(a), Array.from(b), Array.from(x), Array.from(w), threads] as const,
      )) as Record<string, unknown>;
    } catch (err) {
      // Page stack frames point at the fake origin: report the message alone.
      throw new Error(`in the page: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
    }
    await page.close();
    expect(errors).toEqual([]);
    return result;
  }

  function check(result: Record<string, unknown>): void {
    expectClose(result.product as number[], expected.product, 1e-5, 1e-5, "matmul");
    expectClose(result.conv as number[], expected.conv, 1e-5, 1e-5, "conv2d");
    expectClose(result.weightGradient as number[], expected.weightGradient, 1e-4, 1e-4, "conv2d weight gradient");
  }

  it("runs on shared memory with worker threads when the page is cross-origin isolated", async () => {
    const result = await runInPage(true, 2);
    const info = result.info as { wasm: boolean; sharedMemory: boolean; native: boolean; readyWorkers: number };
    expect(result.crossOriginIsolated).toBe(true);
    expect(info.wasm).toBe(true);
    expect(info.native).toBe(false);
    expect(info.sharedMemory).toBe(true);
    expect(info.readyWorkers).toBeGreaterThanOrEqual(1);
    expect(result.bigProductIsExact).toBe(true);
    check(result);
  }, 120_000);

  it("runs on a private memory, on the page's thread, without isolation", async () => {
    const result = await runInPage(false, 2);
    const info = result.info as { wasm: boolean; sharedMemory: boolean; readyWorkers: number };
    expect(result.crossOriginIsolated).toBe(false);
    expect(info.wasm).toBe(true);
    expect(info.sharedMemory).toBe(false);
    expect(info.readyWorkers).toBe(0);
    check(result);
  }, 120_000);
});
