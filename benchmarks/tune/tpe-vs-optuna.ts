/**
 * TPE vs random search vs Optuna on standard test functions, at equal budgets over many seeds.
 * Prints, per function, the median (over seeds) of the best value found minus the optimum.
 *
 *   npx tsx benchmarks/tune/tpe-vs-optuna.ts [--budget 100] [--seeds 20]
 *
 * The Optuna columns come from optuna_reference.py (Debian: apt-get install python3-optuna);
 * without Optuna they are skipped with a note.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { RandomSampler, type Sampler, TpeSampler, createStudy, setLogLevel } from "../../packages/tune/src/index.js";
import { TEST_FUNCTIONS, median } from "../../packages/tune/test/helpers/test-functions.js";

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

const budget = option("budget", 100);
const seeds = option("seeds", 20);
setLogLevel("silent");

const ours: Record<string, (seed: number) => Sampler> = {
  "trek-tpe": (seed) => new TpeSampler({ seed }),
  "trek-tpe-multivariate": (seed) => new TpeSampler({ seed, multivariate: true }),
  "trek-random": (seed) => new RandomSampler({ seed }),
};

const results: Record<string, Record<string, number[]>> = {};
for (const fn of TEST_FUNCTIONS) {
  results[fn.name] = {};
  for (const [name, makeSampler] of Object.entries(ours)) {
    const gaps: number[] = [];
    for (let seed = 0; seed < seeds; seed++) {
      const study = await createStudy({ sampler: makeSampler(seed) });
      await study.optimize(fn.objective, { nTrials: budget });
      gaps.push(study.bestValue - fn.optimum);
    }
    results[fn.name]![name] = gaps;
  }
  process.stderr.write(`trek: ${fn.name} done\n`);
}

let optunaVersion: string | null = null;
const script = fileURLToPath(new URL("./optuna_reference.py", import.meta.url));
const python = ["python3", "/usr/bin/python3"].find((candidate) => spawnSync(candidate, ["-c", "import optuna"], { stdio: "ignore" }).status === 0);
if (!python) {
  console.log("Optuna columns skipped: no python3 with `import optuna` (apt-get install python3-optuna).");
} else {
  const run = spawnSync(python, [script, "--budget", String(budget), "--seeds", String(seeds)], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 64 << 20 });
  if (run.status !== 0) {
    console.log(`Optuna columns skipped: ${script} exited with ${run.status}.`);
  } else {
    const reference = JSON.parse(run.stdout) as { optuna: string; results: Record<string, Record<string, number[]>> };
    optunaVersion = reference.optuna;
    for (const [fn, bySampler] of Object.entries(reference.results)) Object.assign(results[fn]!, bySampler);
  }
}

const columns = [...new Set(Object.values(results).flatMap((bySampler) => Object.keys(bySampler)))];
const format = (value: number) => (value === 0 ? "0" : value.toExponential(2));
console.log(`\nMedian over ${seeds} seeds of (best value − optimum) after ${budget} trials; lower is better.${optunaVersion ? ` Optuna ${optunaVersion}.` : ""}\n`);
const header = ["function", ...columns];
const rows = Object.entries(results).map(([fn, bySampler]) => [fn, ...columns.map((column) => (bySampler[column] ? format(median(bySampler[column]!)) : "-"))]);
const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(" | ")} |`;
console.log(line(header));
console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
for (const row of rows) console.log(line(row));
