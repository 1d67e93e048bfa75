/** TrainingCurves: keeps an SVG of the loss and metric curves up to date during `fit`. */
import type { Callback, Logs } from "./callback.js";
import { saveHistoryPlot, type HistoryPlotOptions } from "../plots/history-svg.js";

/**
 * Rewrites `path` (an `.svg`) after every epoch with the curves so far, so it can be watched
 * while training runs.
 */
export class TrainingCurves implements Callback {
  readonly path: string;
  private readonly options: HistoryPlotOptions;
  private history: Record<string, number[]> = {};

  constructor(path: string, options: HistoryPlotOptions = {}) {
    if (typeof path !== "string" || path === "") throw new TypeError("TrainingCurves: expected a file path");
    this.path = path;
    this.options = options;
  }

  onTrainBegin(): void {
    this.history = {};
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    for (const [key, value] of Object.entries(logs)) {
      const series = (this.history[key] ??= []);
      while (series.length < epoch) series.push(Number.NaN);
      series[epoch] = value;
    }
    saveHistoryPlot(this.history, this.path, this.options);
  }
}
