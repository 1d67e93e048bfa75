/**
 * The demo run: data (built-in digits, or MNIST-format IDX files), a small CNN trained until it
 * has clearly learned the task, evaluation, a checkpoint and the training curves.
 */
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { manualSeed, tensor, type Tensor } from "@trek/tensor";
import { load } from "@trek/nn";
import { Adam } from "@trek/optim";
import { DataLoader, TensorDataset } from "@trek/data";
import { ConfusionMatrix, EarlyStopping, ModelCheckpoint, TrainingCurves, compile, type Callback, type History } from "@trek/train";
import { loadImageSplit } from "../../shared/src/index.js";
import { buildDemoModel } from "./demo-model.js";
import { generateGlyphs, glyphSheetPng, type GlyphSet } from "./glyphs.js";
import { onnxRoundTrip, type OnnxStatus } from "./onnx-roundtrip.js";

export interface DemoOptions {
  /** An MNIST-format folder to use instead of the built-in digits. */
  dataDir?: string;
  /** Built-in digits to train on (default 16000) and to test on (default 4000). */
  trainCount?: number;
  testCount?: number;
  /** Most epochs to run (default 10). */
  maxEpochs?: number;
  /** Stop once the test accuracy reaches this (default 0.99). */
  targetAccuracy?: number;
  /** Output folder for the checkpoint, curves and sample sheet. */
  outDir: string;
  verbose?: 0 | 1;
  seed?: number;
}

export interface DemoResult {
  source: string;
  history: History;
  testAccuracy: number;
  testLoss: number;
  confusion: ConfusionMatrix;
  checkpoint: string;
  curves: string;
  samples?: string;
  reloadedAccuracy: number;
  onnx: OnnxStatus;
}

interface Split {
  images: Tensor;
  labels: Tensor;
}

function glyphTensors(set: GlyphSet): Split {
  const pixels = new Float32Array(set.pixels.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = set.pixels[i]! / 255;
  const labels = new BigInt64Array(set.count);
  for (let i = 0; i < set.count; i++) labels[i] = BigInt(set.labels[i]!);
  return { images: tensor(pixels, { shape: [set.count, 1, set.size, set.size] }), labels: tensor(labels, { shape: [set.count] }) };
}

/** Train/test tensors from an MNIST-format folder; without training images the test set is split 80/20. */
async function idxData(dir: string): Promise<{ train: Split; test: Split; source: string }> {
  const hasTrain = ["train-images-idx3-ubyte.gz", "train-images-idx3-ubyte"].some((f) => existsSync(join(dir, f)));
  const test = await loadImageSplit(dir, "test");
  if (hasTrain) {
    const train = await loadImageSplit(dir, "train");
    return { train, test, source: `${dir} (${train.count} training, ${test.count} test images)` };
  }
  const cut = Math.floor(test.count * 0.8);
  return {
    train: { images: test.images.narrow(0, 0, cut), labels: test.labels.narrow(0, 0, cut) },
    test: { images: test.images.narrow(0, cut, test.count - cut), labels: test.labels.narrow(0, cut, test.count - cut) },
    source: `${dir} (no training images there: the ${test.count} test images split into ${cut} for training and ${test.count - cut} for testing)`,
  };
}

/** Ends training once `key` reaches `target`: "clearly learned". */
function stopWhenReached(key: string, target: number): Callback {
  let context: { stopTraining: boolean } | undefined;
  return {
    setContext: (c) => void (context = c),
    onEpochEnd: (_epoch, logs) => {
      if ((logs[key] ?? 0) >= target && context) context.stopTraining = true;
    },
  };
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const seed = options.seed ?? 0;
  manualSeed(seed);
  let train: Split;
  let test: Split;
  let source: string;
  let samples: string | undefined;
  if (options.dataDir) {
    ({ train, test, source } = await idxData(options.dataDir));
  } else {
    const trainCount = options.trainCount ?? 16000;
    const testCount = options.testCount ?? 4000;
    // Different seeds: the test digits are new drawings, not copies of training ones.
    const trainSet = await generateGlyphs(trainCount, { seed: seed * 2 + 1 });
    const testSet = await generateGlyphs(testCount, { seed: seed * 2 + 2 });
    samples = join(options.outDir, "samples.png");
    await writeFile(samples, await glyphSheetPng(testSet, 100, 10));
    train = glyphTensors(trainSet);
    test = glyphTensors(testSet);
    source = `built-in digits drawn with sharp (${trainCount} training, ${testCount} test images)`;
  }

  const trainLoader = new DataLoader(new TensorDataset(train.images, train.labels), { batchSize: 64, shuffle: true, seed });
  const testLoader = new DataLoader(new TensorDataset(test.images, test.labels), { batchSize: 500 });
  const model = buildDemoModel();
  const trainer = compile(model, { optimizer: new Adam(model.parameters(), { lr: 2e-3 }), loss: "crossEntropy", metrics: ["accuracy"] });
  const checkpoint = join(options.outDir, "demo-cnn.safetensors");
  const curves = join(options.outDir, "curves.svg");
  const history = await trainer.fit(trainLoader, {
    epochs: options.maxEpochs ?? 10,
    valLoader: testLoader,
    verbose: options.verbose ?? 1,
    callbacks: [
      new ModelCheckpoint({ filepath: checkpoint, monitor: "valAccuracy", saveBestOnly: true }),
      new TrainingCurves(curves, { title: "TorchTrek demo: small CNN on digits" }),
      new EarlyStopping({ monitor: "valLoss", patience: 2, restoreBestWeights: true }),
      stopWhenReached("valAccuracy", options.targetAccuracy ?? 0.99),
    ],
  });

  const confusion = new ConfusionMatrix({ numClasses: 10 });
  const result = await trainer.evaluate(testLoader, { metrics: ["accuracy", confusion] });

  // The checkpoint must bring back a working model: load it into a fresh one and re-test.
  const reloaded = buildDemoModel();
  const state = load(checkpoint);
  reloaded.loadStateDict(state);
  for (const t of Object.values(state)) t.dispose();
  const reloadedResult = await compile(reloaded, { optimizer: new Adam(reloaded.parameters()), loss: "crossEntropy", metrics: ["accuracy"] }).evaluate(testLoader);

  const onnx = await onnxRoundTrip(model, test.images.narrow(0, 0, 8), join(options.outDir, "demo-cnn.onnx"));
  return {
    source,
    history,
    testAccuracy: result.accuracy!,
    testLoss: result.loss!,
    confusion,
    checkpoint,
    curves,
    samples,
    reloadedAccuracy: reloadedResult.accuracy!,
    onnx,
  };
}
