/**
 * Training curves as a standalone SVG: one panel per quantity (loss, accuracy, …), the training
 * series and its `val…` counterpart together, epochs on the x axis. Written by hand so it opens
 * in any browser or image viewer without a chart library.
 */
import { writeFileAtomic } from "../atomic-write.js";
import { formatTick, niceTicks } from "./nice-ticks.js";

/** Per-epoch series by log key, as `fit` returns them. */
export type HistoryLike = Readonly<Record<string, readonly number[]>>;

/** Options of {@link historyToSvg}. */
export interface HistoryPlotOptions {
  /** A title above the panels. */
  title?: string;
  /** Keys to plot (default: every key except `time`, and `lr` only when it changes). */
  keys?: readonly string[];
  /** Panels per row (default 2). */
  columns?: number;
}

const PANEL_WIDTH = 420;
const PANEL_HEIGHT = 280;
const MARGIN = { left: 64, right: 16, top: 36, bottom: 44 };
const TRAIN_COLOR = "#1f77b4";
const VALIDATION_COLOR = "#ff7f0e";

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** `valAccuracy` → `accuracy`; other keys stay. */
function baseKey(key: string): string {
  return /^val[A-Z]/.test(key) ? key[3]!.toLowerCase() + key.slice(4) : key;
}

function defaultKeys(history: HistoryLike): string[] {
  return Object.keys(history).filter((key) => {
    if (key === "time" || key === "epoch") return false;
    const values = history[key]!;
    if (key === "lr") return values.some((v) => v !== values[0]);
    return values.some(Number.isFinite);
  });
}

/** Groups keys into panels: `loss` with `valLoss`, `accuracy` with `valAccuracy`, … */
function panelsOf(keys: readonly string[]): { title: string; series: string[] }[] {
  const panels = new Map<string, string[]>();
  for (const key of keys) {
    const base = baseKey(key);
    if (!panels.has(base)) panels.set(base, []);
    panels.get(base)!.push(key);
  }
  return [...panels].map(([title, series]) => ({ title, series }));
}

function panelSvg(history: HistoryLike, title: string, series: readonly string[], x0: number, y0: number): string {
  const epochs = Math.max(...series.map((key) => history[key]!.length));
  const values = series.flatMap((key) => history[key]!.filter(Number.isFinite));
  const yTicks = niceTicks(Math.min(...values), Math.max(...values));
  const yLow = yTicks[0] ?? 0;
  const yHigh = yTicks[yTicks.length - 1] ?? 1;
  const plotWidth = PANEL_WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const left = x0 + MARGIN.left;
  const top = y0 + MARGIN.top;
  const xOf = (epoch: number) => left + (epochs <= 1 ? plotWidth / 2 : (epoch / (epochs - 1)) * plotWidth);
  const yOf = (value: number) => top + plotHeight - ((value - yLow) / (yHigh - yLow || 1)) * plotHeight;

  const parts: string[] = [];
  parts.push(`<text x="${x0 + PANEL_WIDTH / 2}" y="${y0 + 22}" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`);
  parts.push(`<rect x="${left}" y="${top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#999"/>`);
  for (const tick of yTicks) {
    const y = yOf(tick).toFixed(1);
    parts.push(`<line x1="${left}" y1="${y}" x2="${left + plotWidth}" y2="${y}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="11">${escapeXml(formatTick(tick))}</text>`);
  }
  const xStep = Math.max(1, Math.ceil(epochs / 10));
  for (let epoch = 0; epoch < epochs; epoch += xStep) {
    const x = xOf(epoch).toFixed(1);
    parts.push(`<line x1="${x}" y1="${top + plotHeight}" x2="${x}" y2="${top + plotHeight + 4}" stroke="#999"/>`);
    parts.push(`<text x="${x}" y="${top + plotHeight + 17}" text-anchor="middle" font-size="11">${epoch + 1}</text>`);
  }
  parts.push(`<text x="${left + plotWidth / 2}" y="${y0 + PANEL_HEIGHT - 8}" text-anchor="middle" font-size="12">epoch</text>`);

  // The legend goes in the right-hand corner the curves' ends stay away from.
  const tail = series.flatMap((key) => history[key]!.slice(Math.floor(epochs * 0.6)).filter(Number.isFinite));
  const tailMean = tail.reduce((a, b) => a + b, 0) / Math.max(tail.length, 1);
  const legendAtBottom = yOf(tailMean) < top + plotHeight / 2;
  const legendHeight = series.length * 16 + 6;
  const legendTop = legendAtBottom ? top + plotHeight - legendHeight - 6 : top + 6;
  const legendLeft = left + plotWidth - 118;
  const legend: string[] = [`<rect x="${legendLeft}" y="${legendTop}" width="112" height="${legendHeight}" fill="white" fill-opacity="0.85" stroke="#ddd"/>`];
  series.forEach((key, index) => {
    const color = /^val[A-Z]/.test(key) ? VALIDATION_COLOR : index === 0 ? TRAIN_COLOR : "#2ca02c";
    const points = history[key]!.map((value, epoch) => (Number.isFinite(value) ? [xOf(epoch), yOf(value)] : null));
    const path = points
      .map((p, i) => (p ? `${i === 0 || !points[i - 1] ? "M" : "L"}${p[0]!.toFixed(1)},${p[1]!.toFixed(1)}` : ""))
      .join(" ");
    parts.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="2"/>`);
    for (const p of points) if (p) parts.push(`<circle cx="${p[0]!.toFixed(1)}" cy="${p[1]!.toFixed(1)}" r="3" fill="${color}"/>`);
    const legendY = legendTop + 11 + index * 16;
    legend.push(`<line x1="${legendLeft + 6}" y1="${legendY}" x2="${legendLeft + 24}" y2="${legendY}" stroke="${color}" stroke-width="2"/>`);
    legend.push(`<text x="${legendLeft + 28}" y="${legendY}" dominant-baseline="middle" font-size="11">${escapeXml(key)}</text>`);
  });
  parts.push(...legend);
  return parts.join("\n");
}

/** The training curves of a history as SVG text. */
export function historyToSvg(history: HistoryLike, options: HistoryPlotOptions = {}): string {
  const keys = options.keys ?? defaultKeys(history);
  for (const key of keys) {
    if (!Array.isArray(history[key])) throw new RangeError(`historyToSvg: the history has no "${key}" (keys: ${Object.keys(history).join(", ")})`);
  }
  const panels = panelsOf(keys);
  const columns = Math.max(1, Math.min(options.columns ?? 2, panels.length || 1));
  const rows = Math.max(1, Math.ceil(panels.length / columns));
  const titleHeight = options.title ? 32 : 0;
  const width = columns * PANEL_WIDTH;
  const height = rows * PANEL_HEIGHT + titleHeight;
  const body: string[] = [];
  if (options.title) body.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="17" font-weight="bold">${escapeXml(options.title)}</text>`);
  if (panels.length === 0) body.push(`<text x="${width / 2}" y="${height / 2}" text-anchor="middle" font-size="13">no epochs logged yet</text>`);
  panels.forEach((panel, i) => {
    body.push(panelSvg(history, panel.title, panel.series, (i % columns) * PANEL_WIDTH, titleHeight + Math.floor(i / columns) * PANEL_HEIGHT));
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...body,
    `</svg>`,
    "",
  ].join("\n");
}

/** Writes the training curves of a history to an SVG file (atomically). */
export function saveHistoryPlot(history: HistoryLike, path: string, options: HistoryPlotOptions = {}): void {
  writeFileAtomic(path, historyToSvg(history, options));
}
