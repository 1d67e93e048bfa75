import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { registerBackend } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { SGD } from "@trek/optim";
import { TrainingCurves, fit, historyToSvg, saveHistoryPlot } from "@trek/train";
import { blobs, loaderOf, smallClassifier } from "./helpers.js";

registerBackend("cpu", () => new CpuBackend());

const history = { loss: [1, 0.6, 0.4], valLoss: [1.1, 0.8, 0.7], accuracy: [0.5, 0.75, 0.9], lr: [0.1, 0.1, 0.1], time: [1, 1, 1] };

describe("training curves", () => {
  it("draws one panel per quantity with the training and validation series together", () => {
    const svg = historyToSvg(history, { title: "run <1>" });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain("run &lt;1&gt;"); // titles are escaped
    // Panels: loss (loss + valLoss) and accuracy; a constant lr and the time are left out.
    expect(svg.match(/<path /g)).toHaveLength(3);
    expect(svg.match(/<circle /g)).toHaveLength(9);
    expect(svg).toMatch(/>loss</);
    expect(svg).toMatch(/>valLoss</);
    expect(svg).toMatch(/>accuracy</);
    expect(svg).not.toMatch(/>lr</);
    expect(svg).not.toMatch(/>time</);
  });

  it("places points by value: the lowest loss sits lowest on the axis", () => {
    const svg = historyToSvg({ loss: [1, 0.5, 0.25] });
    const ys = [...svg.matchAll(/<circle cx="[\d.]+" cy="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(ys).toHaveLength(3);
    // SVG y grows downwards: decreasing loss → increasing y.
    expect(ys[0]!).toBeLessThan(ys[1]!);
    expect(ys[1]!).toBeLessThan(ys[2]!);
    // Ticks are round numbers covering the data.
    expect(svg).toMatch(/>0\.2</);
    expect(svg).toMatch(/>1</);
  });

  it("names an unknown key", () => {
    expect(() => historyToSvg(history, { keys: ["valAccuracy"] })).toThrow('historyToSvg: the history has no "valAccuracy" (keys: loss, valLoss, accuracy, lr, time)');
  });

  it("the TrainingCurves callback keeps the SVG current after each epoch, written atomically", async () => {
    const folder = mkdtempSync(join(tmpdir(), "trek-curves-"));
    try {
      const path = join(folder, "curves.svg");
      const { x, y } = blobs(64, 41);
      const model = smallClassifier(0);
      const epochsSeen: number[] = [];
      await fit(model, loaderOf(x, y, 32), {
        epochs: 3,
        optimizer: new SGD(model.parameters(), { lr: 0.1 }),
        loss: "crossEntropy",
        metrics: ["accuracy"],
        verbose: 0,
        callbacks: [new TrainingCurves(path), { onEpochEnd: () => void epochsSeen.push(readFileSync(path, "utf8").match(/<circle /g)!.length) }],
      });
      expect(epochsSeen).toEqual([2, 4, 6]); // loss + accuracy, one more point each per epoch
      expect(readdirSync(folder)).toEqual(["curves.svg"]);
      saveHistoryPlot(history, join(folder, "other.svg"));
      expect(readFileSync(join(folder, "other.svg"), "utf8")).toContain("</svg>");
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
