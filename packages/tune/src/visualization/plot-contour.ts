import { paramImportances } from "./param-importances.js";
import { completeWithTarget, paramNames, paramAxis, trialLabel, type ParamPlotOptions } from "./plot-helpers.js";
import { type PlotArea, type PlotSource, SvgCanvas, colorAt, drawAxes, drawColorBar, drawTitle, emptyPlot } from "./svg.js";

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
