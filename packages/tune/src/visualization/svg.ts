import { writeFileSync } from "node:fs";
import type { FrozenTrial } from "../frozen-trial.js";
import type { StudyDirection } from "../trial-state.js";

/** What the plotting functions read: a `Study` fits, or any trials with directions. */
export interface PlotSource {
  readonly trials: readonly FrozenTrial[];
  readonly directions: readonly StudyDirection[];
  readonly studyName?: string;
}

/** Escapes text for XML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Compact number text for labels. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return "0";
  const magnitude = Math.abs(value);
  if (magnitude >= 1e5 || magnitude < 1e-3) return value.toExponential(2).replace(/\.?0+e/, "e");
  return Number(value.toPrecision(4)).toString();
}

/** A mapping from data values to pixels, linear or logarithmic. */
export class Scale {
  constructor(
    readonly domainLow: number,
    readonly domainHigh: number,
    readonly rangeLow: number,
    readonly rangeHigh: number,
    readonly log = false,
  ) {}

  /** A scale over the finite values given (padded a little so points do not touch the frame). */
  static fit(values: readonly number[], rangeLow: number, rangeHigh: number, log = false, pad = 0.04): Scale {
    const finite = values.filter((v) => Number.isFinite(v) && (!log || v > 0));
    let low = finite.length ? Math.min(...finite) : 0;
    let high = finite.length ? Math.max(...finite) : 1;
    if (log) {
      low = Math.log10(low);
      high = Math.log10(high);
    }
    if (low === high) {
      low -= 0.5;
      high += 0.5;
    }
    const margin = (high - low) * pad;
    low -= margin;
    high += margin;
    return log ? new Scale(10 ** low, 10 ** high, rangeLow, rangeHigh, true) : new Scale(low, high, rangeLow, rangeHigh);
  }

  map(value: number): number {
    const low = this.log ? Math.log10(this.domainLow) : this.domainLow;
    const high = this.log ? Math.log10(this.domainHigh) : this.domainHigh;
    const v = this.log ? Math.log10(value) : value;
    return this.rangeLow + ((v - low) / (high - low)) * (this.rangeHigh - this.rangeLow);
  }

  /** Round tick values inside the domain. */
  ticks(count = 5): number[] {
    if (this.log) {
      const ticks: number[] = [];
      for (let e = Math.ceil(Math.log10(this.domainLow)); e <= Math.floor(Math.log10(this.domainHigh)); e++) ticks.push(10 ** e);
      return ticks.length >= 2 ? ticks : [this.domainLow, this.domainHigh];
    }
    return niceTicks(this.domainLow, this.domainHigh, count);
  }
}

/** About `count` evenly spaced round numbers (1, 2 or 5 × 10^k apart) covering [low, high]. */
export function niceTicks(low: number, high: number, count = 5): number[] {
  if (!(high > low)) return [low];
  const rawStep = (high - low) / Math.max(count, 1);
  const power = 10 ** Math.floor(Math.log10(rawStep));
  const fraction = rawStep / power;
  const step = (fraction >= 5 ? 10 : fraction >= 2 ? 5 : fraction >= 1 ? 2 : 1) * power;
  const ticks: number[] = [];
  for (let v = Math.ceil(low / step) * step; v <= high + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

const COLOR_STOPS: [number, number, number][] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

/** A perceptually ordered colour (dark purple → yellow) for t in [0, 1]. */
export function colorAt(t: number): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
  const position = clamped * (COLOR_STOPS.length - 1);
  const index = Math.min(Math.floor(position), COLOR_STOPS.length - 2);
  const fraction = position - index;
  const a = COLOR_STOPS[index]!;
  const b = COLOR_STOPS[index + 1]!;
  const channel = (k: number) => Math.round(a[k]! + (b[k]! - a[k]!) * fraction);
  return `rgb(${channel(0)},${channel(1)},${channel(2)})`;
}

type Attributes = Record<string, string | number | undefined>;

function attributes(attrs: Attributes): string {
  return Object.entries(attrs)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => ` ${key}="${escapeXml(typeof value === "number" ? String(Number(value.toFixed(2))) : value!)}"`)
    .join("");
}

/** A minimal SVG writer: elements are appended as text, in drawing order. */
export class SvgCanvas {
  private readonly parts: string[] = [];

  constructor(
    readonly width: number,
    readonly height: number,
  ) {}

  element(name: string, attrs: Attributes, content?: string): this {
    this.parts.push(content === undefined ? `<${name}${attributes(attrs)}/>` : `<${name}${attributes(attrs)}>${content}</${name}>`);
    return this;
  }

  line(x1: number, y1: number, x2: number, y2: number, attrs: Attributes = {}): this {
    return this.element("line", { x1, y1, x2, y2, stroke: "#333", ...attrs });
  }

  rect(x: number, y: number, width: number, height: number, attrs: Attributes = {}): this {
    return this.element("rect", { x, y, width: Math.max(width, 0), height: Math.max(height, 0), ...attrs });
  }

  circle(cx: number, cy: number, r: number, attrs: Attributes = {}, title?: string): this {
    return this.element("circle", { cx, cy, r, ...attrs }, title === undefined ? undefined : `<title>${escapeXml(title)}</title>`);
  }

  polyline(points: readonly [number, number][], attrs: Attributes = {}, title?: string): this {
    return this.element(
      "polyline",
      { points: points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" "), fill: "none", ...attrs },
      title === undefined ? undefined : `<title>${escapeXml(title)}</title>`,
    );
  }

  text(x: number, y: number, content: string, attrs: Attributes = {}): this {
    return this.element("text", { x, y, "font-size": 12, "font-family": "sans-serif", fill: "#222", ...attrs }, escapeXml(content));
  }

  /** Inserts raw SVG markup. */
  raw(markup: string): this {
    this.parts.push(markup);
    return this;
  }

  toString(): string {
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${this.width}" height="${this.height}" viewBox="0 0 ${this.width} ${this.height}"><rect width="100%" height="100%" fill="white"/>${this.parts.join("")}</svg>\n`;
  }
}

/** The drawing area of a chart inside its margins. */
export interface PlotArea {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Draws a frame, ticks, grid lines and axis titles for a chart area. */
export function drawAxes(
  canvas: SvgCanvas,
  area: PlotArea,
  x: Scale | { categories: readonly string[] },
  y: Scale,
  labels: { x?: string; y?: string },
): void {
  const bottom = area.top + area.height;
  const right = area.left + area.width;
  for (const tick of y.ticks()) {
    const py = y.map(tick);
    if (py < area.top - 0.5 || py > bottom + 0.5) continue;
    canvas.line(area.left, py, right, py, { stroke: "#e6e6e6" });
    canvas.text(area.left - 6, py + 4, formatNumber(tick), { "text-anchor": "end", "font-size": 11 });
  }
  if (x instanceof Scale) {
    for (const tick of x.ticks()) {
      const px = x.map(tick);
      if (px < area.left - 0.5 || px > right + 0.5) continue;
      canvas.line(px, area.top, px, bottom, { stroke: "#f0f0f0" });
      canvas.text(px, bottom + 16, formatNumber(tick), { "text-anchor": "middle", "font-size": 11 });
    }
  } else {
    const step = area.width / Math.max(x.categories.length, 1);
    x.categories.forEach((category, i) => canvas.text(area.left + step * (i + 0.5), bottom + 16, category, { "text-anchor": "middle", "font-size": 11 }));
  }
  canvas.rect(area.left, area.top, area.width, area.height, { fill: "none", stroke: "#888" });
  if (labels.x) canvas.text(area.left + area.width / 2, bottom + 34, labels.x, { "text-anchor": "middle" });
  if (labels.y) canvas.text(area.left - 46, area.top + area.height / 2, labels.y, { "text-anchor": "middle", transform: `rotate(-90 ${area.left - 46} ${area.top + area.height / 2})` });
}

/** A title line at the top of a chart. */
export function drawTitle(canvas: SvgCanvas, title: string): void {
  canvas.text(canvas.width / 2, 22, title, { "text-anchor": "middle", "font-size": 15, "font-weight": "bold" });
}

/** A vertical colour bar with its value range, at the right edge of a chart. */
export function drawColorBar(canvas: SvgCanvas, x: number, top: number, height: number, low: number, high: number, label: string): void {
  const steps = 40;
  for (let i = 0; i < steps; i++) {
    canvas.rect(x, top + (height * i) / steps, 14, height / steps + 0.5, { fill: colorAt(1 - i / (steps - 1)), stroke: "none" });
  }
  canvas.rect(x, top, 14, height, { fill: "none", stroke: "#888" });
  canvas.text(x + 18, top + 10, formatNumber(high), { "font-size": 11 });
  canvas.text(x + 18, top + height, formatNumber(low), { "font-size": 11 });
  canvas.text(x + 7, top - 8, label, { "text-anchor": "middle", "font-size": 11 });
}

/** A message in place of a chart when there is nothing to draw. */
export function emptyPlot(title: string, message: string): string {
  const canvas = new SvgCanvas(640, 200);
  drawTitle(canvas, title);
  canvas.text(320, 110, message, { "text-anchor": "middle", fill: "#666" });
  return canvas.toString();
}

/** Wraps an SVG chart in a standalone HTML page (no scripts, no external resources). */
export function toHtml(svg: string, title = "trek-tune plot"): string {
  return `<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>${escapeXml(title)}</title>\n<style>body{margin:24px;font-family:sans-serif;background:#fafafa}</style></head>\n<body>\n${svg}</body>\n</html>\n`;
}

/**
 * Writes a chart to a file: `.html` files get a standalone page, anything else the bare SVG.
 */
export function writePlot(path: string, svg: string, title?: string): void {
  writeFileSync(path, path.toLowerCase().endsWith(".html") || path.toLowerCase().endsWith(".htm") ? toHtml(svg, title) : svg);
}
