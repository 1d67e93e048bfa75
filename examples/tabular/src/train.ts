/**
 * The whole pipeline: CSV → stratified train/test split → standardization (fitted on the
 * training part only) → DataLoader → a small MLP trained with SGD → test accuracy.
 */
import { join } from "node:path";
import { manualSeed, scope, type Tensor } from "@trek/tensor";
import { noGrad } from "@trek/autograd";
import { CrossEntropyLoss, Linear, ReLU, Sequential } from "@trek/nn";
import { SGD } from "@trek/optim";
import { DataLoader, StandardScaler, TensorDataset, trainTestSplit } from "@trek/data";
import { dataDir } from "./data-dir.js";
import { loadSklearnCsv } from "./sklearn-csv.js";

export interface TrainOptions {
  /** "wine" (3 classes, 13 features) or "breast_cancer" (2 classes, 30 features). */
  dataset?: "wine" | "breast_cancer";
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  hidden?: number;
  /** DataLoader worker threads. */
  numWorkers?: number;
  seed?: number;
  /** Called after each epoch with its mean training loss. */
  onEpoch?: (epoch: number, loss: number) => void;
}

export interface TrainResult {
  classNames: string[];
  trainSize: number;
  testSize: number;
  /** Fraction of test samples classified correctly. */
  accuracy: number;
  /** confusion[true][predicted] counts on the test set. */
  confusion: number[][];
}

export async function train(options: TrainOptions = {}): Promise<TrainResult> {
  const name = options.dataset ?? "wine";
  const file = join(dataDir(), "sklearn-datasets", name === "wine" ? "wine_data.csv" : "breast_cancer.csv");
  const { dataset, classNames } = await loadSklearnCsv(file);
  const seed = options.seed ?? 0;

  const [xTrainRaw, xTestRaw, yTrain, yTest] = trainTestSplit([dataset.features, dataset.target!], {
    testSize: 0.25,
    stratify: dataset.target!,
    seed,
  });
  // Fit the scaler on training data only, so the test set stays unseen.
  const scaler = new StandardScaler().fit(xTrainRaw);
  const xTrain = scaler.transform(xTrainRaw);
  const xTest = scaler.transform(xTestRaw);

  const loader = new DataLoader(new TensorDataset(xTrain, yTrain), {
    batchSize: options.batchSize ?? 16,
    shuffle: true,
    seed,
    numWorkers: options.numWorkers ?? 0,
    persistentWorkers: (options.numWorkers ?? 0) > 0,
  });
  manualSeed(seed); // the layers' initial weights
  const hidden = options.hidden ?? 16;
  const model = new Sequential(new Linear(xTrain.shape[1]!, hidden), new ReLU(), new Linear(hidden, classNames.length));
  const lossFn = new CrossEntropyLoss();
  const optimizer = new SGD(model.parameters(), { lr: options.learningRate ?? 0.05, momentum: 0.9 });

  try {
    for (let epoch = 0; epoch < (options.epochs ?? 30); epoch++) {
      let total = 0;
      let batches = 0;
      for await (const [x, y] of loader) {
        total += scope(() => {
          optimizer.zeroGrad();
          const loss = lossFn.call(model.call(x!), y!);
          loss.backward();
          optimizer.step();
          return loss.itemSync() as number;
        });
        x!.dispose();
        y!.dispose();
        batches++;
      }
      options.onEpoch?.(epoch, total / batches);
    }
  } finally {
    await loader.close();
  }

  model.eval();
  const predicted = noGrad(() => model.call(xTest).argmax(1));
  const confusion = confusionMatrix(yTest, predicted, classNames.length);
  const correct = confusion.reduce((sum, row, i) => sum + row[i]!, 0);
  return { classNames, trainSize: xTrain.shape[0]!, testSize: xTest.shape[0]!, accuracy: correct / xTest.shape[0]!, confusion };
}

function confusionMatrix(truth: Tensor, predicted: Tensor, classes: number): number[][] {
  const matrix = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  const t = truth.dataSync() as BigInt64Array;
  const p = predicted.dataSync() as BigInt64Array;
  for (let i = 0; i < t.length; i++) matrix[Number(t[i])]![Number(p[i])]!++;
  return matrix;
}
