/**
 * Hyperparameter search for a Fashion-MNIST MLP: hidden layers, units, learning rate, optimizer
 * and batch size, sampled by TPE; trials whose validation accuracy trails the median of earlier
 * trials at the same epoch are pruned. The objective is `fit` with @trek/tune's pruning callback.
 */
import { join } from "node:path";
import { manualSeed, type Tensor } from "@trek/tensor";
import { Flatten, Linear, ReLU, Sequential, type Module } from "@trek/nn";
import { Adam, RMSprop, SGD, type Optimizer } from "@trek/optim";
import { DataLoader, TensorDataset } from "@trek/data";
import { fit } from "@trek/train";
import {
  MedianPruner,
  TpeSampler,
  createStudy,
  plotIntermediateValues,
  plotOptimizationHistory,
  plotParallelCoordinate,
  plotParamImportances,
  pruningCallback,
  setLogLevel,
  writePlot,
  type Study,
  type Trial,
} from "@trek/tune";
import { loadImageSplit } from "../../shared/src/index.js";

export interface TuneOptions {
  dataDir: string;
  /** Trials to run (default 16). */
  trials?: number;
  /** Epochs per trial (default 4). */
  epochs?: number;
  /** Training images (default 12000); the next `validation` images (default 3000) of the training split validate. */
  train?: number;
  validation?: number;
  /** Where the plots go (nothing is written when absent). */
  outDir?: string;
  seed?: number;
}

/** Flatten → (Linear → ReLU) × layers → Linear(…, 10). */
export function buildMlp(layers: number, units: number): Module {
  const modules: Module[] = [new Flatten()];
  let width = 28 * 28;
  for (let i = 0; i < layers; i++) {
    modules.push(new Linear(width, units), new ReLU());
    width = units;
  }
  modules.push(new Linear(width, 10));
  return new Sequential(...modules);
}

function makeOptimizer(name: string, model: Module, lr: number): Optimizer {
  if (name === "adam") return new Adam(model.parameters(), { lr });
  if (name === "rmsprop") return new RMSprop(model.parameters(), { lr, alpha: 0.9 });
  return new SGD(model.parameters(), { lr, momentum: 0.9 });
}

export async function runTuneMlp(options: TuneOptions): Promise<Study> {
  setLogLevel("warning");
  const seed = options.seed ?? 0;
  const trainCount = options.train ?? 12000;
  const validationCount = options.validation ?? 3000;
  const all = await loadImageSplit(options.dataDir, "train", { limit: trainCount + validationCount });
  // Validation comes from the training split: the test set stays untouched by the search.
  const split = (start: number, count: number): [Tensor, Tensor] => [all.images.narrow(0, start, count), all.labels.narrow(0, start, count)];
  const validationLoader = new DataLoader(new TensorDataset(...split(trainCount, validationCount)), { batchSize: 1000 });
  const trainSet = new TensorDataset(...split(0, trainCount));

  const study = await createStudy({
    studyName: "tune-mlp",
    direction: "maximize",
    sampler: new TpeSampler({ seed, nStartupTrials: Math.min(5, options.trials ?? 16) }),
    pruner: new MedianPruner({ nStartupTrials: 3, nWarmupSteps: 0 }),
  });
  await study.optimize(
    async (trial: Trial) => {
      const layers = trial.suggestInt("layers", 1, 3);
      const units = trial.suggestInt("units", 32, 512, { log: true });
      const lr = trial.suggestFloat("lr", 1e-4, 3e-2, { log: true });
      const optimizerName = trial.suggestCategorical("optimizer", ["adam", "rmsprop", "sgd"]);
      const batchSize = trial.suggestCategorical("batchSize", [32, 64, 128, 256]);
      manualSeed(seed + trial.number);
      const model = buildMlp(layers, units);
      try {
        const history = await fit(model, new DataLoader(trainSet, { batchSize, shuffle: true, seed: seed + trial.number }), {
          epochs: options.epochs ?? 4,
          optimizer: makeOptimizer(optimizerName, model, lr),
          loss: "crossEntropy",
          metrics: ["accuracy"],
          valLoader: validationLoader,
          verbose: 0,
          callbacks: [pruningCallback(trial, { monitor: "valAccuracy" })],
        });
        return history.valAccuracy!.at(-1)!;
      } finally {
        model.dispose();
      }
    },
    { nTrials: options.trials ?? 16 },
  );
  if (options.outDir) {
    writePlot(join(options.outDir, "optimization-history.svg"), plotOptimizationHistory(study));
    writePlot(join(options.outDir, "intermediate-values.svg"), plotIntermediateValues(study));
    writePlot(join(options.outDir, "parallel-coordinate.svg"), plotParallelCoordinate(study));
    writePlot(join(options.outDir, "param-importances.svg"), plotParamImportances(study));
  }
  return study;
}
