/** JsonLinesLogger: one JSON object per epoch (and optionally per batch), appended as it happens. */
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Callback, Logs } from "./callback.js";

/** Options of {@link JsonLinesLogger}. */
export interface JsonLinesLoggerOptions {
  /** Add lines to an existing file instead of replacing it (default false). */
  append?: boolean;
  /** Also write a line after every batch, with `epoch` and `batch` (default false). */
  batches?: boolean;
}

/**
 * Writes `{"epoch":0,"loss":…,"valLoss":…}` per epoch to a JSON Lines file, flushed per line.
 * Non-finite values are written as `null` (JSON has no NaN).
 */
export class JsonLinesLogger implements Callback {
  readonly filename: string;
  private readonly append: boolean;
  private readonly batches: boolean;
  private epoch = 0;

  constructor(filename: string, options: JsonLinesLoggerOptions = {}) {
    if (typeof filename !== "string" || filename === "") throw new TypeError("JsonLinesLogger: expected a file name");
    this.filename = filename;
    this.append = options.append ?? false;
    this.batches = options.batches ?? false;
  }

  onTrainBegin(): void {
    mkdirSync(dirname(this.filename), { recursive: true });
    if (!this.append) writeFileSync(this.filename, "");
  }

  onEpochBegin(epoch: number): void {
    this.epoch = epoch;
  }

  onBatchEnd(batch: number, logs: Logs): void {
    if (this.batches) appendFileSync(this.filename, JSON.stringify({ epoch: this.epoch, batch, ...logs }) + "\n");
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    appendFileSync(this.filename, JSON.stringify({ epoch, ...logs }) + "\n");
  }
}
