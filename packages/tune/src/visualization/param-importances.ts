import type { Distribution } from "../distributions.js";
import type { FrozenTrial } from "../frozen-trial.js";
import { TrialState } from "../trial-state.js";
import type { PlotSource } from "./svg.js";

/** Options of {@link paramImportances}. */
export interface ParamImportancesOptions {
  /** Parameters to rate (default: every parameter of the complete trials). */
  params?: readonly string[];
  /** The quantity to explain (default: the objective value of a single-objective study). */
  target?: (trial: FrozenTrial) => number;
}

/**
 * How much of the variation of the objective each parameter explains on its own, normalized
 * to sum to 1, most important first.
 *
 * Method (a first-order, variance-based sensitivity index): for each parameter the complete
 * trials that have it are grouped, by choice for categorical parameters and into up to
 * `min(10, ceil(√n))` equal-count bins of the (log-scaled if `log`) value for numeric ones.
 * The share of the objective's variance explained by the group means is estimated without
 * small-sample bias as ε² = (SS_between − (k − 1)·MS_within) / SS_total (clipped at 0), the
 * unbiased counterpart of the correlation ratio η². Interactions between parameters are not
 * attributed; fANOVA would split them out, at the cost of fitting a random forest.
 */
export function paramImportances(source: PlotSource, options: ParamImportancesOptions = {}): Record<string, number> {
  const target = options.target ?? defaultTarget(source);
  const trials = source.trials.filter((trial) => trial.state === TrialState.Complete && Number.isFinite(target(trial)));
  const names = options.params ?? [...new Set(trials.flatMap((trial) => Object.keys(trial.params)))].sort();
  const raw: [string, number][] = names.map((name) => [name, explainedVarianceShare(trials, name, target)]);
  const total = raw.reduce((sum, [, value]) => sum + value, 0);
  const normalized: [string, number][] = raw.map(([name, value]) => [name, total > 0 ? value / total : raw.length > 0 ? 1 / raw.length : 0]);
  normalized.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return Object.fromEntries(normalized);
}

export function defaultTarget(source: PlotSource): (trial: FrozenTrial) => number {
  if (source.directions.length !== 1) throw new Error("this study has several objectives: pass target, e.g. (trial) => trial.values[0]");
  return (trial) => trial.values?.[0] ?? NaN;
}

function explainedVarianceShare(trials: readonly FrozenTrial[], name: string, target: (trial: FrozenTrial) => number): number {
  const points: { key: number; y: number }[] = [];
  let distribution: Distribution | undefined;
  for (const trial of trials) {
    const value = trial.internalParams[name];
    if (value === undefined) continue;
    distribution ??= trial.distributions[name];
    const log = distribution?.type !== "categorical" && distribution?.log;
    points.push({ key: log ? Math.log(value) : value, y: target(trial) });
  }
  const n = points.length;
  if (n < 3) return 0;
  const groups: number[][] = [];
  if (distribution?.type === "categorical") {
    const byChoice = new Map<number, number[]>();
    for (const point of points) byChoice.set(point.key, [...(byChoice.get(point.key) ?? []), point.y]);
    groups.push(...byChoice.values());
  } else {
    points.sort((a, b) => a.key - b.key);
    const nBins = Math.min(10, Math.ceil(Math.sqrt(n)));
    let start = 0;
    for (let b = 1; b <= nBins && start < n; b++) {
      let end = Math.round((b * n) / nBins);
      // Keep equal parameter values in one bin.
      while (end < n && end > start && points[end]!.key === points[end - 1]!.key) end++;
      if (end > start) groups.push(points.slice(start, end).map((p) => p.y));
      start = end;
    }
  }
  const k = groups.length;
  if (k < 2) return 0;
  let mean = 0;
  for (const point of points) mean += point.y;
  mean /= n;
  let total = 0;
  for (const point of points) total += (point.y - mean) ** 2;
  if (!(total > 0)) return 0;
  let between = 0;
  for (const group of groups) {
    const groupMean = group.reduce((sum, y) => sum + y, 0) / group.length;
    between += group.length * (groupMean - mean) ** 2;
  }
  const within = total - between;
  const meanSquareWithin = n > k ? within / (n - k) : 0;
  return Math.max(0, (between - (k - 1) * meanSquareWithin) / total);
}
