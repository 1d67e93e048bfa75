/** CsvDataset: a CSV file as a TensorDataset of (features, target). */
import { tensor, type DType, type Tensor } from "@trek/tensor";
import { CsvFormatError } from "../errors.js";
import { TensorDataset } from "../datasets/tensor-dataset.js";
import type { CsvOptions } from "./csv-options.js";
import { readCsv, type CsvTable } from "./csv-table.js";

export interface CsvDatasetOptions extends CsvOptions {
  /** The target column (name or position; -1 is the last). Omit for features only. */
  target?: string | number;
  /** Feature columns (default: every column except the target). */
  features?: readonly (string | number)[];
  /**
   * "class": integer codes (int64) — integer columns keep their values, text columns are coded
   * in sorted order (see `classes`). "regression": float32. Default: "class" for text or
   * all-integer columns, else "regression".
   */
  targetType?: "class" | "regression";
  /** Feature dtype (default float32). */
  dtype?: DType;
}

/**
 * Samples are `[features, target]` (or `[features]`) rows of a CSV file, loaded once into
 * tensors; as a TensorDataset it batches with one gather per tensor and works in worker threads
 * through shared memory.
 * @example
 * const wine = await CsvDataset.load("wine_data.csv", { skipLines: 1, header: false, target: -1 });
 * const [x, y] = wine.getItem(0);   // float32 [13], int64 []
 */
export class CsvDataset extends TensorDataset {
  /** For a class target read from text: the class names, class i = `classes[i]`. Else null. */
  classes: string[] | null = null;

  constructor(
    readonly features: Tensor,
    readonly target: Tensor | null,
    readonly featureNames: readonly string[],
    readonly targetName: string | null,
  ) {
    super(...(target ? [features, target] : [features]));
  }

  /** Reads `file` (streaming) and builds the dataset. */
  static async load(file: string, options: CsvDatasetOptions = {}): Promise<CsvDataset> {
    // With columns named, only those are kept in memory (positions refer to the whole file).
    const named = options.features?.every((c) => typeof c === "string") && typeof options.target === "string";
    const table = await readCsv(file, { ...options, columns: named ? [...options.features!, options.target!] : options.columns });
    return CsvDataset.fromTable(table, options);
  }

  /** Builds the dataset from an already-read table. */
  static fromTable(table: CsvTable, options: CsvDatasetOptions = {}): CsvDataset {
    const targetIndex = options.target === undefined ? -1 : table.columnIndex(options.target);
    const featureIndices = options.features
      ? options.features.map((c) => table.columnIndex(c))
      : table.columns.map((_, j) => j).filter((j) => j !== targetIndex || options.target === undefined);
    if (featureIndices.includes(targetIndex) && options.target !== undefined) {
      throw new CsvFormatError(`${table.file}: the target column "${table.columns[targetIndex]}" is also listed as a feature`, table.file);
    }
    const features = table.toTensor(featureIndices, { dtype: options.dtype ?? "float32" });
    const featureNames = featureIndices.map((j) => table.columns[j]!);
    if (options.target === undefined) return new CsvDataset(features, null, featureNames, null);
    const values = table.column(targetIndex);
    const { target, classes } = buildTarget(table, targetIndex, values, options.targetType);
    const dataset = new CsvDataset(features, target, featureNames, table.columns[targetIndex]!);
    dataset.classes = classes;
    return dataset;
  }
}

function buildTarget(
  table: CsvTable,
  column: number,
  values: Float64Array | string[],
  type: "class" | "regression" | undefined,
): { target: Tensor; classes: string[] | null } {
  const name = table.columns[column];
  if (!(values instanceof Float64Array)) {
    if (type === "regression") {
      throw new CsvFormatError(`${table.file}: target column "${name}" holds text, so it cannot be a regression target`, table.file);
    }
    const classes = [...new Set(values)].sort();
    const lookup = new Map(classes.map((c, i) => [c, BigInt(i)]));
    return { target: tensor(BigInt64Array.from(values, (v) => lookup.get(v)!)), classes };
  }
  const integral = values.every((v) => Number.isInteger(v));
  if (type === "class" || (type === undefined && integral)) {
    if (!integral) {
      const bad = values.findIndex((v) => !Number.isInteger(v));
      throw new CsvFormatError(`${table.file}: class target column "${name}" has a non-integer value ${values[bad]} (data row ${bad + 1})`, table.file);
    }
    return { target: tensor(BigInt64Array.from(values, (v) => BigInt(v))), classes: null };
  }
  return { target: tensor(Float32Array.from(values)), classes: null };
}
