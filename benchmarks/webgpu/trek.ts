/** The suite's workloads on TorchTrek's WebGPU backend. */
/// <reference types="@webgpu/types" />
import { Generator, hasBackend, initBackend, randint, randn, registerBackend, type Tensor } from "@trek/tensor";
import { WebGpuBackend } from "@trek/backend-webgpu";
import { Conv2d, CrossEntropyLoss, Flatten, Linear, MaxPool2d, type Module, ReLU, Sequential } from "@trek/nn";
import { RMSprop, SGD, type Optimizer } from "@trek/optim";
import { timeCalls } from "../lib/bench.js";
import { MATMUL_SIZES, SPECS, attempt, matmulTiming, type Framework, type Measured, type Workload } from "./workloads.js";

const DEVICE = "webgpu";

/** Waits for everything queued on `t`'s device by reading one element. */
async function settle(t: Tensor): Promise<void> {
  const corner = t.reshape(-1).narrow(0, 0, 1);
  await corner.data();
  corner.dispose();
}

function mlp(): Module {
  return new Sequential(new Linear(784, 512), new ReLU(), new Linear(512, 10));
}

function cnn(): Module {
  return new Sequential(
    new Conv2d(1, 32, 3), new ReLU(), new MaxPool2d(2),
    new Conv2d(32, 64, 3), new ReLU(), new MaxPool2d(2),
    new Flatten(), new Linear(64 * 5 * 5, 128), new ReLU(), new Linear(128, 10),
  );
}

async function trainingStep(model: Module, optimizer: Optimizer, x: Tensor, y: Tensor): Promise<void> {
  const lossFn = new CrossEntropyLoss();
  optimizer.zeroGrad();
  const loss = lossFn.call(model.call(x), y);
  loss.backward();
  optimizer.step();
  await settle(loss);
  loss.dispose();
}

export async function trekWebGpu(gpu: GPU): Promise<Framework> {
  const backend = new WebGpuBackend({ gpu });
  if (!hasBackend(DEVICE)) registerBackend(DEVICE, () => backend);
  await initBackend(DEVICE);
  const data = new Generator(5);
  const measures: Record<Workload, () => Promise<Measured[]>> = {
    async w1() {
      const out: Measured[] = [];
      for (const n of MATMUL_SIZES) {
        out.push(
          ...(await attempt(SPECS.matmul(n), async () => {
            const a = randn([n, n], { device: DEVICE, generator: data });
            const b = randn([n, n], { device: DEVICE, generator: data });
            const samples = await timeCalls(async () => {
              const c = a.matmul(b);
              await settle(c);
              c.dispose();
            }, matmulTiming(n));
            a.dispose();
            b.dispose();
            return [{ spec: SPECS.matmul(n), samples: samples.map((ms) => (2 * n ** 3) / ms / 1e6) }];
          })),
        );
      }
      return out;
    },
    async w2() {
      return attempt(SPECS.w2, async () => {
        const model = mlp().to(DEVICE);
        const optimizer = new RMSprop(model.parameters(), { lr: 1e-3 });
        const x = randn([128, 784], { device: DEVICE, generator: data });
        const y = randint(0, 10, [128], { device: DEVICE, generator: data });
        const samples = await timeCalls(() => trainingStep(model, optimizer, x, y), { warmup: 2, minRuns: 5, budgetMs: 4000 });
        return [{ spec: SPECS.w2, samples }];
      });
    },
    async w3() {
      return attempt(SPECS.w3, async () => {
        const model = cnn().to(DEVICE);
        const optimizer = new SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
        const x = randn([64, 1, 28, 28], { device: DEVICE, generator: data });
        const y = randint(0, 10, [64], { device: DEVICE, generator: data });
        const samples = await timeCalls(() => trainingStep(model, optimizer, x, y), { warmup: 1, minRuns: 3, budgetMs: 6000 });
        return [{ spec: SPECS.w3, samples }];
      });
    },
    async dispatch() {
      const x = randn([4], { device: DEVICE, generator: data });
      const queued = await timeCalls(async () => {
        let last: Tensor | null = null;
        for (let i = 0; i < 1000; i++) {
          last?.dispose();
          last = x.add(x);
        }
        await settle(last!);
        last!.dispose();
      }, { warmup: 1, minRuns: 5, budgetMs: 3000 });
      const roundTrip = await timeCalls(async () => {
        const y = x.add(x);
        await y.data();
        y.dispose();
      }, { warmup: 5, minRuns: 50, budgetMs: 2000 });
      x.dispose();
      return [
        { spec: SPECS.dispatch, samples: queued.map((ms) => ms) },
        { spec: SPECS.roundTrip, samples: roundTrip.map((ms) => ms * 1000) },
      ];
    },
  };
  return {
    measure: (workload) => measures[workload](),
    dispose: () => backend.dispose(),
  };
}
