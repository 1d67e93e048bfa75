import { completeWithTarget, paramNames, paramAxis, trialLabel, type ParamPlotOptions } from "./plot-helpers.js";
import { type PlotSource, Scale, SvgCanvas, colorAt, drawColorBar, drawTitle, emptyPlot, formatNumber } from "./svg.js";

/**
 * One vertical axis per parameter plus the objective; each complete trial is a line across
 * them, coloured by its objective value (dark = low).
 */
export function plotParallelCoordinate(source: PlotSource, options: ParamPlotOptions = {}): string {
  const title = "Parallel coordinates";
  const { trials, target, name } = completeWithTarget(source, options);
  if (trials.length === 0) return emptyPlot(title, "No complete trials yet.");
  const names = paramNames(trials, options.params);
  const axesCount = names.length + 1;
  const width = Math.max(520, 140 * axesCount + 120);
  const canvas = new SvgCanvas(width, 460);
  drawTitle(canvas, title);
  const top = 60;
  const bottom = 400;
  const spacing = (width - 160) / Math.max(axesCount - 1, 1);
  const xs = Array.from({ length: axesCount }, (_, i) => 60 + i * spacing);
  const targetValues = trials.map(target);
  const objectiveScale = Scale.fit(targetValues, bottom, top);
  const axes = names.map((param) => paramAxis(trials, param, bottom, top));
  const low = Math.min(...targetValues);
  const high = Math.max(...targetValues);
  const ordered = [...trials].sort((a, b) => target(b) - target(a)); // best (lowest) drawn last, on top
  for (const trial of ordered) {
    const value = target(trial);
    const points: [number, number][] = [[xs[0]!, objectiveScale.map(value)]];
    let complete = true;
    axes.forEach((axis, i) => {
      const py = axis.map(trial);
      if (py === null) complete = false;
      else points.push([xs[i + 1]!, py]);
    });
    if (!complete && points.length < 2) continue;
    canvas.polyline(points, { stroke: colorAt(high > low ? (value - low) / (high - low) : 0.5), "stroke-width": 1.2, "stroke-opacity": 0.8 }, trialLabel(trial, value));
  }
  const drawAxis = (x: number, label: string, scale: Scale, categories: string[] | null) => {
    canvas.line(x, top, x, bottom, { stroke: "#444" });
    if (categories) categories.forEach((category, i) => canvas.text(x + 5, scale.map(i) + 4, category, { "font-size": 10 }));
    else for (const tick of scale.ticks(5)) if (scale.map(tick) >= top - 0.5 && scale.map(tick) <= bottom + 0.5) canvas.text(x + 5, scale.map(tick) + 4, formatNumber(tick), { "font-size": 10 });
    canvas.text(x, bottom + 22, label, { "text-anchor": "middle" });
  };
  drawAxis(xs[0]!, name, objectiveScale, null);
  axes.forEach((axis, i) => drawAxis(xs[i + 1]!, names[i]!, axis.scale, axis.categories));
  drawColorBar(canvas, width - 50, top, bottom - top, low, high, "value");
  return canvas.toString();
}
