import { paramImportances } from "./param-importances.js";
import { type ParamPlotOptions } from "./plot-helpers.js";
import { type PlotSource, Scale, SvgCanvas, drawTitle, emptyPlot, escapeXml } from "./svg.js";

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
