/** Streaming CSV records through csv-parse, with errors that name the file and line. */
import { createReadStream } from "node:fs";
import { parse, type CsvError } from "csv-parse";
import { CsvFormatError } from "../errors.js";
import type { CsvOptions } from "./csv-options.js";

export interface CsvRecord {
  fields: string[];
  /** 1-based line number in the file where the record ends. */
  line: number;
}

/** The file's records (header included), streamed: memory stays bounded by one chunk. */
export async function* csvRecords(file: string, options: CsvOptions): AsyncGenerator<CsvRecord> {
  const skipLines = options.skipLines ?? 0;
  if (!Number.isInteger(skipLines) || skipLines < 0) {
    throw new CsvFormatError(`readCsv: skipLines must be a non-negative integer, got ${skipLines}`, file);
  }
  const input = createReadStream(file, { encoding: options.encoding ?? "utf8" });
  const opened = new Promise<void>((resolve, reject) => {
    input.once("open", () => resolve());
    input.once("error", reject);
  });
  try {
    await opened;
  } catch (err) {
    throw new CsvFormatError(`readCsv: cannot open ${file}: ${(err as Error).message}`, file);
  }
  const parser = input.pipe(
    parse({
      delimiter: options.delimiter ?? ",",
      from_line: skipLines + 1,
      skip_empty_lines: true,
      bom: true,
      info: true,
      comment: options.comment,
    }),
  );
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      yield { fields: item.record, line: item.info.lines };
    }
  } catch (err) {
    throw toFormatError(err, file);
  } finally {
    input.destroy();
  }
}

function toFormatError(err: unknown, file: string): Error {
  if (err instanceof CsvFormatError) return err;
  const csvError = err as CsvError & { lines?: number };
  const line = typeof csvError.lines === "number" ? csvError.lines : Number(/line (\d+)/.exec(String(csvError.message))?.[1]);
  const where = Number.isFinite(line) ? `${file}:${line}` : file;
  return new CsvFormatError(`${where}: malformed CSV: ${csvError.message}`, file, Number.isFinite(line) ? line : undefined);
}
