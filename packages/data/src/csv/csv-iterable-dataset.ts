/** CsvIterableDataset: rows streamed from a CSV file, for files larger than memory. */
import { IterableDataset } from "../datasets/dataset.js";
import { CsvFormatError } from "../errors.js";
import { getWorkerInfo } from "../workers/context.js";
import type { WorkerDatasetSpec } from "../workers/spec.js";
import type { CsvOptions } from "./csv-options.js";
import { csvRecords } from "./csv-records.js";
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
    let row = 0;
    for await (const { fields, line } of csvRecords(file, options)) {
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
      const out: CsvRow = {};
      for (const j of selected) {
        const name = names![j]!;
        const text = fields[j]!;
        const forced = options.types?.[name];
        if (forced === "string") {
          out[name] = text;
          continue;
        }
        const value = parseNumber(text);
        if (value === undefined && forced === "number") {
          throw new CsvFormatError(`${file}:${line}: column "${name}" expects a number, got ${JSON.stringify(text)}`, file, line);
        }
        if (value !== undefined && Number.isNaN(value) && !options.allowMissing && forced === "number") {
          throw new CsvFormatError(`${file}:${line}: numeric column "${name}" has a missing value; pass allowMissing: true`, file, line);
        }
        out[name] = value === undefined || (Number.isNaN(value) && !options.allowMissing) ? text : value;
      }
      yield out;
    }
  }

  /** Workers rebuild it from @trek/data itself (file path and options are plain data). */
  override workerInit(): WorkerDatasetSpec {
    return { module: "@trek/data", export: "CsvIterableDataset", args: [this.file, this.options] };
  }
}
