/**
 * Streaming CSV records through csv-parse, with errors that name the file and line. Line numbers
 * are not tracked per record (csv-parse's per-record info triples the parse time); when a value
 * turns out to be bad, its line is found by re-reading the file up to that record.
 */
import { createReadStream } from "node:fs";
import { parse, type CsvError, type Options } from "csv-parse";
import { CsvFormatError } from "../errors.js";
import type { CsvOptions } from "./csv-options.js";

/** A problem with the record at `recordIndex` (0-based, counting the header), turned into a line later. */
export class RecordError extends Error {
  constructor(
    readonly recordIndex: number,
    readonly describe: (where: string) => string,
  ) {
    super(describe(`record ${recordIndex}`));
  }
}

function parserOptions(options: CsvOptions, info: boolean): Options {
  return {
    delimiter: options.delimiter ?? ",",
    from_line: (options.skipLines ?? 0) + 1,
    skip_empty_lines: true,
    bom: true,
    info,
    comment: options.comment,
  };
}

async function open(file: string, options: CsvOptions) {
  const skipLines = options.skipLines ?? 0;
  if (!Number.isInteger(skipLines) || skipLines < 0) {
    throw new CsvFormatError(`readCsv: skipLines must be a non-negative integer, got ${skipLines}`, file);
  }
  const input = createReadStream(file, { encoding: options.encoding ?? "utf8" });
  try {
    await new Promise<void>((resolve, reject) => {
      input.once("open", () => resolve());
      input.once("error", reject);
    });
  } catch (err) {
    throw new CsvFormatError(`readCsv: cannot open ${file}: ${(err as Error).message}`, file);
  }
  return input;
}

/** The file's records (header included) as arrays of fields, streamed: memory stays bounded. */
export async function* csvRecords(file: string, options: CsvOptions): AsyncGenerator<string[]> {
  const input = await open(file, options);
  const parser = input.pipe(parse(parserOptions(options, false)));
  try {
    for await (const record of parser as AsyncIterable<string[]>) yield record;
  } catch (err) {
    throw toFormatError(err, file);
  } finally {
    input.destroy();
  }
}

/** The 1-based line on which record `recordIndex` ends (re-reads the file). */
export async function lineOfRecord(file: string, options: CsvOptions, recordIndex: number): Promise<number | undefined> {
  const input = await open(file, options);
  const parser = input.pipe(parse(parserOptions(options, true)));
  let index = 0;
  try {
    for await (const item of parser as AsyncIterable<{ info: { lines: number } }>) {
      if (index++ === recordIndex) return item.info.lines;
    }
  } catch {
    // the record was located before any later syntax error; nothing more to find
  } finally {
    input.destroy();
  }
  return undefined;
}

/** Runs `read`, turning a RecordError into a CsvFormatError that names the line. */
export async function withLineNumbers<T>(file: string, options: CsvOptions, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (!(err instanceof RecordError)) throw err;
    const line = await lineOfRecord(file, options, err.recordIndex);
    const where = line === undefined ? `${file} (record ${err.recordIndex + 1})` : `${file}:${line}`;
    throw new CsvFormatError(err.describe(where), file, line);
  }
}

function toFormatError(err: unknown, file: string): Error {
  if (err instanceof CsvFormatError) return err;
  const csvError = err as CsvError & { lines?: number };
  const line = typeof csvError.lines === "number" ? csvError.lines : Number(/line (\d+)/.exec(String(csvError.message))?.[1]);
  const where = Number.isFinite(line) ? `${file}:${line}` : file;
  return new CsvFormatError(`${where}: malformed CSV: ${csvError.message}`, file, Number.isFinite(line) ? line : undefined);
}
