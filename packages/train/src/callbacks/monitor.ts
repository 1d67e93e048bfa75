/** The "monitored quantity" logic shared by EarlyStopping and ModelCheckpoint. */

/** Whether a smaller or a larger monitored value is better; `auto` infers it from the key. */
export type MonitorMode = "min" | "max" | "auto";

/** `auto`: keys naming accuracy-like scores are maximized, everything else (losses, errors) minimized. */
export function resolveMode(owner: string, monitor: string, mode: MonitorMode): "min" | "max" {
  if (mode === "min" || mode === "max") return mode;
  if (mode !== "auto") throw new RangeError(`${owner}: mode must be "min", "max" or "auto", got ${JSON.stringify(mode)}`);
  return /accuracy|precision|recall|f1|auc|r2/i.test(monitor) ? "max" : "min";
}

/** Whether `value` beats `best` by more than `minDelta` in the given direction. */
export function improves(value: number, best: number, mode: "min" | "max", minDelta: number): boolean {
  if (!Number.isFinite(value)) return false;
  return mode === "min" ? value < best - minDelta : value > best + minDelta;
}

/** The monitored value, or a warning text naming the keys present. */
export function readMonitor(owner: string, monitor: string, epoch: number, logs: Record<string, number>): number | string {
  const value = logs[monitor];
  if (typeof value === "number") return value;
  const keys = Object.keys(logs).join(", ") || "none";
  const hint = monitor.startsWith("val") ? " (pass valLoader to fit for validation values)" : "";
  return `${owner}: the logs of epoch ${epoch} have no "${monitor}" (keys: ${keys})${hint}`;
}
