import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { registerBackend } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { TrialState } from "@trek/tune";
import { findDataset } from "../../shared/src/index.js";
import { buildMlp, runTuneMlp } from "../src/tune-mlp.js";

registerBackend("cpu", () => new CpuBackend());

const fashion = findDataset("fashion-mnist");
if (!fashion.found) console.warn(`skipping tune-mlp smoke test: ${fashion.path} not found (set TREK_DATA_DIR)`);

describe("tune-mlp", () => {
  it("builds the sampled architecture", () => {
    const model = buildMlp(2, 64);
    expect(model.parameters().map((p) => p.shape)).toEqual([[64, 784], [64], [64, 64], [64], [10, 64], [10]]);
  });

  it.skipIf(!fashion.found)("runs a tiny study end to end and writes the plots", async () => {
    const outDir = mkdtempSync(join(tmpdir(), "trek-tune-mlp-"));
    try {
      const study = await runTuneMlp({ dataDir: fashion.path, trials: 2, epochs: 1, train: 1000, validation: 500, outDir });
      expect(study.trials).toHaveLength(2);
      for (const trial of study.trials) {
        expect(trial.state).toBe(TrialState.Complete);
        expect(trial.value).toBeGreaterThanOrEqual(0);
        expect(trial.value).toBeLessThanOrEqual(1);
        expect([...trial.intermediateValues.keys()]).toEqual([0]); // epoch 0 reported by the pruning callback
      }
      expect(study.bestValue).toBeGreaterThan(0.3); // chance is 0.1
      for (const plot of ["optimization-history", "intermediate-values", "parallel-coordinate", "param-importances"]) {
        expect(existsSync(join(outDir, `${plot}.svg`))).toBe(true);
      }
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });
});
