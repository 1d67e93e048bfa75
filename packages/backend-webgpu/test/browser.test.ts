/**
 * The backend in a real browser: a page bundled from the packages' sources runs a forward and
 * backward step on `navigator.gpu` in headless Chromium (WebGPU on SwiftShader) and must agree
 * with the same step computed in Node on the CPU backend. Skips with one line when Chromium or
 * a WebGPU adapter in it is missing.
 */
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { registerBackend } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { trainingStep, type StepResult } from "./browser/step.js";

const CANDIDATES = [process.env.TREK_CHROMIUM, "/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser"];
const chromium = CANDIDATES.find((path): path is string => !!path && existsSync(path));
if (!chromium) console.warn("skipping webgpu browser test: no Chromium found (install Debian's chromium or set TREK_CHROMIUM)");

const ARGS = [
  "--no-sandbox",
  "--enable-unsafe-webgpu",
  "--headless=new",
  "--disable-gpu-sandbox",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
/** Tried when Chromium's default WebGPU setup finds no adapter. */
const SWIFTSHADER_ARGS = ["--enable-features=Vulkan", "--use-angle=swiftshader", "--use-webgpu-adapter=swiftshader"];

async function bundle(): Promise<string> {
  const esbuild = await import("esbuild");
  const result = await esbuild.build({
    entryPoints: [fileURLToPath(new URL("./browser/entry.ts", import.meta.url))],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    // Resolve @trek/* to package sources, as the tests do.
    tsconfig: fileURLToPath(new URL("../../../tsconfig.json", import.meta.url)),
    logLevel: "silent",
  });
  return result.outputFiles[0]!.text;
}

function serve(script: string): Promise<Server> {
  const html = `<!doctype html><meta charset="utf-8"><title>trek webgpu</title><script type="module" src="/step.js"></script>`;
  const server = createServer((request, response) => {
    if (request.url === "/step.js") {
      response.writeHead(200, { "content-type": "text/javascript" });
      response.end(script);
    } else {
      response.writeHead(200, { "content-type": "text/html" });
      response.end(html);
    }
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

interface PageOutcome {
  result?: StepResult;
  error?: string;
  adapter?: string;
}

async function runInChromium(url: string, extraArgs: string[]): Promise<PageOutcome> {
  const { chromium: launcher } = await import("playwright-core");
  const browser = await launcher.launch({ executablePath: chromium!, headless: true, args: [...ARGS, ...extraArgs], timeout: 60_000 });
  try {
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForFunction(() => {
      const w = globalThis as unknown as { trekResult?: unknown; trekError?: string };
      return w.trekResult !== undefined || w.trekError !== undefined;
    }, undefined, { timeout: 90_000 });
    return await page.evaluate(() => {
      const w = globalThis as unknown as { trekResult?: StepResult; trekError?: string; trekAdapter?: string };
      return { result: w.trekResult, error: w.trekError, adapter: w.trekAdapter };
    });
  } finally {
    await browser.close();
  }
}

function expectClose(actual: readonly number[], expected: readonly number[], what: string): void {
  expect(actual.length, what).toBe(expected.length);
  actual.forEach((value, i) => {
    expect(Math.abs(value - expected[i]!), `${what}[${i}]: browser ${value} vs node ${expected[i]}`).toBeLessThanOrEqual(
      1e-5 + 1e-4 * Math.abs(expected[i]!),
    );
  });
}

describe.skipIf(!chromium)("webgpu in headless Chromium", () => {
  let server: Server | undefined;
  afterAll(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it("a forward and backward step matches the same step in Node", async (test) => {
    server = await serve(await bundle());
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    let outcome = await runInChromium(url, []);
    if (outcome.error && /adapter|navigator\.gpu/i.test(outcome.error)) outcome = await runInChromium(url, SWIFTSHADER_ARGS);
    if (outcome.error && /adapter|navigator\.gpu/i.test(outcome.error)) {
      console.warn(`skipping webgpu browser test: Chromium offers no WebGPU adapter (${outcome.error.split("\n")[0]})`);
      test.skip();
      return;
    }
    expect(outcome.error, "error in the page").toBeUndefined();
    registerBackend("cpu", () => new CpuBackend());
    const reference = await trainingStep("cpu");
    const result = outcome.result!;
    expect(Math.abs(result.loss - reference.loss), `loss: browser ${result.loss} vs node ${reference.loss}`).toBeLessThan(1e-5);
    result.gradients.forEach((g, k) => expectClose(g, reference.gradients[k]!, `gradient ${k}`));
    expectClose(result.updated, reference.updated, "updated weights");
  });
});
