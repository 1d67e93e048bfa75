/**
 * Trains the seeds' CNN on Fashion-MNIST and prints what it achieved.
 * Run: `pnpm --filter @trek-examples/cnn-fashion start` (options: --epochs N --limit N --data DIR).
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { registerBackend } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { findDataset, repoRoot } from "../shared/src/index.js";
import { runCnnFashion } from "./src/cnn-fashion.js";

registerBackend("cpu", () => new CpuBackend());

const { values } = parseArgs({ options: { epochs: { type: "string" }, limit: { type: "string" }, data: { type: "string" } } });
const data = values.data ? { path: values.data, found: true } : findDataset("fashion-mnist");
if (!data.found) {
  console.error(`cnn-fashion: Fashion-MNIST not found at ${data.path}; set TREK_DATA_DIR or pass --data DIR`);
  process.exit(1);
}
const outDir = join(repoRoot, "out", "cnn-fashion");
const result = await runCnnFashion({
  dataDir: data.path,
  epochs: values.epochs ? Number(values.epochs) : 5,
  trainLimit: values.limit ? Number(values.limit) : undefined,
  outDir,
});
const times = result.history.time!;
console.log(`\nTest accuracy ${result.test.accuracy!.toFixed(4)}, test loss ${result.test.loss!.toFixed(4)}`);
console.log(`Epoch times: ${times.map((t) => `${t.toFixed(1)}s`).join(", ")} (mean ${(times.reduce((a, b) => a + b, 0) / times.length).toFixed(1)}s, validation included)`);
console.log(`Best checkpoint (by valAccuracy): ${join(outDir, "best.safetensors")}; curves: ${join(outDir, "curves.svg")}`);
