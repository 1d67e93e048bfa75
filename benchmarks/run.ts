/**
 * `npm run bench`: runs every benchmark suite in this process and prints one table per suite,
 * then writes all rows to benchmarks/results/bench-<time>.json and results/latest.json.
 *
 * Suites are modules exporting `async function run(): Promise<BenchRow[]>` (see lib/bench.ts):
 * any `<dir>/*.ts` under benchmarks/ that exports `run` (cpu/run.ts, webgpu/run.ts, …). Files
 * without a `run` export are standalone scripts and are not imported (they would run on import).
 *
 *   npm run bench                         every suite
 *   npm run bench -- --only cpu           suites whose path contains "cpu"
 *   npm run bench -- --threads 2          (cpu suite) threads for every framework; default 1
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { arch, cpus, loadavg, totalmem } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { formatTables, type BenchRow } from "./lib/bench.js";

const here = dirname(fileURLToPath(import.meta.url));

/** Every `<dir>/*.ts` under benchmarks/ that exports `run` (lib/ and results/ excluded), cpu first. */
function suiteFiles(): string[] {
  const dirs = readdirSync(here, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !["lib", "results", "node_modules"].includes(entry.name))
    .map((entry) => entry.name)
    .sort((a, b) => (a === "cpu" ? -1 : b === "cpu" ? 1 : a.localeCompare(b)));
  const files: string[] = [];
  for (const dir of dirs) {
    for (const name of readdirSync(join(here, dir)).sort()) if (name.endsWith(".ts")) files.push(join(here, dir, name));
  }
  return files.filter((file) => /export\s+(async\s+)?function\s+run\s*\(/.test(readFileSync(file, "utf8")));
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const only = option("only");
const rows: BenchRow[] = [];
const failures: string[] = [];
for (const file of suiteFiles()) {
  const name = relative(here, file);
  if (only && !name.includes(only)) continue;
  console.log(`\n## ${name}`);
  try {
    const suite = (await import(pathToFileURL(file).href)) as { run: () => Promise<BenchRow[]> };
    const suiteRows = await suite.run();
    rows.push(...suiteRows);
    console.log(formatTables(suiteRows));
  } catch (err) {
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    failures.push(`${name}: ${message}`);
    console.error(`${name} failed: ${message}`);
  }
}

const machine = {
  cpu: cpus()[0]?.model ?? "unknown",
  cores: cpus().length,
  arch: arch(),
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  loadAverage: loadavg(),
};
const resultsDir = join(here, "results");
mkdirSync(resultsDir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, "-");
const report = { date: new Date().toISOString(), machine, argv: process.argv.slice(2), rows, failures };
writeFileSync(join(resultsDir, `bench-${stamp}.json`), JSON.stringify(report, null, 2));
if (rows.length) writeFileSync(join(resultsDir, "latest.json"), JSON.stringify(report, null, 2));
console.log(`\nwrote benchmarks/results/bench-${stamp}.json (${rows.length} rows${failures.length ? `, ${failures.length} suite failures` : ""})`);
if (failures.length) process.exitCode = 1;
