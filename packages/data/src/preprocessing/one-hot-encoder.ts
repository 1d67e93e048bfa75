import { isTensor, tensor, formatShape, type DType, type Tensor } from "@trek/tensor";
import { DataError } from "../errors.js";
import { formatCategory, sortedUnique, type Category } from "./labels.js";

/** Rows of categorical features: arrays of categories, or a 2-d tensor of codes. */
export type CategoryMatrix = readonly (readonly Category[])[] | Tensor;

export interface OneHotEncoderOptions {
  /** "error" (default) refuses categories not seen in fit; "ignore" encodes them as all zeros. */
  handleUnknown?: "error" | "ignore";
  /** Output dtype (default float32). */
  dtype?: DType;
}

/**
 * Encodes each categorical column as one indicator column per category (sorted), like
 * scikit-learn's `OneHotEncoder` with dense output: [samples, features] → [samples, Σ categories].
 * @example new OneHotEncoder().fit([["red", "S"], ["blue", "M"]]).transform([["blue", "S"]])  // [[1, 0, 0, 1]]
 */
export class OneHotEncoder {
  readonly handleUnknown: "error" | "ignore";
  readonly dtype: DType;
  /** Sorted categories per input column, after `fit`. */
  categories: Category[][] | null = null;
  private lookups: Map<Category, number>[] = [];
  private offsets: number[] = [];

  constructor(options: OneHotEncoderOptions = {}) {
    this.handleUnknown = options.handleUnknown ?? "error";
    this.dtype = options.dtype ?? "float32";
  }

  /** Number of output columns. */
  get nOutputFeatures(): number {
    return this.categories ? this.categories.reduce((sum, c) => sum + c.length, 0) : 0;
  }

  fit(x: CategoryMatrix): this {
    const rows = readRows("OneHotEncoder.fit", x);
    const width = rows[0]?.length ?? 0;
    this.categories = [];
    for (let j = 0; j < width; j++) {
      this.categories.push(sortedUnique(`OneHotEncoder.fit (column ${j})`, rows.map((r) => r[j]!)));
    }
    this.lookups = this.categories.map((cats) => new Map(cats.map((c, i) => [c, i])));
    this.offsets = [];
    let offset = 0;
    for (const cats of this.categories) {
      this.offsets.push(offset);
      offset += cats.length;
    }
    return this;
  }

  transform(x: CategoryMatrix): Tensor {
    const categories = this.fitted("OneHotEncoder.transform");
    const rows = readRows("OneHotEncoder.transform", x, categories.length);
    const width = this.nOutputFeatures;
    const out = new Float32Array(rows.length * width);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      for (let j = 0; j < row.length; j++) {
        const code = this.lookups[j]!.get(row[j]!);
        if (code === undefined) {
          if (this.handleUnknown === "ignore") continue;
          throw new DataError(
            `OneHotEncoder.transform: found unknown category ${formatCategory(row[j])} in column ${j} at row ${i} ` +
              `(known: ${categories[j]!.slice(0, 10).map(formatCategory).join(", ")}); pass handleUnknown: "ignore" to encode it as zeros`,
          );
        }
        out[i * width + this.offsets[j]! + code] = 1;
      }
    }
    return tensor(out, { shape: [rows.length, width], dtype: this.dtype });
  }

  /** Categories back from indicator rows (the largest entry of each block; null for an all-zero block). */
  inverseTransform(x: Tensor): (Category | null)[][] {
    const categories = this.fitted("OneHotEncoder.inverseTransform");
    const width = this.nOutputFeatures;
    if (x.ndim !== 2 || x.shape[1] !== width) {
      throw new DataError(`OneHotEncoder.inverseTransform: expected shape [n, ${width}], got ${formatShape(x.shape)}`);
    }
    const data = x.to("float64").dataSync() as Float64Array;
    const rows: (Category | null)[][] = [];
    for (let i = 0; i < x.shape[0]!; i++) {
      const row: (Category | null)[] = [];
      categories.forEach((cats, j) => {
        let best = -1;
        let bestValue = 0;
        for (let c = 0; c < cats.length; c++) {
          const v = data[i * width + this.offsets[j]! + c]!;
          if (v > bestValue) {
            bestValue = v;
            best = c;
          }
        }
        row.push(best < 0 ? null : cats[best]!);
      });
      rows.push(row);
    }
    return rows;
  }

  fitTransform(x: CategoryMatrix): Tensor {
    return this.fit(x).transform(x);
  }

  private fitted(op: string): Category[][] {
    if (!this.categories) throw new DataError(`${op}: this OneHotEncoder is not fitted yet; call fit() first`);
    return this.categories;
  }
}

function readRows(op: string, x: CategoryMatrix, expectedWidth?: number): Category[][] {
  let rows: Category[][];
  if (isTensor(x)) {
    if (x.ndim !== 2) throw new DataError(`${op}: expected a 2-d tensor [samples, features], got shape ${formatShape(x.shape)}`);
    const data = x.dataSync();
    const [n, m] = x.shape as [number, number];
    rows = [];
    for (let i = 0; i < n; i++) {
      const row: Category[] = [];
      for (let j = 0; j < m; j++) row.push(x.dtype === "bool" ? data[i * m + j] !== 0 : Number(data[i * m + j]));
      rows.push(row);
    }
  } else {
    if (!Array.isArray(x)) throw new DataError(`${op}: expected rows of categories (a 2-d array) or a 2-d tensor`);
    rows = x as Category[][];
  }
  const width = expectedWidth ?? rows[0]?.length ?? 0;
  rows.forEach((row, i) => {
    if (!Array.isArray(row)) throw new DataError(`${op}: row ${i} is not an array; pass rows like [["red"], ["blue"]]`);
    if (row.length !== width) throw new DataError(`${op}: row ${i} has ${row.length} columns, expected ${width}`);
  });
  return rows;
}
