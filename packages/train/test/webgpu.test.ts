/**
 * fit/evaluate/predict on a GPU backend (WebGPU; lavapipe in CI): the model moves to the device,
 * batches follow, values are read asynchronously, memory stays flat from epoch to epoch, and the
 * run matches the same run on the CPU. Skipped with one line when no WebGPU adapter exists.
 */
import { afterAll, describe, expect, it } from "vitest";
import { disposeBackends, initBackend, manualSeed, memory, randn, registerBackend } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { WebGpuBackend } from "@trek/backend-webgpu";
import { Linear, ReLU, Sequential } from "@trek/nn";
import { Adam } from "@trek/optim";
import { DataLoader, TensorDataset } from "@trek/data";
import { EarlyStopping, evaluate, fit, predict } from "@trek/train";

// lavapipe's worker threads cost more than they save on tiny dispatches.
process.env.LP_NUM_THREADS ??= "0";

registerBackend("cpu", () => new CpuBackend());
let gpu = false;
try {
  const backend = new WebGpuBackend();
  await backend.init();
  registerBackend("webgpu", () => backend);
  await initBackend("webgpu");
  gpu = true;
} catch (error) {
  console.warn(`skipping train on WebGPU: ${(error instanceof Error ? error.message : String(error)).split("\n")[0]}`);
}
afterAll(async () => {
  if (gpu) await disposeBackends(); // destroys the device so the worker can exit
});

describe.skipIf(!gpu)("training on WebGPU", () => {
  const x = randn([256, 3]);
  const y = x.argmax(1);

  async function run(device: string) {
    manualSeed(3);
    const model = new Sequential(new Linear(3, 16), new ReLU(), new Linear(16, 3));
    const storages: number[] = [];
    const history = await fit(model, new DataLoader(new TensorDataset(x, y), { batchSize: 64, shuffle: true, seed: 1 }), {
      epochs: 3,
      optimizer: new Adam(model.parameters(), { lr: 1e-2 }),
      loss: "crossEntropy",
      metrics: ["accuracy"],
      valLoader: new DataLoader(new TensorDataset(x, y), { batchSize: 128 }),
      device,
      verbose: 0,
      callbacks: [new EarlyStopping({ patience: 5, restoreBestWeights: true }), { onEpochEnd: () => void storages.push(memory().devices[device]?.storages ?? 0) }],
    });
    return { model, history, storages };
  }

  it("trains with the model and batches on the GPU, matching the CPU run", async () => {
    const onGpu = await run("webgpu");
    const onCpu = await run("cpu");
    expect(onGpu.model.parameters().every((p) => p.device === "webgpu")).toBe(true);
    expect(onGpu.storages[2]).toBe(onGpu.storages[1]); // no GPU buffers leak across epochs
    for (const key of ["loss", "valLoss"]) {
      onGpu.history[key]!.forEach((value, epoch) => expect(value).toBeCloseTo(onCpu.history[key]![epoch]!, 3));
    }
    const result = await evaluate(onGpu.model, new DataLoader(new TensorDataset(x, y), { batchSize: 128 }), { loss: "crossEntropy", metrics: ["accuracy"] });
    expect(result.accuracy).toBeCloseTo(onGpu.history.valAccuracy!.at(-1)!, 10);
    const probabilities = await predict(onGpu.model, x.narrow(0, 0, 4));
    expect(probabilities.device).toBe("webgpu");
    const sums = await probabilities.sum(1).data();
    for (const s of sums) expect(s).toBeCloseTo(1, 5);
    probabilities.dispose();
  });
});
