/**
 * Tabular classification with @trek/data. Run from the repository root:
 *   npx tsx examples/tabular/main.ts [wine|breast_cancer] [--epochs N] [--workers N]
 */
import { registerBackend } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { train } from "./src/train.js";

registerBackend("cpu", () => new CpuBackend());

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const dataset = process.argv.includes("breast_cancer") ? "breast_cancer" : "wine";
const started = performance.now();
const result = await train({
  dataset,
  epochs: flag("epochs", 30),
  numWorkers: flag("workers", 0),
  onEpoch: (epoch, loss) => {
    if (epoch % 5 === 4 || epoch === 0) console.log(`epoch ${String(epoch + 1).padStart(3)}  train loss ${loss.toFixed(4)}`);
  },
});
console.log(`\n${dataset}: ${result.trainSize} training / ${result.testSize} test samples, classes ${result.classNames.join(", ")}`);
console.log(`test accuracy ${(100 * result.accuracy).toFixed(1)}%  (${((performance.now() - started) / 1000).toFixed(1)} s)`);
console.log("confusion matrix (rows: true class, columns: predicted):");
for (const [i, row] of result.confusion.entries()) console.log(`  ${result.classNames[i]!.padEnd(10)} ${row.map((v) => String(v).padStart(4)).join("")}`);
