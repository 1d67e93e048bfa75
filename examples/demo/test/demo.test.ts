import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { registerBackend } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { generateGlyphs } from "../src/glyphs.js";
import { runDemo } from "../src/run-demo.js";

registerBackend("cpu", () => new CpuBackend());

describe("built-in digit glyphs", () => {
  it("are deterministic per seed, balanced across digits, and ink-on-black", async () => {
    const a = await generateGlyphs(200, { seed: 3 });
    const b = await generateGlyphs(200, { seed: 3 });
    const c = await generateGlyphs(200, { seed: 4 });
    expect(a.pixels).toEqual(b.pixels);
    expect(a.pixels).not.toEqual(c.pixels);
    const counts = new Array(10).fill(0);
    for (const label of a.labels) counts[label]++;
    expect(counts).toEqual(new Array(10).fill(20));
    // Strokes cover a minority of each image; the border rows are background (noise only).
    let ink = 0;
    for (const p of a.pixels) if (p > 128) ink++;
    const share = ink / a.pixels.length;
    expect(share).toBeGreaterThan(0.05);
    expect(share).toBeLessThan(0.35);
  });
});

describe("demo run (short)", () => {
  it("learns the digits, saves a checkpoint that reloads to the same accuracy, and draws the curves", async () => {
    const outDir = mkdtempSync(join(tmpdir(), "trek-demo-"));
    try {
      const result = await runDemo({ outDir, trainCount: 3000, testCount: 500, maxEpochs: 2, verbose: 0 });
      expect(result.testAccuracy).toBeGreaterThan(0.8);
      expect(result.reloadedAccuracy).toBe(result.testAccuracy);
      expect(existsSync(result.checkpoint)).toBe(true);
      expect(readFileSync(result.curves, "utf8")).toContain("valAccuracy");
      expect(existsSync(result.samples!)).toBe(true);
      expect(result.onnx.status).toBe("skipped");
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });
});
