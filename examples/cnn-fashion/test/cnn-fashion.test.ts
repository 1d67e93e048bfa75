import { describe, expect, it } from "vitest";
import { registerBackend } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { findDataset } from "../../shared/src/index.js";
import { buildModel, runCnnFashion } from "../src/cnn-fashion.js";

registerBackend("cpu", () => new CpuBackend());

const fashion = findDataset("fashion-mnist");
if (!fashion.found) console.warn(`skipping cnn-fashion smoke test: ${fashion.path} not found (set TREK_DATA_DIR)`);

describe("cnn-fashion model", () => {
  it("has the seeds' layer shapes: 3136 features into the 128-unit layer", () => {
    const model = buildModel();
    expect(model.getParameter("0.weight").shape).toEqual([32, 1, 3, 3]);
    expect(model.getParameter("4.weight").shape).toEqual([64, 32, 3, 3]);
    expect(model.getParameter("9.weight").shape).toEqual([128, 3136]);
    expect(model.getParameter("12.weight").shape).toEqual([10, 128]);
  });
});

describe.skipIf(!fashion.found)("cnn-fashion (smoke: 1 epoch on 1,280 images)", () => {
  it("learns well above chance", async () => {
    const result = await runCnnFashion({ dataDir: fashion.path, epochs: 1, trainLimit: 1280, testLimit: 500, verbose: 0 });
    expect(result.test.accuracy).toBeGreaterThan(0.6); // chance is 0.1
    expect(result.history.valAccuracy).toHaveLength(1);
  });
});
