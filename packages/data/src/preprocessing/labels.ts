/** Reading label vectors (arrays or 1-d tensors) and ordering categories like scikit-learn. */
import { isTensor, formatShape, type Tensor } from "@trek/tensor";
import { DataError } from "../errors.js";

/** A category value: what a label or a categorical feature may be. */
export type Category = string | number | boolean;

/** Labels: an array of categories, or a 1-d tensor. */
export type LabelVector = readonly Category[] | Tensor;

export function readLabels(op: string, y: LabelVector): Category[] {
  if (!isTensor(y)) {
    if (!Array.isArray(y)) throw new DataError(`${op}: expected an array or a 1-d tensor of labels`);
    return y as Category[];
  }
  if (y.ndim !== 1) throw new DataError(`${op}: expected a 1-d tensor of labels, got shape ${formatShape(y.shape)}`);
  const data = y.dataSync();
  const out: Category[] = new Array(data.length);
  if (y.dtype === "bool") for (let i = 0; i < data.length; i++) out[i] = data[i] !== 0;
  else for (let i = 0; i < data.length; i++) out[i] = Number(data[i]);
  return out;
}

/** Sorted unique values (numbers numerically, strings by code point); mixed kinds are refused. */
export function sortedUnique(op: string, values: readonly Category[]): Category[] {
  const kinds = new Set<string>();
  for (const v of values) {
    const kind = typeof v;
    if (kind !== "string" && kind !== "number" && kind !== "boolean") {
      throw new DataError(`${op}: labels must be strings, numbers or booleans, got ${v === null ? "null" : kind}`);
    }
    if (kind === "number" && Number.isNaN(v)) throw new DataError(`${op}: labels contain NaN`);
    kinds.add(kind);
  }
  if (kinds.size > 1) throw new DataError(`${op}: labels mix ${[...kinds].join(" and ")} values; use one kind`);
  const unique = [...new Set(values)];
  if (kinds.has("string")) unique.sort((a, b) => ((a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0));
  else unique.sort((a, b) => Number(a) - Number(b));
  return unique;
}

export function formatCategory(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}
