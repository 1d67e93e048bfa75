/** CSVLogger: one row per epoch, appended as soon as the epoch ends. */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Callback, Logs } from "./callback.js";

/** Options of {@link CSVLogger}. */
export interface CSVLoggerOptions {
  /** Column separator (default `","`). */
  separator?: string;
  /** Add rows to an existing file instead of replacing it (default false). */
  append?: boolean;
}

/**
 * Writes `epoch` and every epoch log value to a CSV file, one line per epoch, flushed at each
 * epoch end so a crashed run keeps what it logged. Columns are fixed by the first epoch; a value
 * missing later is left empty.
 */
export class CSVLogger implements Callback {
  readonly filename: string;
  private readonly separator: string;
  private readonly append: boolean;
  private columns: string[] | null = null;

  constructor(filename: string, options: CSVLoggerOptions = {}) {
    if (typeof filename !== "string" || filename === "") throw new TypeError("CSVLogger: expected a file name");
    this.filename = filename;
    this.separator = options.separator ?? ",";
    this.append = options.append ?? false;
  }

  onTrainBegin(): void {
    mkdirSync(dirname(this.filename), { recursive: true });
    this.columns = null;
    if (this.append && existsSync(this.filename)) {
      const header = readFileSync(this.filename, "utf8").split("\n", 1)[0];
      if (header) this.columns = header.split(this.separator).slice(1);
    } else {
      writeFileSync(this.filename, "");
    }
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    let header = "";
    if (!this.columns) {
      this.columns = Object.keys(logs);
      header = ["epoch", ...this.columns].join(this.separator) + "\n";
    }
    const cells = this.columns.map((key) => (typeof logs[key] === "number" ? String(logs[key]) : ""));
    appendFileSync(this.filename, header + [String(epoch), ...cells].join(this.separator) + "\n");
  }
}
