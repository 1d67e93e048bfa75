/** ModelCheckpoint: saves the model's state dict as safetensors after epochs, optionally only on improvement. */
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { saveAsync } from "@trek/nn";
import type { Callback, Logs, TrainingContext } from "./callback.js";
import { improves, readMonitor, resolveMode, type MonitorMode } from "./monitor.js";

/** Options of {@link ModelCheckpoint}. */
export interface ModelCheckpointOptions {
  /**
   * Where to write. May contain `{epoch}` (1-based, as Keras) and `{key}` / `{key:.4f}` for any
   * epoch log value: `"out/model-{epoch}-{valLoss:.3f}.safetensors"`.
   */
  filepath: string;
  /** The log key deciding "best" (default `"valLoss"`). */
  monitor?: string;
  /** Direction of improvement (default `"auto"`). */
  mode?: MonitorMode;
  /** Write only when `monitor` improves on the best value so far (default false: every epoch). */
  saveBestOnly?: boolean;
  /** Smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** Extra strings stored in the file's `__metadata__` (the epoch and monitored value are added). */
  metadata?: Record<string, string>;
}

/** Fills `{epoch}` and `{key[:.Nf]}` placeholders. */
export function formatCheckpointPath(template: string, epoch: number, logs: Logs): string {
  return template.replace(/\{(\w+)(?::\.(\d+)f)?\}/g, (match, key: string, digits: string | undefined) => {
    const value = key === "epoch" ? epoch + 1 : logs[key];
    if (value === undefined) throw new RangeError(`ModelCheckpoint: the file path uses ${match}, but the logs have no "${key}" (keys: ${Object.keys(logs).join(", ")})`);
    return digits === undefined ? String(value) : value.toFixed(Number(digits));
  });
}

/**
 * Saves `model.stateDict()` to a safetensors file (atomically, through @trek/nn's `saveAsync`)
 * at the end of each epoch, or only when the monitored value improves with `saveBestOnly`.
 * @example new ModelCheckpoint({ filepath: "out/best.safetensors", monitor: "valAccuracy", saveBestOnly: true })
 */
export class ModelCheckpoint implements Callback {
  readonly filepath: string;
  readonly monitor: string;
  readonly saveBestOnly: boolean;
  /** The best monitored value so far (NaN before any). */
  best = Number.NaN;
  /** Paths written, in order (one entry per save). */
  readonly saved: string[] = [];
  private readonly mode: "min" | "max";
  private readonly minDelta: number;
  private readonly metadata: Record<string, string>;
  private context: TrainingContext | undefined;
  private warned = false;

  constructor(options: ModelCheckpointOptions) {
    if (!options || typeof options.filepath !== "string" || options.filepath === "") {
      throw new TypeError('ModelCheckpoint: expected { filepath: "….safetensors", … }');
    }
    this.filepath = options.filepath;
    this.monitor = options.monitor ?? "valLoss";
    this.saveBestOnly = options.saveBestOnly ?? false;
    this.mode = resolveMode("ModelCheckpoint", this.monitor, options.mode ?? "auto");
    this.minDelta = Math.abs(options.minDelta ?? 0);
    this.metadata = options.metadata ?? {};
  }

  setContext(context: TrainingContext): void {
    this.context = context;
  }

  onTrainBegin(): void {
    this.best = Number.NaN;
  }

  async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    if (!this.context) throw new Error("ModelCheckpoint: used outside fit (no model to save)");
    const value = readMonitor("ModelCheckpoint", this.monitor, epoch, logs);
    if (this.saveBestOnly) {
      if (typeof value === "string") {
        if (!this.warned) console.warn(`${value}; nothing is saved for such epochs`);
        this.warned = true;
        return;
      }
      const reference = Number.isNaN(this.best) ? (this.mode === "min" ? Infinity : -Infinity) : this.best;
      if (!improves(value, reference, this.mode, this.minDelta)) return;
    }
    if (typeof value === "number" && (Number.isNaN(this.best) || improves(value, this.best, this.mode, this.minDelta))) this.best = value;
    const path = formatCheckpointPath(this.filepath, epoch, logs);
    await mkdir(dirname(path), { recursive: true });
    const state = this.context.model.stateDict();
    try {
      const metadata: Record<string, string> = { ...this.metadata, epoch: String(epoch + 1) };
      if (typeof value === "number") metadata[this.monitor] = String(value);
      await saveAsync(state, path, { metadata });
    } finally {
      for (const t of Object.values(state)) t.dispose();
    }
    this.saved.push(path);
  }
}
