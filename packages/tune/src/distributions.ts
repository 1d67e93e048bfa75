import { DistributionMismatchError, InvalidDistributionError } from "./errors.js";

/** A value a categorical parameter may take. */
export type CategoricalChoice = string | number | boolean | null;

/** A parameter value as the objective sees it. */
export type ParamValue = number | CategoricalChoice;

/** A continuous range, optionally log-scaled or discretized with `step`. */
export interface FloatDistribution {
  readonly type: "float";
  readonly low: number;
  readonly high: number;
  readonly log: boolean;
  /** Grid spacing from `low`; `null` means continuous. */
  readonly step: number | null;
}

/** An integer range, optionally log-scaled, with grid spacing `step` from `low`. */
export interface IntDistribution {
  readonly type: "int";
  readonly low: number;
  readonly high: number;
  readonly log: boolean;
  readonly step: number;
}

/** A finite, unordered set of choices. */
export interface CategoricalDistribution {
  readonly type: "categorical";
  readonly choices: readonly CategoricalChoice[];
}

/** The search space of one parameter. */
export type Distribution = FloatDistribution | IntDistribution | CategoricalDistribution;

/** Options of `suggestFloat`. */
export interface SuggestFloatOptions {
  /** Sample uniformly in log space (`low` must be > 0). */
  log?: boolean;
  /** Restrict to `low + k * step`. Cannot be combined with `log`. */
  step?: number;
}

/** Options of `suggestInt`. */
export interface SuggestIntOptions {
  /** Sample uniformly in log space (`low` must be >= 1). */
  log?: boolean;
  /** Restrict to `low + k * step` (default 1). Cannot be combined with `log` unless 1. */
  step?: number;
}

function describeCall(kind: string, name: string): string {
  return `${kind}(${JSON.stringify(name)})`;
}

/**
 * Builds and validates a float distribution; errors name the parameter and the bad value.
 * A `high` that is not on the `step` grid is lowered to the last grid point (like Optuna).
 */
export function floatDistribution(name: string, low: number, high: number, options: SuggestFloatOptions = {}): FloatDistribution {
  const where = describeCall("suggestFloat", name);
  const log = options.log ?? false;
  const step = options.step ?? null;
  if (typeof low !== "number" || !Number.isFinite(low)) throw new InvalidDistributionError(`${where}: low must be a finite number, got ${String(low)}`);
  if (typeof high !== "number" || !Number.isFinite(high)) throw new InvalidDistributionError(`${where}: high must be a finite number, got ${String(high)}`);
  if (low > high) throw new InvalidDistributionError(`${where}: low (${low}) must be <= high (${high})`);
  if (log && low <= 0) throw new InvalidDistributionError(`${where}: a log range needs low > 0, got low = ${low}`);
  if (step !== null) {
    if (log) throw new InvalidDistributionError(`${where}: step (${step}) cannot be combined with log: true`);
    if (!Number.isFinite(step) || step <= 0) throw new InvalidDistributionError(`${where}: step must be a positive number, got ${step}`);
    return { type: "float", low, high: adjustHighToStep(low, high, step), log, step };
  }
  return { type: "float", low, high, log, step: null };
}

/** Builds and validates an integer distribution; errors name the parameter and the bad value. */
export function intDistribution(name: string, low: number, high: number, options: SuggestIntOptions = {}): IntDistribution {
  const where = describeCall("suggestInt", name);
  const log = options.log ?? false;
  const step = options.step ?? 1;
  if (!Number.isInteger(low)) throw new InvalidDistributionError(`${where}: low must be an integer, got ${String(low)}`);
  if (!Number.isInteger(high)) throw new InvalidDistributionError(`${where}: high must be an integer, got ${String(high)}`);
  if (low > high) throw new InvalidDistributionError(`${where}: low (${low}) must be <= high (${high})`);
  if (log && low < 1) throw new InvalidDistributionError(`${where}: a log range needs low >= 1, got low = ${low}`);
  if (!Number.isInteger(step) || step < 1) throw new InvalidDistributionError(`${where}: step must be a positive integer, got ${String(step)}`);
  if (log && step !== 1) throw new InvalidDistributionError(`${where}: step (${step}) cannot be combined with log: true`);
  return { type: "int", low, high: low + Math.floor((high - low) / step) * step, log, step };
}

/** Builds and validates a categorical distribution. */
export function categoricalDistribution(name: string, choices: readonly CategoricalChoice[]): CategoricalDistribution {
  const where = describeCall("suggestCategorical", name);
  if (!Array.isArray(choices) || choices.length === 0) throw new InvalidDistributionError(`${where}: choices must be a non-empty array`);
  for (const choice of choices) {
    const kind = typeof choice;
    if (!(choice === null || kind === "string" || kind === "boolean" || (kind === "number" && !Number.isNaN(choice)))) {
      throw new InvalidDistributionError(`${where}: choices must be strings, numbers, booleans or null, got ${String(choice)} (${kind})`);
    }
  }
  const seen = new Set<string>();
  for (const choice of choices) {
    const key = JSON.stringify(choice);
    if (seen.has(key)) throw new InvalidDistributionError(`${where}: duplicate choice ${key}`);
    seen.add(key);
  }
  return { type: "categorical", choices: [...choices] };
}

function adjustHighToStep(low: number, high: number, step: number): number {
  const count = Math.floor((high - low) / step + 1e-9);
  const adjusted = low + count * step;
  // Snap away floating error such as 0.1 * 3 = 0.30000000000000004.
  return Math.abs(adjusted - high) <= 1e-9 * Math.max(1, Math.abs(high)) ? high : Math.min(adjusted, high);
}

/** True when both describe exactly the same search space. */
export function distributionsEqual(a: Distribution, b: Distribution): boolean {
  if (a.type !== b.type) return false;
  if (a.type === "categorical") {
    const choices = (b as CategoricalDistribution).choices;
    return a.choices.length === choices.length && a.choices.every((c, i) => Object.is(c, choices[i]));
  }
  const other = b as FloatDistribution | IntDistribution;
  return a.low === other.low && a.high === other.high && a.log === other.log && a.step === other.step;
}

/**
 * Across the trials of one study a name may change its range (dynamic search spaces), but not
 * its kind, and a categorical parameter must keep its choices.
 */
export function checkDistributionCompatibility(name: string, previous: Distribution, next: Distribution): void {
  if (previous.type !== next.type) {
    throw new DistributionMismatchError(
      `parameter ${JSON.stringify(name)} was suggested as ${describeDistribution(previous)} earlier in this study and now as ${describeDistribution(next)}; a name keeps its kind (float, int or categorical)`,
    );
  }
  if (previous.type === "categorical" && !distributionsEqual(previous, next)) {
    throw new DistributionMismatchError(
      `parameter ${JSON.stringify(name)} was suggested as ${describeDistribution(previous)} earlier in this study and now as ${describeDistribution(next)}; categorical choices cannot change`,
    );
  }
}

/** A short human-readable description, used in error messages and the CLI. */
export function describeDistribution(distribution: Distribution): string {
  switch (distribution.type) {
    case "categorical":
      return `categorical(${distribution.choices.map((c) => JSON.stringify(c)).join(", ")})`;
    case "float":
    case "int": {
      const extras = [distribution.log ? "log" : "", distribution.step !== null && !(distribution.type === "int" && distribution.step === 1) ? `step=${distribution.step}` : ""].filter(Boolean);
      return `${distribution.type}(${distribution.low}, ${distribution.high}${extras.length ? ", " + extras.join(", ") : ""})`;
    }
  }
}

/** Whether an external value lies in the distribution's support. */
export function distributionContains(distribution: Distribution, value: unknown): boolean {
  switch (distribution.type) {
    case "categorical":
      return distribution.choices.some((choice) => Object.is(choice, value));
    case "float": {
      if (typeof value !== "number" || !Number.isFinite(value)) return false;
      if (value < distribution.low || value > distribution.high) return false;
      if (distribution.step === null) return true;
      const k = (value - distribution.low) / distribution.step;
      return Math.abs(k - Math.round(k)) < 1e-8;
    }
    case "int":
      return Number.isInteger(value) && (value as number) >= distribution.low && (value as number) <= distribution.high && ((value as number) - distribution.low) % distribution.step === 0;
  }
}

/** Converts an objective-facing value to the numeric form stored and used by samplers. */
export function toInternal(distribution: Distribution, value: ParamValue): number {
  if (distribution.type === "categorical") {
    const index = distribution.choices.findIndex((choice) => Object.is(choice, value));
    if (index < 0) throw new InvalidDistributionError(`value ${JSON.stringify(value)} is not one of the choices ${describeDistribution(distribution)}`);
    return index;
  }
  return value as number;
}

/** Converts a stored numeric value back to what the objective sees. */
export function toExternal(distribution: Distribution, internal: number): ParamValue {
  if (distribution.type === "categorical") return distribution.choices[internal]!;
  if (distribution.type === "int") return Math.round(internal);
  return internal;
}

/**
 * Moves a numeric sample onto the distribution's grid and into its bounds. Samplers call this on
 * every numeric proposal so that no sampler has to know about steps or integer rounding.
 */
export function roundToDistribution(distribution: FloatDistribution | IntDistribution, value: number): number {
  const { low, high, step } = distribution;
  let result = value;
  if (step !== null) {
    result = low + Math.round((result - low) / step) * step;
    if (distribution.type === "float") result = Number(result.toPrecision(15)); // drop 0.30000000000000004
  } else if (distribution.type === "int") {
    result = Math.round(result);
  }
  return Math.min(high, Math.max(low, result));
}

/** Whether the distribution has exactly one possible value. */
export function isSingleValue(distribution: Distribution): boolean {
  return distribution.type === "categorical" ? distribution.choices.length === 1 : distribution.low === distribution.high;
}

/** Serializes a distribution to JSON text (storages keep it next to each parameter). */
export function distributionToJson(distribution: Distribution): string {
  return JSON.stringify(distribution);
}

/** Parses what {@link distributionToJson} wrote. */
export function distributionFromJson(text: string | object): Distribution {
  const raw = (typeof text === "string" ? JSON.parse(text) : text) as Record<string, unknown>;
  switch (raw.type) {
    case "float":
      return { type: "float", low: Number(raw.low), high: Number(raw.high), log: Boolean(raw.log), step: raw.step === null || raw.step === undefined ? null : Number(raw.step) };
    case "int":
      return { type: "int", low: Number(raw.low), high: Number(raw.high), log: Boolean(raw.log), step: Number(raw.step ?? 1) };
    case "categorical":
      return { type: "categorical", choices: raw.choices as CategoricalChoice[] };
    default:
      throw new InvalidDistributionError(`unknown distribution type ${JSON.stringify(raw.type)}`);
  }
}
