/** readCsv: a whole CSV file as typed columns, read in one streaming pass. */
import { tensor, type DType, type Tensor } from "@trek/tensor";
import { CsvFormatError } from "../errors.js";
import type { CsvOptions } from "./csv-options.js";
import { RecordError, csvRecords, withLineNumbers } from "./csv-records.js";

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const MISSING = /^(|nan|NaN|NA|N\/A|null)$/;

/** Parses a decimal number; undefined for text, NaN for a missing value. */
export function parseNumber(text: string): number | undefined {
  const s = text.trim();
  if (NUMBER.test(s)) return Number(s);
  if (MISSING.test(s)) return Number.NaN;
  return undefined;
}

/** Builds one column: numeric (Float64Array) until a non-number shows up, then text. */
class ColumnBuilder {
  numbers: Float64Array | null = new Float64Array(1024);
  strings: string[] | null = null;
  length = 0;
  firstMissingRecord: number | undefined;
  firstMissingText = "";

  constructor(
    readonly name: string,
    readonly forced: "number" | "string" | undefined,
  ) {
    if (forced === "string") {
      this.numbers = null;
      this.strings = [];
    }
  }

  /** Appends the field of record `record` (0-based, header included; for error messages). */
  push(text: string, record: number): void {
    if (this.strings) {
      this.strings.push(text);
      this.length++;
      return;
    }
    const value = parseNumber(text);
    if (value === undefined) {
      if (this.forced === "number") {
        throw new RecordError(record, (where) => `${where}: column "${this.name}" expects a number, got ${JSON.stringify(text)}`);
      }
      // Becomes a text column: earlier numbers are kept as their decimal text.
      const numbers = this.numbers!;
      this.strings = Array.from(numbers.subarray(0, this.length), (v) => (Number.isNaN(v) ? "" : String(v)));
      this.numbers = null;
      this.strings.push(text);
      this.length++;
      return;
    }
    if (Number.isNaN(value) && this.firstMissingRecord === undefined) {
      this.firstMissingRecord = record;
      this.firstMissingText = text;
    }
    if (this.length === this.numbers!.length) {
      const grown = new Float64Array(this.numbers!.length * 2);
      grown.set(this.numbers!);
      this.numbers = grown;
    }
    this.numbers![this.length++] = value;
  }

  finish(allowMissing: boolean): Float64Array | string[] {
    if (this.strings) return this.strings;
    if (this.firstMissingRecord !== undefined && !allowMissing) {
      const text = JSON.stringify(this.firstMissingText);
      throw new RecordError(
        this.firstMissingRecord,
        (where) => `${where}: numeric column "${this.name}" has a missing value (${text}); pass allowMissing: true to read missing values as NaN`,
      );
    }
    return this.numbers!.slice(0, this.length);
  }
}

/** A CSV file as named columns: numbers in Float64Arrays, text in string arrays. */
export class CsvTable {
  constructor(
    /** Column names, in order. */
    readonly columns: readonly string[],
    private readonly data: readonly (Float64Array | string[])[],
    /** Number of data rows. */
    readonly numRows: number,
    /** The file it was read from (for messages). */
    readonly file: string,
  ) {}

  /** Position of a column given by name or position (negative counts from the end). */
  columnIndex(column: string | number): number {
    if (typeof column === "number") {
      const j = column < 0 ? column + this.columns.length : column;
      if (!Number.isInteger(j) || j < 0 || j >= this.columns.length) {
        throw new CsvFormatError(`${this.file}: column position ${column} is out of range for ${this.columns.length} columns`, this.file);
      }
      return j;
    }
    const j = this.columns.indexOf(column);
    if (j < 0) {
      throw new CsvFormatError(`${this.file}: no column named "${column}" (columns: ${this.columns.join(", ")})`, this.file);
    }
    return j;
  }

  /** The values of one column. */
  column(column: string | number): Float64Array | string[] {
    return this.data[this.columnIndex(column)]!;
  }

  isNumeric(column: string | number): boolean {
    return this.column(column) instanceof Float64Array;
  }

  /** Numeric columns stacked as a [rows, columns] tensor (default float32). */
  toTensor(columns: readonly (string | number)[] = this.columns, options: { dtype?: DType } = {}): Tensor {
    const positions = columns.map((c) => this.columnIndex(c));
    const width = positions.length;
    const out = new Float64Array(this.numRows * width);
    positions.forEach((j, k) => {
      const values = this.data[j]!;
      if (!(values instanceof Float64Array)) {
        const example = values.find((v) => parseNumber(v) === undefined) ?? values[0];
        throw new CsvFormatError(
          `${this.file}: column "${this.columns[j]}" holds text (e.g. ${JSON.stringify(example)}), not numbers; ` +
            "encode it (LabelEncoder / OneHotEncoder) or leave it out",
          this.file,
        );
      }
      for (let i = 0; i < this.numRows; i++) out[i * width + k] = values[i]!;
    });
    return tensor(out, { shape: [this.numRows, width], dtype: options.dtype ?? "float32" });
  }
}

/**
 * Reads a CSV file into typed columns with one streaming pass (csv-parse): quoted fields,
 * headers, column selection and type inference; malformed rows fail with the line number.
 * @example const table = await readCsv("iris.csv", { skipLines: 1, header: false });
 */
export async function readCsv(file: string, options: CsvOptions = {}): Promise<CsvTable> {
  return withLineNumbers(file, options, () => readColumns(file, options));
}

async function readColumns(file: string, options: CsvOptions): Promise<CsvTable> {
  let names: string[] | undefined = Array.isArray(options.header) ? options.header.slice() : undefined;
  const useHeaderLine = options.header === undefined || options.header === true;
  let builders: ColumnBuilder[] | undefined;
  let selected: number[] | undefined;
  let record = -1;
  let rows = 0;
  const start = (): void => {
    selected = selectColumns(file, names!, options.columns);
    builders = selected.map((j) => new ColumnBuilder(names![j]!, options.types?.[names![j]!]));
  };
  for await (const fields of csvRecords(file, options)) {
    record++;
    if (!builders) {
      if (useHeaderLine && !names) {
        names = fields.map((f) => f.trim());
        continue;
      }
      names ??= fields.map((_, j) => String(j));
      if (names.length !== fields.length) {
        throw new RecordError(record, (where) => `${where}: expected ${names!.length} fields (one per column name), got ${fields.length}`);
      }
      start();
    }
    for (let k = 0; k < selected!.length; k++) builders![k]!.push(fields[selected![k]!]!, record);
    rows++;
  }
  if (!builders) {
    if (!names) throw new CsvFormatError(`${file}: the file has no rows`, file);
    start();
  }
  const allowMissing = options.allowMissing ?? false;
  return new CsvTable(
    selected!.map((j) => names![j]!),
    builders!.map((b) => b.finish(allowMissing)),
    rows,
    file,
  );
}

/** Positions of the requested columns (all, by default). */
export function selectColumns(file: string, names: readonly string[], columns: readonly (string | number)[] | undefined): number[] {
  if (!columns) return names.map((_, j) => j);
  return columns.map((c) => {
    if (typeof c === "number") {
      const j = c < 0 ? c + names.length : c;
      if (!Number.isInteger(j) || j < 0 || j >= names.length) {
        throw new CsvFormatError(`${file}: column position ${c} is out of range for ${names.length} columns`, file);
      }
      return j;
    }
    const j = names.indexOf(c);
    if (j < 0) throw new CsvFormatError(`${file}: no column named "${c}" (columns: ${names.join(", ")})`, file);
    return j;
  });
}
