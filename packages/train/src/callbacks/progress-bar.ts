/**
 * ProgressBar: on a terminal, a live bar per epoch (batches done, ETA, running loss and
 * metrics); elsewhere (logs, CI, pipes) one summary line per epoch.
 */
import cliProgress from "cli-progress";
import type { Callback, Logs, TrainingContext } from "./callback.js";

/** A stream the progress is written to; `isTTY` decides between the bar and summary lines. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Options of {@link ProgressBar}. */
export interface ProgressBarOptions {
  /** Where to write (default `process.stdout`). */
  stream?: ProgressStream;
  /** `"auto"` (default): a bar when the stream is a TTY, lines otherwise; or force `"bar"` / `"lines"`. */
  mode?: "auto" | "bar" | "lines";
  /** Redraws per second of the bar (default 10). */
  fps?: number;
}

/** `12.3s`, `2m05s`, `1h02m`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 2 : 1)}s`;
  const whole = Math.round(seconds);
  if (whole < 3600) return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, "0")}s`;
  return `${Math.floor(whole / 3600)}h${String(Math.floor((whole % 3600) / 60)).padStart(2, "0")}m`;
}

/** `0.4321`, `1.235e-5`: four significant decimals without noise. */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e5)) return value.toExponential(3);
  return value.toFixed(4);
}

/**
 * Shows training progress. `fit` adds one by default (`verbose`); construct one yourself to
 * choose the stream or mode, and pass it in `callbacks` (then `fit` adds none).
 */
export class ProgressBar implements Callback {
  private readonly stream: ProgressStream;
  private readonly mode: "bar" | "lines";
  private readonly fps: number;
  private context: TrainingContext | undefined;
  private bar: cliProgress.SingleBar | null = null;
  private epochStart = 0;
  private batches = 0;
  private firstLr: number | undefined;

  constructor(options: ProgressBarOptions = {}) {
    this.stream = options.stream ?? process.stdout;
    const mode = options.mode ?? "auto";
    if (!["auto", "bar", "lines"].includes(mode)) throw new RangeError(`ProgressBar: mode must be "auto", "bar" or "lines", got ${JSON.stringify(mode)}`);
    this.mode = mode === "auto" ? (this.stream.isTTY ? "bar" : "lines") : mode;
    this.fps = options.fps ?? 10;
  }

  setContext(context: TrainingContext): void {
    this.context = context;
  }

  onTrainBegin(): void {
    this.firstLr = undefined;
  }

  onEpochBegin(epoch: number): void {
    this.epochStart = performance.now();
    this.batches = 0;
    if (this.mode !== "bar") return;
    const epochs = this.context?.epochs ?? 0;
    const total = this.context?.stepsPerEpoch;
    const label = `Epoch ${epoch + 1}/${epochs}`;
    const format =
      total !== undefined
        ? `${label} [{bar}] {value}/{total} | ETA {eta_formatted} | {metrics}`
        : `${label} {value} batches | {duration_formatted} | {metrics}`;
    this.bar = new cliProgress.SingleBar(
      {
        stream: this.stream as NodeJS.WritableStream,
        format,
        barsize: 24,
        fps: this.fps,
        clearOnComplete: true,
        hideCursor: false,
        etaBuffer: 20,
        linewrap: false,
        // The bar must never go to a non-terminal, except when forced for tests or demos.
        noTTYOutput: !this.stream.isTTY,
        notTTYSchedule: 1e9,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(total ?? 0, 0, { metrics: "" });
  }

  onBatchEnd(batch: number, logs: Logs): void {
    this.batches = batch + 1;
    this.bar?.update(batch + 1, { metrics: this.describe(logs, ["size", "batch"]) });
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    this.stopBar();
    const seconds = (performance.now() - this.epochStart) / 1000;
    const epochs = this.context?.epochs ?? 0;
    const parts = [`Epoch ${epoch + 1}/${epochs}`, `${this.batches} batches`, formatDuration(logs.time ?? seconds), this.describe(logs, ["time"], ": ", " - ")];
    this.stream.write(parts.filter(Boolean).join(" - ") + "\n");
  }

  onTrainAbort(): void {
    this.stopBar();
  }

  onTrainEnd(): void {
    this.stopBar();
  }

  private stopBar(): void {
    if (!this.bar) return;
    this.bar.stop();
    this.bar = null;
  }

  private describe(logs: Logs, skip: readonly string[], separator = " ", joiner = " | "): string {
    const parts: string[] = [];
    for (const [key, value] of Object.entries(logs)) {
      if (skip.includes(key)) continue;
      if (key === "lr") {
        // The learning rate is only news when a scheduler changes it.
        this.firstLr ??= value;
        if (value === this.firstLr) continue;
      }
      parts.push(`${key}${separator}${formatValue(value)}`);
    }
    return parts.join(joiner);
  }
}
