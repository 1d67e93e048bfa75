import { completeWithTarget, trialLabel, type TargetOptions } from "./plot-helpers.js";
import { type PlotArea, type PlotSource, Scale, SvgCanvas, drawAxes, drawTitle, emptyPlot } from "./svg.js";

/**
 * Objective value of every complete trial by trial number, with the best value so far as a
 * step line. Returns SVG markup (see `writePlot`).
 */
export function plotOptimizationHistory(source: PlotSource, options: TargetOptions = {}): string {
  const title = "Optimization history";
  const { trials, target, name } = completeWithTarget(source, options);
  if (trials.length === 0) return emptyPlot(title, "No complete trials yet.");
  const canvas = new SvgCanvas(760, 440);
  drawTitle(canvas, title);
  const area: PlotArea = { left: 80, top: 40, width: 640, height: 340 };
  const x = Scale.fit(trials.map((t) => t.number), area.left, area.left + area.width);
  const y = Scale.fit(trials.map(target), area.top + area.height, area.top);
  drawAxes(canvas, area, x, y, { x: "Trial number", y: name });
  const maximize = options.target === undefined && source.directions[0] === "maximize";
  const best: [number, number][] = [];
  let bestValue = NaN;
  for (const trial of trials) {
    const value = target(trial);
    if (Number.isNaN(bestValue) || (maximize ? value > bestValue : value < bestValue)) {
      if (best.length) best.push([x.map(trial.number), y.map(bestValue)]);
      bestValue = value;
    }
    best.push([x.map(trial.number), y.map(bestValue)]);
  }
  canvas.polyline(best, { stroke: "#d62728", "stroke-width": 2 }, "best value so far");
  for (const trial of trials) canvas.circle(x.map(trial.number), y.map(target(trial)), 3.5, { fill: "#1f77b4", "fill-opacity": 0.75 }, trialLabel(trial, target(trial)));
  canvas.circle(area.left + 12, area.top + 12, 4, { fill: "#1f77b4" }).text(area.left + 20, area.top + 16, name, { "font-size": 11 });
  canvas.line(area.left + 6, area.top + 30, area.left + 18, area.top + 30, { stroke: "#d62728", "stroke-width": 2 }).text(area.left + 20, area.top + 34, "Best value", { "font-size": 11 });
  return canvas.toString();
}
