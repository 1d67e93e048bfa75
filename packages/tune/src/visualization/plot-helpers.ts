import type { Distribution } from "../distributions.js";
import type { FrozenTrial } from "../frozen-trial.js";
import { TrialState } from "../trial-state.js";
import { defaultTarget } from "./param-importances.js";
import { type PlotSource, Scale, formatNumber } from "./svg.js";

/** Options shared by the single-objective plots. */
export interface TargetOptions {
  /** What to plot for multi-objective studies, e.g. `(trial) => trial.values[0]`. */
  target?: (trial: FrozenTrial) => number;
  /** Axis label of the target (default "Objective value"). */
  targetName?: string;
}

/** Options of the per-parameter plots. */
export interface ParamPlotOptions extends TargetOptions {
  /** Parameters to show (default: all, or the first few by name where space is limited). */
  params?: readonly string[];
}

export const STATE_COLORS: Record<string, string> = { complete: "#1f77b4", pruned: "#ff7f0e", fail: "#d62728", running: "#7f7f7f", waiting: "#bbbbbb" };

export function completeWithTarget(source: PlotSource, options: TargetOptions): { trials: FrozenTrial[]; target: (trial: FrozenTrial) => number; name: string } {
  const target = options.target ?? defaultTarget(source);
  const trials = source.trials.filter((trial) => trial.state === TrialState.Complete && Number.isFinite(target(trial)));
  return { trials, target, name: options.targetName ?? "Objective value" };
}

export function paramNames(trials: readonly FrozenTrial[], requested?: readonly string[]): string[] {
  const all = [...new Set(trials.flatMap((trial) => Object.keys(trial.params)))].sort();
  if (!requested) return all;
  const missing = requested.filter((name) => !all.includes(name));
  if (missing.length) throw new RangeError(`no complete trial has parameter(s) ${missing.map((n) => JSON.stringify(n)).join(", ")}; known: ${all.join(", ")}`);
  return [...requested];
}

/** Distribution of a parameter as used by the latest trial that has it. */
export function distributionOf(trials: readonly FrozenTrial[], name: string): Distribution | undefined {
  for (let i = trials.length - 1; i >= 0; i--) if (trials[i]!.distributions[name]) return trials[i]!.distributions[name];
  return undefined;
}

/** An axis for a parameter: categorical choices spread evenly, log ranges on a log scale. */
export interface ParamAxis {
  map(trial: FrozenTrial): number | null;
  scale: Scale;
  categories: string[] | null;
}

export function paramAxis(trials: readonly FrozenTrial[], name: string, rangeLow: number, rangeHigh: number): ParamAxis {
  const distribution = distributionOf(trials, name);
  if (distribution?.type === "categorical") {
    const categories = distribution.choices.map((choice) => String(choice));
    const scale = new Scale(-0.5, categories.length - 0.5, rangeLow, rangeHigh);
    return { scale, categories, map: (trial) => (trial.internalParams[name] === undefined ? null : scale.map(trial.internalParams[name]!)) };
  }
  const values = trials.map((trial) => trial.params[name]).filter((v): v is number => typeof v === "number");
  const scale = Scale.fit(values, rangeLow, rangeHigh, distribution?.log ?? false);
  return { scale, categories: null, map: (trial) => (typeof trial.params[name] === "number" ? scale.map(trial.params[name] as number) : null) };
}

export function trialLabel(trial: FrozenTrial, value: number): string {
  return `trial ${trial.number}: ${formatNumber(value)}\n${Object.entries(trial.params)
    .map(([k, v]) => `${k} = ${typeof v === "number" ? formatNumber(v) : JSON.stringify(v)}`)
    .join("\n")}`;
}
