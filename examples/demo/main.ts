/**
 * TorchTrek demo: `npm run demo` trains a small CNN on digits drawn in-process (nothing to
 * download), shows progress, prints the test accuracy, and saves a checkpoint and the training
 * curves under out/demo/. `--data DIR` uses MNIST-format IDX files instead (e.g. Fashion-MNIST).
 */
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { registerBackend } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { repoRoot } from "../shared/src/index.js";
import { runDemo } from "./src/run-demo.js";

registerBackend("cpu", () => new CpuBackend());

const { values } = parseArgs({
  options: { data: { type: "string" }, epochs: { type: "string" }, out: { type: "string" }, help: { type: "boolean", short: "h" } },
});
if (values.help) {
  console.log(
    "usage: npm run demo -- [--data DIR] [--epochs N] [--out DIR]\n" +
      "  --data DIR   MNIST-format IDX files (train-/t10k-images-idx3-ubyte[.gz], …) instead of the built-in digits\n" +
      "  --epochs N   most epochs (default 10 on the built-in digits, 3 with --data; training stops earlier at 99% test accuracy)\n" +
      "  --out DIR    where the checkpoint, curves and sample sheet go (default out/demo)",
  );
  process.exit(0);
}
const outDir = resolve(values.out ?? join(repoRoot, "out", "demo"));
mkdirSync(outDir, { recursive: true });
const started = performance.now();
console.log("TorchTrek demo — a small CNN, trained on the CPU\n");
// Real datasets are larger (60,000 Fashion-MNIST images): fewer epochs keep the run short.
const maxEpochs = values.epochs ? Number(values.epochs) : values.data ? 3 : undefined;
const result = await runDemo({ dataDir: values.data ? resolve(values.data) : undefined, maxEpochs, outDir });
const epochs = result.history.loss!.length;
console.log(`\nData: ${result.source}`);
console.log(`Test accuracy: ${(100 * result.testAccuracy).toFixed(2)}% after ${epochs} epoch(s) (test loss ${result.testLoss.toFixed(4)})`);
console.log(`Confusion matrix (rows: true digit, columns: predicted):\n${result.confusion.format()}`);
console.log(`Checkpoint: ${result.checkpoint} (reloaded into a fresh model: ${(100 * result.reloadedAccuracy).toFixed(2)}% test accuracy)`);
console.log(`Training curves: ${result.curves}`);
if (result.samples) console.log(`Sample test digits: ${result.samples}`);
console.log(result.onnx.status === "ok" ? `ONNX: exported to ${result.onnx.path}, re-imported, max output difference ${result.onnx.maxDifference}` : `ONNX round trip: skipped (${result.onnx.reason})`);
console.log(`Done in ${((performance.now() - started) / 1000).toFixed(1)}s`);
