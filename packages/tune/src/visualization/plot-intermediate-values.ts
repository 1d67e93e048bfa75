import { STATE_COLORS } from "./plot-helpers.js";
import { type PlotArea, type PlotSource, Scale, SvgCanvas, drawAxes, drawTitle, emptyPlot } from "./svg.js";

/** Reported intermediate values by step, one line per trial, coloured by final state. */
export function plotIntermediateValues(source: PlotSource): string {
  const title = "Intermediate values";
  const trials = source.trials.filter((trial) => trial.intermediateValues.size > 0);
  if (trials.length === 0) return emptyPlot(title, "No trial reported intermediate values.");
  const canvas = new SvgCanvas(760, 440);
  drawTitle(canvas, title);
  const area: PlotArea = { left: 80, top: 40, width: 640, height: 340 };
  const steps = trials.flatMap((t) => [...t.intermediateValues.keys()]);
  const values = trials.flatMap((t) => [...t.intermediateValues.values()]);
  const x = Scale.fit(steps, area.left, area.left + area.width);
  const y = Scale.fit(values, area.top + area.height, area.top);
  drawAxes(canvas, area, x, y, { x: "Step", y: "Intermediate value" });
  for (const trial of trials) {
    const points = [...trial.intermediateValues].filter(([, v]) => Number.isFinite(v)).sort((a, b) => a[0] - b[0]).map(([s, v]) => [x.map(s), y.map(v)] as [number, number]);
    const color = STATE_COLORS[trial.state] ?? "#333";
    canvas.polyline(points, { stroke: color, "stroke-width": 1.5, "stroke-opacity": 0.8 }, `trial ${trial.number} (${trial.state})`);
    for (const [px, py] of points) canvas.circle(px, py, 2, { fill: color });
  }
  let legendY = area.top + 14;
  for (const state of [...new Set(trials.map((t) => t.state))]) {
    canvas.line(area.left + area.width - 110, legendY - 4, area.left + area.width - 96, legendY - 4, { stroke: STATE_COLORS[state] ?? "#333", "stroke-width": 2 });
    canvas.text(area.left + area.width - 92, legendY, state, { "font-size": 11 });
    legendY += 16;
  }
  return canvas.toString();
}
