/**
 * The seeds' convolutional workflow: two Conv3×3-BatchNorm-ReLU-MaxPool blocks, a 128-unit
 * dense layer with dropout, Adam at 1e-3, 5 epochs with batches of 64 on Fashion-MNIST.
 */
import { join } from "node:path";
import { manualSeed } from "@trek/tensor";
import { BatchNorm2d, Conv2d, Dropout, Flatten, Linear, MaxPool2d, ReLU, Sequential } from "@trek/nn";
import { Adam } from "@trek/optim";
import { DataLoader, TensorDataset } from "@trek/data";
import { CSVLogger, ModelCheckpoint, TrainingCurves, compile, type History } from "@trek/train";
import { loadImageSplit } from "../../shared/src/index.js";

/** [N, 1, 28, 28] → logits [N, 10]. */
export function buildModel(): Sequential {
  return new Sequential(
    new Conv2d(1, 32, 3, { padding: 1 }),
    new BatchNorm2d(32),
    new ReLU(),
    new MaxPool2d(2),
    new Conv2d(32, 64, 3, { padding: 1 }),
    new BatchNorm2d(64),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    new Linear(64 * 7 * 7, 128),
    new ReLU(),
    new Dropout(0.3),
    new Linear(128, 10),
  );
}

export interface CnnOptions {
  dataDir: string;
  epochs?: number;
  batchSize?: number;
  trainLimit?: number;
  testLimit?: number;
  /** Where the curves, the log and the best checkpoint go (nothing is written when absent). */
  outDir?: string;
  verbose?: 0 | 1;
  seed?: number;
}

export interface CnnResult {
  history: History;
  test: Record<string, number>;
}

export async function runCnnFashion(options: CnnOptions): Promise<CnnResult> {
  manualSeed(options.seed ?? 0);
  const train = await loadImageSplit(options.dataDir, "train", { limit: options.trainLimit });
  const test = await loadImageSplit(options.dataDir, "test", { limit: options.testLimit });
  const trainLoader = new DataLoader(new TensorDataset(train.images, train.labels), { batchSize: options.batchSize ?? 64, shuffle: true, seed: options.seed ?? 0 });
  const testLoader = new DataLoader(new TensorDataset(test.images, test.labels), { batchSize: 500 });

  const model = buildModel();
  const trainer = compile(model, { optimizer: new Adam(model.parameters(), { lr: 1e-3 }), loss: "crossEntropy", metrics: ["accuracy"] });
  const callbacks = options.outDir
    ? [
        new TrainingCurves(join(options.outDir, "curves.svg"), { title: "cnn-fashion" }),
        new CSVLogger(join(options.outDir, "history.csv")),
        new ModelCheckpoint({ filepath: join(options.outDir, "best.safetensors"), monitor: "valAccuracy", saveBestOnly: true }),
      ]
    : [];
  const history = await trainer.fit(trainLoader, { epochs: options.epochs ?? 5, valLoader: testLoader, callbacks, verbose: options.verbose ?? 1 });
  const result = await trainer.evaluate(testLoader);
  return { history, test: result };
}
