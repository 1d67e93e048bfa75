/** PyTorch-style tensor printing: `tensor([[1., 2.], [3., 4.]], dtype=float64)`. */
import type { DataArray } from "./dtype.js";
import { isFloatingPoint, getDefaultDType } from "./dtype.js";

interface Printable {
  readonly shape: readonly number[];
  readonly dtype: import("./dtype.js").DType;
  readonly device: string;
  readonly requiresGrad: boolean;
  readonly gradFn: { name: string } | null;
}

/** Tensors with more elements than this print their first and last `EDGE_ITEMS` per dim. */
const SUMMARIZE_THRESHOLD = 1000;
const EDGE_ITEMS = 3;
const LINE_WIDTH = 80;

type Formatter = (v: number | bigint) => string;

function floatFormatter(values: number[]): Formatter {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return formatSpecial((v) => String(v));
  const integral = finite.every((v) => Number.isInteger(v));
  const magnitudes = finite.map(Math.abs).filter((v) => v > 0);
  const maxAbs = magnitudes.length ? Math.max(...magnitudes) : 0;
  const minAbs = magnitudes.length ? Math.min(...magnitudes) : 0;
  if (integral) {
    if (maxAbs >= 1e8) return formatSpecial((v) => v.toExponential(4).replace(/e([+-])(\d)$/, "e$10$2"));
    return formatSpecial((v) => `${v.toFixed(0)}.`);
  }
  if (maxAbs / Math.max(minAbs, Number.MIN_VALUE) > 1000 || maxAbs >= 1e8 || minAbs < 1e-4) {
    return formatSpecial((v) => v.toExponential(4).replace(/e([+-])(\d)$/, "e$10$2"));
  }
  return formatSpecial((v) => v.toFixed(4));
}

function formatSpecial(inner: (v: number) => string): Formatter {
  return (raw) => {
    const v = Number(raw);
    if (Number.isNaN(v)) return "nan";
    if (v === Infinity) return "inf";
    if (v === -Infinity) return "-inf";
    return inner(v);
  };
}

/** Formats a tensor given its row-major data. */
export function formatTensor(t: Printable, data: DataArray): string {
  const summarize = data.length > SUMMARIZE_THRESHOLD;
  const isBool = t.dtype === "bool";
  const sample = collectSample(t.shape, data, summarize);
  let format: Formatter;
  if (isBool) format = (v) => (v ? "True" : "False");
  else if (isFloatingPoint(t.dtype)) format = floatFormatter(sample.map(Number));
  else format = (v) => String(v);
  // Like PyTorch, only finite values set the column width (nan/inf are not padded for).
  const finite = sample.filter((v) => typeof v === "bigint" || Number.isFinite(v));
  const width = Math.max(1, ...finite.map((v) => format(v).length));
  const pad = (v: number | bigint): string => format(v).padStart(width);
  const prefix = "tensor(";
  let body: string;
  if (t.shape.length === 0) body = format(data[0]!);
  else body = formatDims(t.shape, data, 0, 0, pad, prefix.length + 1, summarize);
  const suffixes: string[] = [];
  if (t.device !== "cpu") suffixes.push(`device='${t.device}'`);
  const showDType =
    t.dtype !== getDefaultDType() && t.dtype !== "int64" && t.dtype !== "bool" || (t.shape.length > 0 && data.length === 0);
  if (showDType) suffixes.push(`dtype=${t.dtype}`);
  if (t.gradFn) suffixes.push(`gradFn=<${t.gradFn.name}>`);
  else if (t.requiresGrad) suffixes.push("requiresGrad=true");
  return `${prefix}${body}${suffixes.length ? ", " + suffixes.join(", ") : ""})`;
}

function collectSample(shape: readonly number[], data: DataArray, summarize: boolean): (number | bigint)[] {
  if (!summarize) return Array.from(data as ArrayLike<number | bigint>);
  // Only the printed (edge) elements decide the number format.
  const out: (number | bigint)[] = [];
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const walk = (dim: number, offset: number): void => {
    if (dim === shape.length) {
      out.push(data[offset]!);
      return;
    }
    const n = shape[dim]!;
    const indices = n > 2 * EDGE_ITEMS ? [...range(0, EDGE_ITEMS), ...range(n - EDGE_ITEMS, n)] : range(0, n);
    for (const i of indices) walk(dim + 1, offset + i * strides[dim]!);
  };
  walk(0, 0);
  return out;
}

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a }, (_, i) => a + i);
}

function formatDims(
  shape: readonly number[],
  data: DataArray,
  dim: number,
  offset: number,
  pad: (v: number | bigint) => string,
  indent: number,
  summarize: boolean,
): string {
  const n = shape[dim]!;
  const stride = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
  const elided = summarize && n > 2 * EDGE_ITEMS;
  const indices = elided ? [...range(0, EDGE_ITEMS), -1, ...range(n - EDGE_ITEMS, n)] : range(0, n);
  if (dim === shape.length - 1) {
    const items = indices.map((i) => (i < 0 ? " ..." : pad(data[offset + i]!)));
    // Wrap long rows the way PyTorch does.
    const lines: string[] = [];
    let line = "";
    for (const item of items) {
      const piece = line ? `${line}, ${item}` : item;
      if (piece.length + indent > LINE_WIDTH && line) {
        lines.push(line + ",");
        line = item;
      } else line = piece;
    }
    lines.push(line);
    return `[${lines.join("\n" + " ".repeat(indent))}]`;
  }
  const parts = indices.map((i) =>
    i < 0 ? "..." : formatDims(shape, data, dim + 1, offset + i * stride, pad, indent + 1, summarize),
  );
  const separator = "," + "\n".repeat(shape.length - dim - 1) + " ".repeat(indent);
  return `[${parts.join(separator)}]`;
}
