/**
 * The contract between benchmark suites and `benchmarks/run.ts`, plus timing helpers.
 *
 * A suite is a module that exports `async function run(): Promise<BenchRow[]>`. Each row is one
 * measurement: a workload run by one framework, as a number with a unit. The runner prints one
 * table per suite (workloads × frameworks, with ratios against the first framework) and writes
 * every row to benchmarks/results/ as JSON.
 */

export interface BenchRow {
  /** Suite or workload group, e.g. "W1 matmul & elementwise". */
  suite: string;
  /** What was measured, e.g. "matmul fp32 N=1024". */
  workload: string;
  /** Who ran it, e.g. "torchtrek", "tfjs-wasm", "pytorch". */
  framework: string;
  /** Unit of `value`, e.g. "GFLOP/s", "ms/step", "images/s", "GB/s". */
  metric: string;
  /** The median measurement; null when the framework could not run the workload. */
  value: number | null;
  /** Whether a larger value is better (throughput) or worse (latency). */
  higherIsBetter: boolean;
  /** Why a value is missing, or context (threads, iterations). */
  note?: string;
  /** Raw samples behind the median, in the metric's unit. */
  samples?: number[];
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface TimingOptions {
  /** Untimed calls first (JIT, caches, allocator warm-up). */
  warmup?: number;
  /** At least this many timed calls. */
  minRuns?: number;
  /** At most this many timed calls. */
  maxRuns?: number;
  /** Stop adding runs once this much time (ms) has been spent timing. */
  budgetMs?: number;
}

/**
 * Which clock timings use: "wall" (elapsed time) or "cpu" (this process's CPU time). On a machine
 * other jobs share, single-threaded work measured in CPU time is what it would take on an idle
 * machine, while wall time includes the time the scheduler gave to others.
 */
export type Clock = "wall" | "cpu";
let clock: Clock = "wall";

export function setClock(value: Clock): void {
  clock = value;
}

export function getClock(): Clock {
  return clock;
}

function now(): number {
  if (clock === "wall") return performance.now();
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** Times `fn` (sync or async): returns the per-call durations in milliseconds on the current clock. */
export async function timeCalls(fn: () => unknown, options: TimingOptions = {}): Promise<number[]> {
  const { warmup = 2, minRuns = 5, maxRuns = 50, budgetMs = 3000 } = options;
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < maxRuns && (samples.length < minRuns || performance.now() - start < budgetMs)) {
    const t0 = now();
    await fn();
    samples.push(Math.max(now() - t0, 1e-3));
  }
  return samples;
}

/** Formats a number with 3 significant digits (and no exponent for ordinary sizes). */
export function formatValue(v: number | null): string {
  if (v === null) return "—";
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1000) return v.toFixed(0);
  if (a >= 100) return v.toFixed(1);
  if (a >= 10) return v.toFixed(2);
  if (a >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

/**
 * A text table per suite: one row per workload, one column per framework, then the ratio of the
 * first framework against each other one ("×" > 1 means the first is better).
 */
export function formatTables(rows: readonly BenchRow[]): string {
  const out: string[] = [];
  const suites = [...new Set(rows.map((r) => r.suite))];
  for (const suite of suites) {
    const inSuite = rows.filter((r) => r.suite === suite);
    const frameworks = [...new Set(inSuite.map((r) => r.framework))];
    const workloads = [...new Set(inSuite.map((r) => `${r.workload}\u0000${r.metric}`))];
    const [first, ...others] = frameworks;
    const header = ["workload", "unit", ...frameworks, ...others.map((o) => `${first} vs ${o}`)];
    const body: string[][] = [];
    const notes: string[] = [];
    for (const key of workloads) {
      const [workload, metric] = key.split("\u0000") as [string, string];
      const cell = (f: string): BenchRow | undefined => inSuite.find((r) => r.workload === workload && r.metric === metric && r.framework === f);
      const line = [workload, metric];
      for (const f of frameworks) {
        const r = cell(f);
        line.push(r ? formatValue(r.value) : "");
        if (r?.note) notes.push(`${workload} / ${f}: ${r.note}`);
      }
      const mine = cell(first!);
      for (const o of others) {
        const theirs = cell(o);
        if (!mine || mine.value === null || !theirs || theirs.value === null || theirs.value === 0 || mine.value === 0) {
          line.push("");
          continue;
        }
        const ratio = mine.higherIsBetter ? mine.value / theirs.value : theirs.value / mine.value;
        line.push(`${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(2)}×`);
      }
      body.push(line);
    }
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((l) => (l[i] ?? "").length)));
    const fmt = (cells: string[]): string => `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ")} |`;
    out.push(`\n### ${suite}\n`);
    out.push(fmt(header));
    out.push(`|${widths.map((w, i) => (i < 2 ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")}|`);
    for (const l of body) out.push(fmt(l));
    if (notes.length) out.push("", ...notes.map((n) => `- ${n}`));
  }
  return out.join("\n");
}
