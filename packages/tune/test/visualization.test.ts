import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  NopPruner,
  RandomSampler,
  TrialPruned,
  createStudy,
  paramImportances,
  plotContour,
  plotIntermediateValues,
  plotOptimizationHistory,
  plotParallelCoordinate,
  plotParamImportances,
  plotParetoFront,
  plotSlice,
  setLogLevel,
  writePlot,
  type Study,
} from "../src/index.js";

/** Checks tag nesting and that no raw '<' or '&' escapes into text or attributes. */
function expectWellFormedSvg(svg: string): void {
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z]+)((?:\s+[a-zA-Z][a-zA-Z0-9:-]*="[^"<]*")*)\s*(\/?)>/y;
  let position = 0;
  while (position < svg.length) {
    const next = svg.indexOf("<", position);
    const text = svg.slice(position, next < 0 ? svg.length : next);
    expect(text).not.toMatch(/&(?!amp;|lt;|gt;|quot;)/);
    if (next < 0) break;
    tag.lastIndex = next;
    const match = tag.exec(svg);
    expect(match, `malformed tag at ${svg.slice(next, next + 60)}`).not.toBeNull();
    const [, closing, name, , selfClosing] = match!;
    if (closing) expect(stack.pop()).toBe(name);
    else if (!selfClosing) stack.push(name!);
    position = tag.lastIndex;
  }
  expect(stack).toEqual([]);
}

const count = (svg: string, pattern: RegExp) => (svg.match(pattern) ?? []).length;

let study: Study;
let directory: string;

beforeAll(async () => {
  setLogLevel("silent");
  directory = mkdtempSync(join(tmpdir(), "trek-tune-plots-"));
  study = await createStudy({ sampler: new RandomSampler({ seed: 4 }), pruner: new NopPruner() });
  await study.optimize((trial) => {
    const x = trial.suggestFloat("x<&>", -2, 2);
    const lr = trial.suggestFloat("lr", 1e-4, 1, { log: true });
    const act = trial.suggestCategorical("act", ["relu", "tanh"]);
    for (let step = 0; step < 3; step++) trial.report(x * x + 1 / (step + 1), step);
    if (trial.number % 5 === 4) throw new TrialPruned();
    return x * x + Math.abs(Math.log10(lr) + 2) + (act === "relu" ? 0 : 1);
  }, { nTrials: 25 });
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe("plots", () => {
  it("optimization history: one point per complete trial and a best-so-far line", () => {
    const svg = plotOptimizationHistory(study);
    expectWellFormedSvg(svg);
    expect(count(svg, /<circle [^>]*fill="#1f77b4" fill-opacity/g)).toBe(20); // 25 trials, 5 pruned
    expect(svg).toContain("best value so far");
  });

  it("intermediate values: one line per reporting trial, pruned ones included", () => {
    const svg = plotIntermediateValues(study);
    expectWellFormedSvg(svg);
    expect(count(svg, /<polyline /g)).toBe(25);
    expect(count(svg, /<title>trial \d+ \(pruned\)<\/title>/g)).toBe(5);
  });

  it("parallel coordinates: one line per complete trial across objective and parameters", () => {
    const svg = plotParallelCoordinate(study);
    expectWellFormedSvg(svg);
    expect(count(svg, /<polyline /g)).toBe(20);
    expect(svg).toContain("x&lt;&amp;&gt;"); // names are escaped
    const points = svg.match(/<polyline points="([^"]+)"/)![1]!.split(" ");
    expect(points.length).toBe(4); // objective + 3 parameters
  });

  it("slice: one point per complete trial and parameter", () => {
    const svg = plotSlice(study, { params: ["lr", "act"] });
    expectWellFormedSvg(svg);
    expect(count(svg, /<circle /g)).toBe(40);
    expect(() => plotSlice(study, { params: ["nope"] })).toThrow(/no complete trial has parameter\(s\) "nope"/);
  });

  it("contour: a 40×40 interpolated grid with the trials on top", () => {
    const svg = plotContour(study, { params: ["x<&>", "lr"] });
    expectWellFormedSvg(svg);
    expect(count(svg, /<rect [^>]*stroke="none"/g)).toBe(40 * 40 + 40); // grid cells + colour bar
    expect(count(svg, /<circle [^>]*fill="white"/g)).toBe(20);
  });

  it("parameter importances: bars in decreasing order", () => {
    const svg = plotParamImportances(study);
    expectWellFormedSvg(svg);
    const values = [...svg.matchAll(/<title>[^:]+: ([0-9.]+)<\/title>/g)].map((m) => Number(m[1]));
    expect(values.length).toBe(3);
    expect([...values].sort((a, b) => b - a)).toEqual(values);
  });

  it("Pareto front: front members highlighted", async () => {
    const mo = await createStudy({ directions: ["minimize", "minimize"] });
    for (const values of [[1, 5], [2, 3], [3, 4], [4, 1], [5, 5]]) await mo.addTrial({ values });
    const svg = plotParetoFront(mo);
    expectWellFormedSvg(svg);
    // (1,5), (2,3), (4,1) are non-dominated; (3,4) and (5,5) are dominated by (2,3).
    expect(count(svg, /<circle [^>]*r="4.5" fill="#d62728"><title>/g)).toBe(3);
    expect(count(svg, /<circle [^>]*fill="#9ecae1"><title>/g)).toBe(2);
  });

  it("says so instead of failing when there is nothing to draw", async () => {
    const empty = await createStudy();
    for (const plot of [plotOptimizationHistory, plotIntermediateValues, plotParallelCoordinate, plotSlice, plotContour, plotParamImportances]) {
      const svg = plot(empty);
      expectWellFormedSvg(svg);
      expect(svg).toMatch(/No |needs/);
    }
  });

  it("writes standalone HTML or bare SVG by file extension", () => {
    writePlot(join(directory, "history.html"), plotOptimizationHistory(study), "History");
    writePlot(join(directory, "history.svg"), plotOptimizationHistory(study));
    const html = readFileSync(join(directory, "history.html"), "utf8");
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html).toContain("<title>History</title>");
    expect(html.match(/https?:\/\/[^"]+/g)).toEqual(["http://www.w3.org/2000/svg"]); // no CDN, no scripts
    expect(html).not.toContain("<script");
    expect(readFileSync(join(directory, "history.svg"), "utf8").startsWith("<svg")).toBe(true);
  });
});

describe("paramImportances", () => {
  it("credits the parameters that drive the objective", async () => {
    const s = await createStudy({ sampler: new RandomSampler({ seed: 9 }) });
    await s.optimize((trial) => {
      const x = trial.suggestFloat("x", 0, 1);
      const y = trial.suggestFloat("y", 0, 1);
      const mode = trial.suggestCategorical("mode", ["a", "b", "c"]);
      return 10 * x + 0.1 * y + (mode === "c" ? 3 : 0);
    }, { nTrials: 300 });
    const importances = paramImportances(s);
    expect(Object.keys(importances)).toEqual(["x", "mode", "y"]);
    // Var(10x) = 100/12 ≈ 8.33, Var(3·[mode = c]) = 9·(1/3)(2/3) = 2, Var(0.1y) ≈ 0.0008:
    // first-order shares ≈ 0.806, 0.194, 0.0001.
    expect(importances.x).toBeCloseTo(0.806, 1);
    expect(importances.mode).toBeCloseTo(0.194, 1);
    expect(importances.y).toBeLessThan(0.01);
    expect(Object.values(importances).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });
});
