/**
 * Autograd overhead: the time of forward + backward of an MLP divided by the time of the
 * forward alone (PyTorch is ~2–3×), for TorchTrek and TensorFlow.js on the same model.
 * Part of `npm run bench`; run alone with `npm run bench -- --only autograd`.
 */
import type * as TF from "@tensorflow/tfjs";
import { hasBackend, randint, randn, registerBackend, scope } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { noGrad } from "@trek/autograd";
import { CrossEntropyLoss, Linear, ReLU, Sequential } from "@trek/nn";
import { median, timeCalls, type BenchRow } from "../lib/bench.js";
import { loadTf, type TfBackend } from "../cpu/tfjs.js";

const SUITE = "autograd overhead (MLP 784→512→10, batch 128)";
const BATCH = 128;

function rows(framework: string, forwardMs: number[], trainingMs: number[], note?: string): BenchRow[] {
  const forward = median(forwardMs);
  const both = median(trainingMs);
  return [
    { suite: SUITE, workload: "forward (recording)", framework, metric: "ms", value: forward, higherIsBetter: false, samples: forwardMs, note },
    { suite: SUITE, workload: "forward + backward", framework, metric: "ms", value: both, higherIsBetter: false, samples: trainingMs, note },
    { suite: SUITE, workload: "(forward + backward) / forward", framework, metric: "×", value: both / forward, higherIsBetter: false, note },
  ];
}

async function trek(): Promise<BenchRow[]> {
  if (!hasBackend("cpu")) registerBackend("cpu", () => new CpuBackend());
  const model = new Sequential(new Linear(784, 512), new ReLU(), new Linear(512, 10));
  const loss = new CrossEntropyLoss();
  const x = randn(BATCH, 784);
  const y = randint(0, 10, [BATCH]);
  const forward = await timeCalls(() => scope(() => void loss.call(model.call(x), y)), { minRuns: 10 });
  const training = await timeCalls(
    () =>
      scope(() => {
        model.zeroGrad();
        loss.call(model.call(x), y).backward();
      }),
    { minRuns: 10 },
  );
  const inference = await timeCalls(() => scope(() => noGrad(() => void loss.call(model.call(x), y))), { minRuns: 10 });
  return [
    ...rows("torchtrek", forward, training),
    {
      suite: SUITE,
      workload: "forward (noGrad)",
      framework: "torchtrek",
      metric: "ms",
      value: median(inference),
      higherIsBetter: false,
      samples: inference,
    },
  ];
}

async function tfjs(backend: TfBackend): Promise<BenchRow[]> {
  const tf = await loadTf(backend, 1);
  const model = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [784], units: 512, activation: "relu" }), tf.layers.dense({ units: 10 })],
  });
  const x = tf.randomNormal([BATCH, 784]);
  const y = tf.oneHot(tf.randomUniform([BATCH], 0, 10, "int32") as TF.Tensor1D, 10).toFloat();
  const lossOf = (): TF.Scalar => tf.losses.softmaxCrossEntropy(y, model.apply(x) as TF.Tensor) as TF.Scalar;
  const slow = backend === "cpu" ? { warmup: 1, minRuns: 3, budgetMs: 4000 } : { minRuns: 10 };
  const forward = await timeCalls(() => tf.tidy(() => void lossOf().dataSync()), slow);
  const training = await timeCalls(
    () => {
      const { value, grads } = tf.variableGrads(lossOf);
      value.dataSync();
      tf.dispose([value, ...Object.values(grads)]);
    },
    slow,
  );
  tf.dispose([x, y]);
  model.dispose();
  return rows(`tfjs-${backend}`, forward, training);
}

export async function run(): Promise<BenchRow[]> {
  const out = await trek();
  for (const backend of ["wasm", "cpu"] as const) {
    try {
      out.push(...(await tfjs(backend)));
    } catch (err) {
      const reason = err instanceof Error ? err.message.split("\n")[0]! : String(err);
      out.push({ suite: SUITE, workload: "forward + backward", framework: `tfjs-${backend}`, metric: "ms", value: null, higherIsBetter: false, note: `failed: ${reason}` });
    }
  }
  return out;
}
