/**
 * Tunes a Fashion-MNIST MLP with TPE + median pruning and writes the study's plots.
 * Run: `pnpm --filter @trek-examples/tune-mlp start` (options: --trials N --epochs N --train N --data DIR).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { registerBackend } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { TrialState } from "@trek/tune";
import { findDataset, repoRoot } from "../shared/src/index.js";
import { runTuneMlp } from "./src/tune-mlp.js";

registerBackend("cpu", () => new CpuBackend());

const { values } = parseArgs({ options: { trials: { type: "string" }, epochs: { type: "string" }, train: { type: "string" }, data: { type: "string" } } });
const data = values.data ? { path: values.data, found: true } : findDataset("fashion-mnist");
if (!data.found) {
  console.error(`tune-mlp: Fashion-MNIST not found at ${data.path}; set TREK_DATA_DIR or pass --data DIR`);
  process.exit(1);
}
const outDir = join(repoRoot, "out", "tune-mlp");
mkdirSync(outDir, { recursive: true });
const started = performance.now();
const study = await runTuneMlp({
  dataDir: data.path,
  trials: values.trials ? Number(values.trials) : undefined,
  epochs: values.epochs ? Number(values.epochs) : undefined,
  train: values.train ? Number(values.train) : undefined,
  outDir,
});
for (const trial of study.trials) {
  const value = typeof trial.value === "number" ? trial.value.toFixed(4) : "—";
  console.log(`trial ${String(trial.number).padStart(2)}  ${trial.state.padEnd(8)}  valAccuracy ${value}  ${JSON.stringify(trial.params)}`);
}
const pruned = study.trials.filter((t) => t.state === TrialState.Pruned).length;
console.log(`\nBest validation accuracy ${study.bestValue.toFixed(4)} with ${JSON.stringify(study.bestParams)}`);
console.log(`${study.trials.length} trials (${pruned} pruned) in ${((performance.now() - started) / 1000).toFixed(0)}s; plots in ${outDir}`);
