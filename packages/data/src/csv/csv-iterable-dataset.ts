/** CsvIterableDataset: rows streamed from a CSV file, for files larger than memory. */
import { IterableDataset } from "../datasets/dataset.js";
import { CsvFormatError } from "../errors.js";
import { getWorkerInfo } from "../workers/context.js";
import type { WorkerDatasetSpec } from "../workers/spec.js";
import type { CsvOptions } from "./csv-options.js";
import { RecordError, csvRecords, lineOfRecord } from "./csv-records.js";
import { parseNumber, selectColumns } from "./csv-table.js";

/** One row: column name → number (for numeric-looking fields) or string. */
export type CsvRow = Record<string, number | string>;

/**
 * Streams the rows of a CSV file as plain objects without reading it whole. Fields that look
 * like numbers become numbers (or force types with `types`). In DataLoader worker threads each
 * worker reads the rows r with r mod numWorkers = its id, so every row is loaded once.
 * @example for await (const batch of new DataLoader(new CsvIterableDataset("big.csv"), { batchSize: 256 })) { … }
 */
export class CsvIterableDataset extends IterableDataset<CsvRow> {
  constructor(
    readonly file: string,
    readonly options: CsvOptions = {},
  ) {
    super();
  }

  override async *[Symbol.asyncIterator](): AsyncIterator<CsvRow> {
    const { options, file } = this;
    const worker = getWorkerInfo();
    let names: string[] | undefined = Array.isArray(options.header) ? options.header.slice() : undefined;
    const useHeaderLine = options.header === undefined || options.header === true;
    let selected: number[] | undefined;
    let record = -1;
    let row = 0;
    for await (const fields of csvRecords(file, options)) {
      record++;
      if (!selected) {
        if (useHeaderLine && !names) {
          names = fields.map((f) => f.trim());
          continue;
        }
        names ??= fields.map((_, j) => String(j));
        selected = selectColumns(file, names, options.columns);
      }
      const mine = !worker || row % worker.numWorkers === worker.id;
      row++;
      if (!mine) continue;
      let out: CsvRow;
      try {
        out = this.convert(fields, names!, selected, record);
      } catch (err) {
        if (!(err instanceof RecordError)) throw err;
        const line = await lineOfRecord(file, options, err.recordIndex);
        throw new CsvFormatError(err.describe(line === undefined ? file : `${file}:${line}`), file, line);
      }
      yield out;
    }
  }

  private convert(fields: string[], names: string[], selected: number[], record: number): CsvRow {
    const { options } = this;
    const out: CsvRow = {};
    for (const j of selected) {
      const name = names[j]!;
      const text = fields[j]!;
      const forced = options.types?.[name];
      if (forced === "string") {
        out[name] = text;
        continue;
      }
      const value = parseNumber(text);
      if (forced === "number") {
        if (value === undefined) throw new RecordError(record, (where) => `${where}: column "${name}" expects a number, got ${JSON.stringify(text)}`);
        if (Number.isNaN(value) && !options.allowMissing) {
          throw new RecordError(record, (where) => `${where}: numeric column "${name}" has a missing value; pass allowMissing: true`);
        }
      }
      out[name] = value === undefined || (Number.isNaN(value) && !options.allowMissing) ? text : value;
    }
    return out;
  }

  /** Workers rebuild it from this module (file path and options are plain data). */
  override workerInit(): WorkerDatasetSpec {
    return { module: import.meta.url, export: "CsvIterableDataset", args: [this.file, this.options] };
  }
}
