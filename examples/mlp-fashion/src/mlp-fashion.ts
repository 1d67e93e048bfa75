/**
 * The seeds' first workflow: a dense network on Fashion-MNIST, compiled with RMSprop and
 * sparse categorical cross-entropy, trained 5 epochs with batches of 128, then evaluated on the
 * test set and asked for the class probabilities of a few test images.
 */
import { join } from "node:path";
import { manualSeed, type Tensor } from "@trek/tensor";
import { Flatten, Linear, ReLU, Sequential } from "@trek/nn";
import { RMSprop } from "@trek/optim";
import { DataLoader, TensorDataset } from "@trek/data";
import { CSVLogger, TrainingCurves, compile, type History } from "@trek/train";
import { FASHION_CLASSES, loadImageSplit } from "../../shared/src/index.js";

/** Flatten → Linear(784, 512) → ReLU → Linear(512, 10): logits for the 10 classes. */
export function buildModel(): Sequential {
  return new Sequential(new Flatten(), new Linear(28 * 28, 512), new ReLU(), new Linear(512, 10));
}

export interface MlpOptions {
  /** Folder with the Fashion-MNIST IDX files. */
  dataDir: string;
  epochs?: number;
  batchSize?: number;
  /** Use only the first N training images (quick runs). */
  trainLimit?: number;
  /** Use only the first N test images. */
  testLimit?: number;
  /** Where the curves and the log go (nothing is written when absent). */
  outDir?: string;
  /** 0: silent, 1: progress bar / epoch lines. */
  verbose?: 0 | 1;
  seed?: number;
}

export interface MlpResult {
  history: History;
  test: Record<string, number>;
  /** Class probabilities of the first test images, [n, 10]. */
  probabilities: number[][];
  labels: number[];
}

export async function runMlpFashion(options: MlpOptions): Promise<MlpResult> {
  manualSeed(options.seed ?? 0);
  const train = await loadImageSplit(options.dataDir, "train", { limit: options.trainLimit });
  const test = await loadImageSplit(options.dataDir, "test", { limit: options.testLimit });
  const trainLoader = new DataLoader(new TensorDataset(train.images, train.labels), { batchSize: options.batchSize ?? 128, shuffle: true, seed: options.seed ?? 0 });
  const testLoader = new DataLoader(new TensorDataset(test.images, test.labels), { batchSize: 1000 });

  const model = buildModel();
  // Keras's RMSprop defaults (the seeds use them): lr 1e-3, rho 0.9.
  const trainer = compile(model, { optimizer: new RMSprop(model.parameters(), { lr: 1e-3, alpha: 0.9, eps: 1e-7 }), loss: "crossEntropy", metrics: ["accuracy"] });
  const callbacks = options.outDir ? [new TrainingCurves(join(options.outDir, "curves.svg"), { title: "mlp-fashion" }), new CSVLogger(join(options.outDir, "history.csv"))] : [];
  const history = await trainer.fit(trainLoader, { epochs: options.epochs ?? 5, valLoader: testLoader, callbacks, verbose: options.verbose ?? 1 });
  const result = await trainer.evaluate(testLoader);

  const firstImages: Tensor = test.images.narrow(0, 0, 5);
  const probabilities = await trainer.predict(firstImages);
  const rows = (await probabilities.tolist()) as number[][];
  const labels = Array.from(await test.labels.narrow(0, 0, 5).data(), Number);
  probabilities.dispose();
  return { history, test: result, probabilities: rows, labels };
}

/** A readable table of predicted probabilities. */
export function formatPredictions(probabilities: number[][], labels: number[]): string {
  return probabilities
    .map((row, i) => {
      const best = row.indexOf(Math.max(...row));
      const top = row
        .map((p, c) => [p, c] as const)
        .sort((a, b) => b[0] - a[0])
        .slice(0, 3)
        .map(([p, c]) => `${FASHION_CLASSES[c]} ${(100 * p).toFixed(1)}%`)
        .join(", ");
      return `  image ${i}: true ${FASHION_CLASSES[labels[i]!]}, predicted ${FASHION_CLASSES[best]} (${best === labels[i] ? "right" : "wrong"}) — ${top}`;
    })
    .join("\n");
}
