import { describe, expect, it } from "vitest";
import { registerBackend } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { findDataset } from "../../shared/src/index.js";
import { runMlpFashion } from "../src/mlp-fashion.js";

registerBackend("cpu", () => new CpuBackend());

const fashion = findDataset("fashion-mnist");
if (!fashion.found) console.warn(`skipping mlp-fashion smoke test: ${fashion.path} not found (set TREK_DATA_DIR)`);

describe.skipIf(!fashion.found)("mlp-fashion (smoke: 1 epoch on 6,000 images)", () => {
  it("learns well above chance and predicts probability rows", async () => {
    const result = await runMlpFashion({ dataDir: fashion.path, epochs: 1, trainLimit: 6000, testLimit: 1000, verbose: 0 });
    expect(result.test.accuracy).toBeGreaterThan(0.72); // chance is 0.1
    expect(result.probabilities).toHaveLength(5);
    for (const row of result.probabilities) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });
});
