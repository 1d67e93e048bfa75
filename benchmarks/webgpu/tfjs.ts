/**
 * The suite's workloads on @tensorflow/tfjs-backend-webgpu, given the same Dawn GPU object
 * through `navigator.gpu`. tfjs lays images out NHWC. Small tensors stay on the GPU (tfjs would
 * otherwise forward ops on them to its CPU backend), so the dispatch rows compare like with like.
 */
/// <reference types="@webgpu/types" />
import type * as TF from "@tensorflow/tfjs";
import { timeCalls } from "../lib/bench.js";
import { MATMUL_SIZES, SPECS, attempt, matmulTiming, type Framework, type Measured, type Workload } from "./workloads.js";

type Tf = typeof TF;

function exposeGpu(gpu: GPU): void {
  const scope = globalThis as unknown as { navigator?: { gpu?: GPU } };
  if (!scope.navigator) Object.defineProperty(globalThis, "navigator", { value: { gpu }, configurable: true, writable: true });
  else if (!scope.navigator.gpu) Object.defineProperty(scope.navigator, "gpu", { value: gpu, configurable: true });
}

/** Waits for queued work by reading one element. */
async function settle(tf: Tf, t: TF.Tensor): Promise<void> {
  const corner = tf.slice(tf.reshape(t, [-1]), 0, 1);
  await corner.data();
  corner.dispose();
}

function oneHot(tf: Tf, n: number, classes: number): TF.Tensor {
  return tf.tidy(() => tf.oneHot(tf.randomUniform([n], 0, classes, "int32") as TF.Tensor1D, classes).toFloat());
}

export async function tfjsWebGpu(gpu: GPU): Promise<Framework> {
  exposeGpu(gpu);
  // tfjs prints a hint about tfjs-node on load; it does not apply here.
  const log = console.log;
  console.log = () => undefined;
  let tf: Tf;
  try {
    tf = (await import("@tensorflow/tfjs")) as Tf;
    await import("@tensorflow/tfjs-backend-webgpu");
  } finally {
    console.log = log;
  }
  const previous = tf.getBackend();
  if (!(await tf.setBackend("webgpu"))) throw new Error("tfjs could not initialise its webgpu backend");
  await tf.ready();
  tf.env().set("WEBGPU_CPU_FORWARD", false);

  const step = (model: TF.LayersModel, optimizer: TF.Optimizer, x: TF.Tensor, y: TF.Tensor) => async (): Promise<void> => {
    const cost = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x) as TF.Tensor) as TF.Scalar, true);
    await settle(tf, cost!);
    cost!.dispose();
  };

  const measures: Record<Workload, () => Promise<Measured[]>> = {
    async w1() {
      const out: Measured[] = [];
      for (const n of MATMUL_SIZES) {
        out.push(
          ...(await attempt(SPECS.matmul(n), async () => {
            const a = tf.randomNormal([n, n]);
            const b = tf.randomNormal([n, n]);
            const samples = await timeCalls(async () => {
              const c = tf.matMul(a, b);
              await settle(tf, c);
              c.dispose();
            }, matmulTiming(n));
            tf.dispose([a, b]);
            return [{ spec: SPECS.matmul(n), samples: samples.map((ms) => (2 * n ** 3) / ms / 1e6) }];
          })),
        );
      }
      return out;
    },
    async w2() {
      return attempt(SPECS.w2, async () => {
        const model = tf.sequential({
          layers: [tf.layers.dense({ inputShape: [784], units: 512, activation: "relu" }), tf.layers.dense({ units: 10 })],
        });
        const x = tf.randomNormal([128, 784]);
        const y = oneHot(tf, 128, 10);
        const samples = await timeCalls(step(model, tf.train.rmsprop(1e-3), x, y), { warmup: 2, minRuns: 5, budgetMs: 4000 });
        tf.dispose([x, y]);
        return [{ spec: SPECS.w2, samples }];
      });
    },
    async w3() {
      return attempt(SPECS.w3, async () => {
        const model = tf.sequential({
          layers: [
            tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: "relu" }),
            tf.layers.maxPooling2d({ poolSize: 2 }),
            tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: "relu" }),
            tf.layers.maxPooling2d({ poolSize: 2 }),
            tf.layers.flatten(),
            tf.layers.dense({ units: 128, activation: "relu" }),
            tf.layers.dense({ units: 10 }),
          ],
        });
        const x = tf.randomNormal([64, 28, 28, 1]);
        const y = oneHot(tf, 64, 10);
        const samples = await timeCalls(step(model, tf.train.momentum(0.01, 0.9), x, y), { warmup: 1, minRuns: 3, budgetMs: 6000 });
        tf.dispose([x, y]);
        return [{ spec: SPECS.w3, samples }];
      });
    },
    async dispatch() {
      const x = tf.randomNormal([4]);
      const queued = await timeCalls(async () => {
        let last: TF.Tensor | null = null;
        for (let i = 0; i < 1000; i++) {
          last?.dispose();
          last = tf.add(x, x);
        }
        await settle(tf, last!);
        last!.dispose();
      }, { warmup: 1, minRuns: 5, budgetMs: 3000 });
      const roundTrip = await timeCalls(async () => {
        const y = tf.add(x, x);
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
    async dispose() {
      const backend = tf.backend() as unknown as { device?: GPUDevice };
      tf.engine().removeBackend("webgpu");
      backend.device?.destroy();
      if (previous && previous !== "webgpu") await tf.setBackend(previous);
    },
  };
}
