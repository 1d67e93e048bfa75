import type { Distribution } from "../distributions.js";
import type { FrozenTrial } from "../frozen-trial.js";
import { paretoFront } from "../multi-objective.js";
import { TrialState } from "../trial-state.js";
import { defaultTarget, paramImportances } from "./param-importances.js";
import { type PlotArea, type PlotSource, Scale, SvgCanvas, colorAt, drawAxes, drawColorBar, drawTitle, emptyPlot, escapeXml, formatNumber } from "./svg.js";

/** Options shared by the single-objective plots. */
export interface TargetOptions {
  /** What to plot for multi-objective studies, e.g. `(trial) => trial.values[0]`. */
  target?: (trial: FrozenTrial) => number;
  /** Axis label of the target (default "Objective value"). */
  targetName?: string;
}

/** Options of the per-parameter plots. */
export interface ParamPlotOptions extends TargetOptions {
  /** Parameters to show (default: all, or the first few by name where space is limited). */
  params?: readonly string[];
}

const STATE_COLORS: Record<string, string> = { complete: "#1f77b4", pruned: "#ff7f0e", fail: "#d62728", running: "#7f7f7f", waiting: "#bbbbbb" };

function completeWithTarget(source: PlotSource, options: TargetOptions): { trials: FrozenTrial[]; target: (trial: FrozenTrial) => number; name: string } {
  const target = options.target ?? defaultTarget(source);
  const trials = source.trials.filter((trial) => trial.state === TrialState.Complete && Number.isFinite(target(trial)));
  return { trials, target, name: options.targetName ?? "Objective value" };
}

function paramNames(trials: readonly FrozenTrial[], requested?: readonly string[]): string[] {
  const all = [...new Set(trials.flatMap((trial) => Object.keys(trial.params)))].sort();
  if (!requested) return all;
  const missing = requested.filter((name) => !all.includes(name));
  if (missing.length) throw new RangeError(`no complete trial has parameter(s) ${missing.map((n) => JSON.stringify(n)).join(", ")}; known: ${all.join(", ")}`);
  return [...requested];
}

/** Distribution of a parameter as used by the latest trial that has it. */
function distributionOf(trials: readonly FrozenTrial[], name: string): Distribution | undefined {
  for (let i = trials.length - 1; i >= 0; i--) if (trials[i]!.distributions[name]) return trials[i]!.distributions[name];
  return undefined;
}

/** An axis for a parameter: categorical choices spread evenly, log ranges on a log scale. */
interface ParamAxis {
  map(trial: FrozenTrial): number | null;
  scale: Scale;
  categories: string[] | null;
}

function paramAxis(trials: readonly FrozenTrial[], name: string, rangeLow: number, rangeHigh: number): ParamAxis {
  const distribution = distributionOf(trials, name);
  if (distribution?.type === "categorical") {
    const categories = distribution.choices.map((choice) => String(choice));
    const scale = new Scale(-0.5, categories.length - 0.5, rangeLow, rangeHigh);
    return { scale, categories, map: (trial) => (trial.internalParams[name] === undefined ? null : scale.map(trial.internalParams[name]!)) };
  }
  const values = trials.map((trial) => trial.params[name]).filter((v): v is number => typeof v === "number");
  const scale = Scale.fit(values, rangeLow, rangeHigh, distribution?.log ?? false);
  return { scale, categories: null, map: (trial) => (typeof trial.params[name] === "number" ? scale.map(trial.params[name] as number) : null) };
}

function trialLabel(trial: FrozenTrial, value: number): string {
  return `trial ${trial.number}: ${formatNumber(value)}\n${Object.entries(trial.params)
    .map(([k, v]) => `${k} = ${typeof v === "number" ? formatNumber(v) : JSON.stringify(v)}`)
    .join("\n")}`;
}

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

/** For each parameter, the objective value against the parameter value (colour = trial number). */
export function plotSlice(source: PlotSource, options: ParamPlotOptions = {}): string {
  const title = "Slice plot";
  const { trials, target, name } = completeWithTarget(source, options);
  if (trials.length === 0) return emptyPlot(title, "No complete trials yet.");
  const names = paramNames(trials, options.params);
  const columns = Math.min(names.length, 3);
  const rows = Math.ceil(names.length / columns);
  const cell = { width: 300, height: 260 };
  const canvas = new SvgCanvas(columns * cell.width + 40, rows * cell.height + 50);
  drawTitle(canvas, title);
  const maxNumber = Math.max(...trials.map((t) => t.number), 1);
  names.forEach((param, index) => {
    const area: PlotArea = { left: (index % columns) * cell.width + 80, top: Math.floor(index / columns) * cell.height + 50, width: cell.width - 100, height: cell.height - 70 };
    const withParam = trials.filter((trial) => Object.hasOwn(trial.params, param));
    const axis = paramAxis(withParam, param, area.left, area.left + area.width);
    const y = Scale.fit(withParam.map(target), area.top + area.height, area.top);
    drawAxes(canvas, area, axis.categories ? { categories: axis.categories } : axis.scale, y, { x: param, y: index % columns === 0 ? name : "" });
    for (const trial of withParam) {
      const px = axis.map(trial);
      if (px !== null) canvas.circle(px, y.map(target(trial)), 3.5, { fill: colorAt(trial.number / maxNumber), "fill-opacity": 0.8 }, trialLabel(trial, target(trial)));
    }
  });
  return canvas.toString();
}

/**
 * The objective over two parameters: a heat map interpolated from the complete trials (inverse
 * distance weighting in the axes' scaled coordinates) with the trials drawn on top. With more than
 * two parameters, `params` picks the pair (default: the two most important).
 */
export function plotContour(source: PlotSource, options: ParamPlotOptions = {}): string {
  const title = "Contour plot";
  const { trials, target, name } = completeWithTarget(source, options);
  if (trials.length === 0) return emptyPlot(title, "No complete trials yet.");
  let names = options.params ? paramNames(trials, options.params) : Object.keys(paramImportances(source, options.target ? { target: options.target } : {}));
  if (names.length < 2) return emptyPlot(title, "A contour plot needs two parameters.");
  names = names.slice(0, 2);
  const [xName, yName] = names as [string, string];
  const withBoth = trials.filter((trial) => Object.hasOwn(trial.params, xName) && Object.hasOwn(trial.params, yName));
  if (withBoth.length === 0) return emptyPlot(title, `No complete trial has both ${xName} and ${yName}.`);
  const canvas = new SvgCanvas(760, 520);
  drawTitle(canvas, `${title}: ${name}`);
  const area: PlotArea = { left: 90, top: 40, width: 560, height: 420 };
  const xAxis = paramAxis(withBoth, xName, area.left, area.left + area.width);
  const yAxis = paramAxis(withBoth, yName, area.top + area.height, area.top);
  const points = withBoth.map((trial) => ({ x: xAxis.map(trial)!, y: yAxis.map(trial)!, value: target(trial), trial }));
  const values = points.map((p) => p.value);
  const low = Math.min(...values);
  const high = Math.max(...values);
  const cells = 40;
  const cellWidth = area.width / cells;
  const cellHeight = area.height / cells;
  for (let i = 0; i < cells; i++) {
    for (let j = 0; j < cells; j++) {
      const cx = area.left + (i + 0.5) * cellWidth;
      const cy = area.top + (j + 0.5) * cellHeight;
      let weightSum = 0;
      let valueSum = 0;
      let exact: number | null = null;
      for (const point of points) {
        const dx = (point.x - cx) / area.width;
        const dy = (point.y - cy) / area.height;
        const distanceSquared = dx * dx + dy * dy;
        if (distanceSquared < 1e-12) {
          exact = point.value;
          break;
        }
        const weight = 1 / (distanceSquared * distanceSquared); // power 4: sharper than 2, fewer plateaus
        weightSum += weight;
        valueSum += weight * point.value;
      }
      const value = exact ?? valueSum / weightSum;
      canvas.rect(area.left + i * cellWidth, area.top + j * cellHeight, cellWidth + 0.4, cellHeight + 0.4, { fill: colorAt(high > low ? (value - low) / (high - low) : 0.5), stroke: "none" });
    }
  }
  drawAxes(canvas, area, xAxis.categories ? { categories: xAxis.categories } : xAxis.scale, yAxis.scale, { x: xName, y: yName });
  if (yAxis.categories) yAxis.categories.forEach((category, k) => canvas.text(area.left - 6, yAxis.scale.map(k) + 4, category, { "text-anchor": "end", "font-size": 11 }));
  for (const point of points) canvas.circle(point.x, point.y, 3.5, { fill: "white", stroke: "#111", "stroke-width": 1 }, trialLabel(point.trial, point.value));
  drawColorBar(canvas, area.left + area.width + 40, area.top, area.height, low, high, name.length > 12 ? "value" : name);
  return canvas.toString();
}

/** Horizontal bars of {@link paramImportances} (most important on top). */
export function plotParamImportances(source: PlotSource, options: ParamPlotOptions = {}): string {
  const title = "Hyperparameter importances";
  const importances = Object.entries(paramImportances(source, { ...(options.params ? { params: options.params } : {}), ...(options.target ? { target: options.target } : {}) }));
  if (importances.length === 0) return emptyPlot(title, "No parameters to rate.");
  const rowHeight = 28;
  const canvas = new SvgCanvas(720, importances.length * rowHeight + 90);
  drawTitle(canvas, title);
  const left = 180;
  const width = 460;
  const x = new Scale(0, 1, left, left + width);
  importances.forEach(([param, importance], i) => {
    const top = 44 + i * rowHeight;
    canvas.text(left - 8, top + 17, param, { "text-anchor": "end" });
    canvas.rect(left, top + 4, x.map(importance) - left, rowHeight - 8, { fill: "#1f77b4" }).raw(`<title>${escapeXml(`${param}: ${importance.toFixed(3)}`)}</title>`);
    canvas.text(x.map(importance) + 6, top + 17, importance.toFixed(3), { "font-size": 11 });
  });
  const axisY = 44 + importances.length * rowHeight + 6;
  canvas.line(left, axisY, left + width, axisY, { stroke: "#888" });
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) canvas.text(x.map(tick), axisY + 16, String(tick), { "text-anchor": "middle", "font-size": 11 });
  canvas.text(left + width / 2, axisY + 34, "Share of explained variance (ε²-based, normalized)", { "text-anchor": "middle", "font-size": 11 });
  return canvas.toString();
}

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
