import type { FrozenTrial } from "./frozen-trial.js";
import type { StudyDirection } from "./trial-state.js";

/**
 * Whether objective vector `a` dominates `b`: no worse in every objective and strictly better in
 * at least one, with each objective read in its direction.
 */
export function dominates(a: readonly number[], b: readonly number[], directions: readonly StudyDirection[]): boolean {
  let strictlyBetter = false;
  for (let i = 0; i < directions.length; i++) {
    const sign = directions[i] === "minimize" ? 1 : -1;
    const left = sign * a[i]!;
    const right = sign * b[i]!;
    if (left > right) return false;
    if (left < right) strictlyBetter = true;
  }
  return strictlyBetter;
}

/** Complete trials that no other trial dominates (duplicates of a front point are all kept). */
export function paretoFront(trials: readonly FrozenTrial[], directions: readonly StudyDirection[]): FrozenTrial[] {
  const withValues = trials.filter((trial) => trial.values !== null && trial.values.length === directions.length);
  return withValues.filter((candidate) => !withValues.some((other) => other !== candidate && dominates(other.values!, candidate.values!, directions)));
}

/**
 * Fast non-dominated sorting (Deb et al., NSGA-II): returns the rank (0 = Pareto front) of each
 * vector.
 */
export function nonDominatedRanks(points: readonly (readonly number[])[], directions: readonly StudyDirection[]): number[] {
  const n = points.length;
  const dominatedBy = new Int32Array(n); // how many points dominate i
  const dominatesList: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (dominates(points[i]!, points[j]!, directions)) {
        dominatesList[i]!.push(j);
        dominatedBy[j]!++;
      } else if (dominates(points[j]!, points[i]!, directions)) {
        dominatesList[j]!.push(i);
        dominatedBy[i]!++;
      }
    }
  }
  const ranks = new Array<number>(n).fill(-1);
  let front: number[] = [];
  for (let i = 0; i < n; i++) if (dominatedBy[i] === 0) front.push(i);
  let rank = 0;
  while (front.length > 0) {
    const next: number[] = [];
    for (const i of front) {
      ranks[i] = rank;
      for (const j of dominatesList[i]!) if (--dominatedBy[j]! === 0) next.push(j);
    }
    front = next;
    rank++;
  }
  return ranks;
}

/**
 * Crowding distance of each point within one front (larger = more isolated; boundary points
 * get Infinity). Used to keep NSGA-II's population spread along the front.
 */
export function crowdingDistances(points: readonly (readonly number[])[]): number[] {
  const n = points.length;
  const distances = new Array<number>(n).fill(0);
  if (n === 0) return distances;
  const nObjectives = points[0]!.length;
  const order = Array.from({ length: n }, (_, i) => i);
  for (let m = 0; m < nObjectives; m++) {
    order.sort((a, b) => points[a]![m]! - points[b]![m]!);
    const low = points[order[0]!]![m]!;
    const high = points[order[n - 1]!]![m]!;
    distances[order[0]!] = Infinity;
    distances[order[n - 1]!] = Infinity;
    const range = high - low;
    if (!(range > 0) || !Number.isFinite(range)) continue;
    for (let k = 1; k < n - 1; k++) distances[order[k]!]! += (points[order[k + 1]!]![m]! - points[order[k - 1]!]![m]!) / range;
  }
  return distances;
}

/**
 * Hypervolume dominated by a set of 2-objective points with respect to a reference point, both
 * read in the given directions (a standard quality measure of a Pareto front).
 */
export function hypervolume2d(points: readonly (readonly number[])[], reference: readonly [number, number], directions: readonly StudyDirection[]): number {
  const signs = directions.map((d) => (d === "minimize" ? 1 : -1));
  const ref = [reference[0] * signs[0]!, reference[1] * signs[1]!];
  const sorted = points
    .map((p) => [p[0]! * signs[0]!, p[1]! * signs[1]!] as [number, number])
    .filter(([x, y]) => x < ref[0]! && y < ref[1]!)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let volume = 0;
  let lastY = ref[1]!;
  for (const [x, y] of sorted) {
    if (y >= lastY) continue;
    volume += (ref[0]! - x) * (lastY - y);
    lastY = y;
  }
  return volume;
}
