/**
 * The workloads in TensorFlow.js, on its pure-JavaScript "cpu" backend and on
 * @tensorflow/tfjs-backend-wasm. tfjs lays images out NHWC. Each workload catches failures (the
 * wasm backend lacks some training kernels) and reports them instead of a number.
 */
import type * as TF from "@tensorflow/tfjs";
import { timeCalls } from "../lib/bench.js";
import { W4_CNN_TIMING, WORKLOADS, type Row } from "./workloads.js";

type Tf = typeof TF;
export type TfBackend = "cpu" | "wasm";

let tfModule: Tf | null = null;

export async function loadTf(backend: TfBackend, threads: number): Promise<Tf> {
  if (!tfModule) {
    // tfjs prints a hint about tfjs-node on load; it does not apply here.
    const log = console.log;
    console.log = () => undefined;
    try {
      tfModule = (await import("@tensorflow/tfjs")) as Tf;
      const wasm = (await import("@tensorflow/tfjs-backend-wasm")) as { setThreadsCount?: (n: number) => void };
      wasm.setThreadsCount?.(threads);
    } finally {
      console.log = log;
    }
  }
  await tfModule.setBackend(backend);
  await tfModule.ready();
  return tfModule;
}

/** Runs `fn`; on failure returns a row with no samples and the reason. */
async function attempt(spec: Omit<Row, "samples">, fn: () => Promise<Row[]>): Promise<Row[]> {
  try {
    return await fn();
  } catch (err) {
    const message = err instanceof Error ? err.message.split("\n")[0]! : String(err);
    return [{ ...spec, samples: [], note: `failed: ${message.slice(0, 160)}` }];
  }
}

export async function tfW1(tf: Tf, slow: boolean): Promise<Row[]> {
  const rows: Row[] = [];
  for (const n of [256, 1024, 2048]) {
    rows.push(
      ...(await attempt(WORKLOADS.matmul(n), async () => {
        const a = tf.randomNormal([n, n]);
        const b = tf.randomNormal([n, n]);
        // The pure-JS backend needs seconds per 1024² product: time it less.
        const options = slow ? { warmup: n >= 1024 ? 0 : 1, minRuns: 1, maxRuns: n >= 1024 ? 1 : 5, budgetMs: 2000 } : { minRuns: 3, budgetMs: 3000 };
        const s = await timeCalls(() => tf.matMul(a, b).dispose(), options);
        tf.dispose([a, b]);
        return [{ ...WORKLOADS.matmul(n), samples: s.map((ms) => (2 * n ** 3) / ms / 1e6) }];
      })),
    );
  }
  const n = 1 << 22;
  const a = tf.randomNormal([n]);
  const b = tf.randomNormal([n]);
  const add = await timeCalls(() => tf.add(a, b).dispose());
  rows.push({ ...WORKLOADS.add, samples: add.map((ms) => (12 * n) / ms / 1e6) });
  const sum = await timeCalls(() => tf.sum(a).dispose());
  rows.push({ ...WORKLOADS.sum, samples: sum.map((ms) => (4 * n) / ms / 1e6) });
  tf.dispose([a, b]);
  return rows;
}

function oneHot(tf: Tf, n: number, classes: number): TF.Tensor {
  return tf.tidy(() => tf.oneHot(tf.randomUniform([n], 0, classes, "int32") as TF.Tensor1D, classes).toFloat());
}

function trainStep(tf: Tf, model: TF.LayersModel, optimizer: TF.Optimizer, x: TF.Tensor, y: TF.Tensor): () => void {
  return () => {
    const cost = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x) as TF.Tensor) as TF.Scalar, true);
    cost?.dispose();
  };
}

export async function tfW2(tf: Tf, slow: boolean): Promise<Row[]> {
  return attempt(WORKLOADS.w2, async () => {
    const model = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [784], units: 512, activation: "relu" }), tf.layers.dense({ units: 10 })],
    });
    const optimizer = tf.train.rmsprop(1e-3);
    const x = tf.randomNormal([128, 784]);
    const y = oneHot(tf, 128, 10);
    const s = await timeCalls(trainStep(tf, model, optimizer, x, y), slow ? { warmup: 1, minRuns: 3, budgetMs: 4000 } : { warmup: 5, minRuns: 20 });
    return [{ ...WORKLOADS.w2, samples: s }];
  });
}

function tfCnn(tf: Tf): TF.Sequential {
  return tf.sequential({
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
}

export async function tfW3(tf: Tf, slow: boolean): Promise<Row[]> {
  return attempt(WORKLOADS.w3, async () => {
    const model = tfCnn(tf);
    const optimizer = tf.train.momentum(0.01, 0.9);
    const x = tf.randomNormal([64, 28, 28, 1]);
    const y = oneHot(tf, 64, 10);
    const s = await timeCalls(trainStep(tf, model, optimizer, x, y), slow ? { warmup: 0, minRuns: 1, maxRuns: 1 } : { warmup: 3, minRuns: 10 });
    return [{ ...WORKLOADS.w3, samples: s }];
  });
}

function tfResnet18(tf: Tf): TF.LayersModel {
  const input = tf.input({ shape: [224, 224, 3] });
  const bn = (): TF.layers.Layer => tf.layers.batchNormalization({ epsilon: 1e-5 });
  const relu = (): TF.layers.Layer => tf.layers.activation({ activation: "relu" });
  const conv = (filters: number, kernelSize: number, strides: number): TF.layers.Layer =>
    tf.layers.conv2d({ filters, kernelSize, strides, padding: "same", useBias: false });
  let x = relu().apply(bn().apply(conv(64, 7, 2).apply(input))) as TF.SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: "same" }).apply(x) as TF.SymbolicTensor;
  let channels = 64;
  for (const [filters, stride] of [[64, 1], [128, 2], [256, 2], [512, 2]] as const) {
    for (let block = 0; block < 2; block++) {
      const s = block === 0 ? stride : 1;
      let identity = x;
      if (s !== 1 || channels !== filters) identity = bn().apply(conv(filters, 1, s).apply(x)) as TF.SymbolicTensor;
      let y = relu().apply(bn().apply(conv(filters, 3, s).apply(x))) as TF.SymbolicTensor;
      y = bn().apply(conv(filters, 3, 1).apply(y)) as TF.SymbolicTensor;
      x = relu().apply(tf.layers.add().apply([y, identity])) as TF.SymbolicTensor;
      channels = filters;
    }
  }
  x = tf.layers.globalAveragePooling2d({}).apply(x) as TF.SymbolicTensor;
  const output = tf.layers.dense({ units: 1000 }).apply(x) as TF.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output });
}

export async function tfW4(tf: Tf, slow: boolean): Promise<Row[]> {
  const rows: Row[] = [];
  rows.push(
    ...(await attempt(WORKLOADS.w4cnn, async () => {
      const model = tfCnn(tf);
      const x = tf.randomNormal([64, 28, 28, 1]);
      const s = await timeCalls(() => (model.predict(x) as TF.Tensor).dispose(), slow ? { warmup: 1, minRuns: 2, budgetMs: 3000 } : W4_CNN_TIMING);
      return [{ ...WORKLOADS.w4cnn, samples: s.map((ms) => 64000 / ms) }];
    })),
  );
  rows.push(
    ...(await attempt(WORKLOADS.w4resnet, async () => {
      const model = tfResnet18(tf);
      const x = tf.randomNormal([1, 224, 224, 3]);
      const s = await timeCalls(() => (model.predict(x) as TF.Tensor).dispose(), slow ? { warmup: 1, minRuns: 1, maxRuns: 2 } : { minRuns: 10, budgetMs: 5000 });
      return [{ ...WORKLOADS.w4resnet, samples: s.map((ms) => 1000 / ms) }];
    })),
  );
  return rows;
}

export async function tfW5(tf: Tf, slow: boolean): Promise<Row[]> {
  return attempt(WORKLOADS.w5, async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.embedding({ inputDim: 5000, outputDim: 100, inputLength: 34 }),
        tf.layers.lstm({ units: 150, returnSequences: true }),
        tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 5000 }) }),
      ],
    });
    const optimizer = tf.train.adam(1e-3);
    const tokens = tf.randomUniform([32, 34], 0, 5000, "int32");
    const targets = tf.tidy(() => tf.oneHot(tf.randomUniform([32, 34], 0, 5000, "int32") as TF.Tensor2D, 5000).toFloat());
    const step = (): void => {
      const cost = optimizer.minimize(
        () => tf.losses.softmaxCrossEntropy(targets.reshape([-1, 5000]), (model.apply(tokens) as TF.Tensor).reshape([-1, 5000])) as TF.Scalar,
        true,
      );
      cost?.dispose();
    };
    const s = await timeCalls(step, slow ? { warmup: 0, minRuns: 1, maxRuns: 1 } : { warmup: 2, minRuns: 5 });
    return [{ ...WORKLOADS.w5, samples: s }];
  });
}
