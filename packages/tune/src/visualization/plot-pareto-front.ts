import type { FrozenTrial } from "../frozen-trial.js";
import { paretoFront } from "../multi-objective.js";
import { TrialState } from "../trial-state.js";
import { type PlotArea, type PlotSource, Scale, SvgCanvas, drawAxes, drawTitle, emptyPlot, formatNumber } from "./svg.js";

/** Options of {@link plotParetoFront}. */
export interface ParetoFrontOptions {
  /** Which two objectives to plot (default `[0, 1]`). */
  objectives?: readonly [number, number];
  /** Axis labels (default "Objective 0", "Objective 1"). */
  targetNames?: readonly [string, string];
}

/** Complete trials of a multi-objective study in objective space; the Pareto front highlighted. */
export function plotParetoFront(source: PlotSource, options: ParetoFrontOptions = {}): string {
  const title = "Pareto front";
  if (source.directions.length < 2) return emptyPlot(title, "A Pareto front needs at least two objectives.");
  const [i, j] = options.objectives ?? [0, 1];
  for (const k of [i, j]) if (!(Number.isInteger(k) && k >= 0 && k < source.directions.length)) throw new RangeError(`plotParetoFront: objective index ${k} is out of range 0..${source.directions.length - 1}`);
  const complete = source.trials.filter((trial) => trial.state === TrialState.Complete && trial.values !== null);
  if (complete.length === 0) return emptyPlot(title, "No complete trials yet.");
  const front = new Set(paretoFront(complete, source.directions));
  const canvas = new SvgCanvas(680, 480);
  drawTitle(canvas, title);
  const area: PlotArea = { left: 80, top: 40, width: 560, height: 380 };
  const x = Scale.fit(complete.map((t) => t.values![i]!), area.left, area.left + area.width);
  const y = Scale.fit(complete.map((t) => t.values![j]!), area.top + area.height, area.top);
  const [xName, yName] = options.targetNames ?? [`Objective ${i}`, `Objective ${j}`];
  drawAxes(canvas, area, x, y, { x: `${xName} (${source.directions[i]})`, y: `${yName} (${source.directions[j]})` });
  const label = (trial: FrozenTrial) => `trial ${trial.number}: (${trial.values!.map(formatNumber).join(", ")})`;
  for (const trial of complete) if (!front.has(trial)) canvas.circle(x.map(trial.values![i]!), y.map(trial.values![j]!), 3.5, { fill: "#9ecae1" }, label(trial));
  const frontPoints = [...front].sort((a, b) => a.values![i]! - b.values![i]!);
  canvas.polyline(frontPoints.map((t) => [x.map(t.values![i]!), y.map(t.values![j]!)] as [number, number]), { stroke: "#d62728", "stroke-width": 1, "stroke-dasharray": "4 3" });
  for (const trial of frontPoints) canvas.circle(x.map(trial.values![i]!), y.map(trial.values![j]!), 4.5, { fill: "#d62728" }, label(trial));
  canvas.circle(area.left + area.width - 120, area.top + 14, 4.5, { fill: "#d62728" }).text(area.left + area.width - 110, area.top + 18, "Pareto front", { "font-size": 11 });
  canvas.circle(area.left + area.width - 120, area.top + 32, 3.5, { fill: "#9ecae1" }).text(area.left + area.width - 110, area.top + 36, "dominated", { "font-size": 11 });
  return canvas.toString();
}
