/**
 * The two reference workloads train on WebGPU step for step like on the CPU backend: the same
 * initial weights and batches give the same losses within float32 tolerance.
 * - W2: MLP 784→512→10, batch 128, RMSprop;
 * - W3: CNN on [64, 1, 28, 28]: conv3×3(32)-pool-conv3×3(64)-pool-fc128-fc10, SGD with momentum.
 * Batches are seeded random images with random labels: the point is identical arithmetic, not
 * accuracy (which needs the dataset).
 */
import { afterAll, describe, expect, it } from "vitest";
import { Generator, initBackend, manualSeed, randint, randn, registerBackend, type Tensor } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { Conv2d, CrossEntropyLoss, Flatten, Linear, MaxPool2d, type Module, ReLU, Sequential } from "@trek/nn";
import { RMSprop, SGD, type Optimizer } from "@trek/optim";
import { acquireWebGpu } from "./support/webgpu.js";

const gpu = await acquireWebGpu("webgpu training tests");
if (gpu) {
  registerBackend("cpu", () => new CpuBackend());
  registerBackend("webgpu", () => gpu);
  await initBackend("webgpu");
}

function mlp(): Module {
  return new Sequential(new Flatten(), new Linear(784, 512), new ReLU(), new Linear(512, 10));
}

function cnn(): Module {
  return new Sequential(
    new Conv2d(1, 32, 3),
    new ReLU(),
    new MaxPool2d(2),
    new Conv2d(32, 64, 3),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    new Linear(64 * 5 * 5, 128),
    new ReLU(),
    new Linear(128, 10),
  );
}

interface Workload {
  build: () => Module;
  optimizer: (model: Module) => Optimizer;
  batch: number;
  steps: number;
}

/** Losses of `steps` training steps on `device`, from seeded weights and batches. */
async function train(w: Workload, device: string): Promise<number[]> {
  manualSeed(7);
  const model = w.build().to(device);
  const optimizer = w.optimizer(model);
  const lossFn = new CrossEntropyLoss();
  const data = new Generator(99);
  const losses: number[] = [];
  for (let step = 0; step < w.steps; step++) {
    const x: Tensor = randn([w.batch, 1, 28, 28], { generator: data, device });
    const y: Tensor = randint(0, 10, [w.batch], { generator: data, device });
    optimizer.zeroGrad();
    const loss = lossFn.call(model.call(x), y);
    loss.backward();
    optimizer.step();
    losses.push(await loss.item());
    for (const t of [x, y, loss]) t.dispose();
  }
  return losses;
}

const W2: Workload = {
  build: mlp,
  optimizer: (model) => new RMSprop(model.parameters(), { lr: 1e-3 }),
  batch: 128,
  steps: 6,
};

const W3: Workload = {
  build: cnn,
  optimizer: (model) => new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 }),
  batch: 64,
  steps: 3,
};

describe.skipIf(!gpu)("training on webgpu matches the cpu backend step for step", () => {
  afterAll(async () => gpu?.dispose());

  for (const [name, workload] of [["W2 MLP + RMSprop", W2], ["W3 CNN + SGD momentum", W3]] as const) {
    it(name, async () => {
      const cpuLosses = await train(workload, "cpu");
      const gpuLosses = await train(workload, "webgpu");
      // The losses must move (a frozen model would match trivially) and agree at every step.
      expect(Math.abs(cpuLosses[cpuLosses.length - 1]! - cpuLosses[0]!)).toBeGreaterThan(1e-3);
      gpuLosses.forEach((loss, step) => {
        expect(Math.abs(loss - cpuLosses[step]!), `step ${step}: webgpu ${loss} vs cpu ${cpuLosses[step]}`).toBeLessThan(
          1e-4 * Math.abs(cpuLosses[step]!) + 1e-5,
        );
      });
    });
  }
});
