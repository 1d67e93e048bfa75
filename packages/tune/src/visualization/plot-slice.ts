import { completeWithTarget, paramNames, paramAxis, trialLabel, type ParamPlotOptions } from "./plot-helpers.js";
import { type PlotArea, type PlotSource, Scale, SvgCanvas, colorAt, drawAxes, drawTitle, emptyPlot } from "./svg.js";

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
