import type { FrozenTrial } from "./frozen-trial.js";
import type { StudyDirection } from "./trial-state.js";
import { FAIL_REASON_KEY } from "./storages/storage.js";

/**
 * One flat row per trial, with Optuna's column names: `number`, `value` (or `values_0`, …),
 * `datetime_start`, `datetime_complete`, `duration` (seconds), `params_<name>`,
 * `user_attrs_<key>`, `state` and `fail_reason`.
 */
export function trialsToRows(trials: readonly FrozenTrial[], directions: readonly StudyDirection[] = ["minimize"]): Record<string, unknown>[] {
  const paramNames = new Set<string>();
  const userKeys = new Set<string>();
  for (const trial of trials) {
    for (const name of Object.keys(trial.params)) paramNames.add(name);
    for (const key of Object.keys(trial.userAttrs)) userKeys.add(key);
  }
  const sortedParams = [...paramNames].sort();
  const sortedUserKeys = [...userKeys].sort();
  return trials.map((trial) => {
    const row: Record<string, unknown> = { number: trial.number };
    if (directions.length === 1) row.value = trial.values?.[0] ?? null;
    else directions.forEach((_, i) => (row[`values_${i}`] = trial.values?.[i] ?? null));
    row.datetime_start = trial.datetimeStart?.toISOString() ?? null;
    row.datetime_complete = trial.datetimeComplete?.toISOString() ?? null;
    row.duration = trial.durationMs === null ? null : trial.durationMs / 1000;
    for (const name of sortedParams) row[`params_${name}`] = Object.hasOwn(trial.params, name) ? trial.params[name] : null;
    for (const key of sortedUserKeys) row[`user_attrs_${key}`] = Object.hasOwn(trial.userAttrs, key) ? trial.userAttrs[key] : null;
    row.state = trial.state;
    row.fail_reason = trial.systemAttrs[FAIL_REASON_KEY] ?? null;
    return row;
  });
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Trials as RFC 4180 CSV with a header row (columns as in {@link trialsToRows}). */
export function trialsToCsv(trials: readonly FrozenTrial[], directions: readonly StudyDirection[] = ["minimize"]): string {
  const rows = trialsToRows(trials, directions);
  const header =
    rows.length > 0
      ? Object.keys(rows[0]!)
      : ["number", ...(directions.length === 1 ? ["value"] : directions.map((_, i) => `values_${i}`)), "datetime_start", "datetime_complete", "duration", "state", "fail_reason"];
  const lines = [header.map(csvCell).join(",")];
  for (const row of rows) lines.push(header.map((column) => csvCell(row[column])).join(","));
  return lines.join("\r\n") + "\r\n";
}

/** Trials as a JSON document `{ studyName, directions, trials: [...] }` (NaN/Infinity as strings). */
export function trialsToJson(trials: readonly FrozenTrial[], study: { studyName?: string; directions?: readonly StudyDirection[] } = {}): string {
  return JSON.stringify({ studyName: study.studyName ?? null, directions: study.directions ?? null, trials: trials.map((trial) => trial.toJSON()) }, null, 2);
}
