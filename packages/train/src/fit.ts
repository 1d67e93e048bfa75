/** fit: the training loop Keras users know, over TorchTrek modules, optimizers and loaders. */
import { DataLoader } from "@trek/data";
import type { Module } from "@trek/nn";
import type { Optimizer } from "@trek/optim";
import { batchesOf, defaultUnpackBatch, lengthOf, type BatchSource, type UnpackBatch } from "./batch.js";
import { runHook, type Callback, type Logs, type TrainingContext } from "./callbacks/callback.js";
import { ProgressBar } from "./callbacks/progress-bar.js";
import { evaluationPass } from "./evaluate.js";
import { resolveLoss, type LossSpec } from "./loss.js";
import type { StreamingMetric } from "./metrics/metric.js";
import { resolveMetric, type MetricSpec } from "./metrics/resolve-metric.js";
import { modelDevice, releaseStep, trainStep, unpack } from "./steps.js";

/** Per-epoch values by log key (`loss`, `accuracy`, `valLoss`, `valAccuracy`, `lr`, `time`), epoch 0 first. */
export type History = Record<string, number[]>;

/** Options of {@link fit}. */
export interface FitOptions {
  /** Number of epochs (passes over the training loader). */
  epochs: number;
  /** The optimizer, built over the model's parameters. */
  optimizer: Optimizer;
  /** The loss: a name (`"crossEntropy"`, `"mse"`, …), a function, or an nn loss module. */
  loss: LossSpec;
  /** Metrics by name (`"accuracy"`, `"top5Accuracy"`, `"f1"`, `"mae"`, …) or instance. */
  metrics?: readonly MetricSpec[];
  /** Evaluated after every epoch; its values are logged as `valLoss`, `valAccuracy`, … */
  valLoader?: BatchSource;
  /** Callbacks, run in order (see {@link Callback}). */
  callbacks?: readonly Callback[];
  /** Device to train on (default: the model's); the model is moved there and batches follow. */
  device?: string;
  /**
   * 0: silent; 1 (default): a progress bar on a terminal, one line per epoch elsewhere;
   * 2: one line per epoch. Ignored when `callbacks` already holds a {@link ProgressBar}.
   */
  verbose?: 0 | 1 | 2;
  /** The epoch to start from when resuming (default 0); `epochs` stays the total. */
  initialEpoch?: number;
  /** Batches per epoch, when fewer than the loader's (useful for quick runs). */
  stepsPerEpoch?: number;
  /** Batches per validation pass, when fewer than the loader's. */
  validationSteps?: number;
  /** Splits a batch into inputs and target (default: `[inputs…, target]`). */
  unpackBatch?: UnpackBatch;
  /** Dispose each batch after its step (default: true for a DataLoader, whose batches are fresh tensors). */
  disposeBatches?: boolean;
}

function checkPositiveInteger(name: string, value: number | undefined, allowZero = false): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new RangeError(`fit: ${name} must be a ${allowZero ? "non-negative" : "positive"} integer, got ${value}`);
  }
}

function validationKey(name: string): string {
  return `val${name[0]!.toUpperCase()}${name.slice(1)}`;
}

function metricLogs(metrics: readonly StreamingMetric[], into: Logs, rename: (name: string) => string = (n) => n): void {
  for (const metric of metrics) {
    const value = metric.result();
    if (typeof value === "number") into[rename(metric.name)] = value;
  }
}

/**
 * Trains `model` for `epochs` passes over `trainLoader`: per batch, forward → loss → backward →
 * optimizer step, inside a memory scope (so long runs do not leak and GPU backends work), with
 * running loss and metrics; after each epoch, validation on `valLoader` and the callbacks.
 * Returns the history of every epoch's logs. An exception from a callback (e.g. a tuner's
 * pruning) propagates out after `onTrainAbort` hooks ran and the model's mode was restored.
 * @example
 * const history = await fit(model, trainLoader, {
 *   epochs: 5, optimizer: new Adam(model.parameters(), { lr: 1e-3 }), loss: "crossEntropy",
 *   metrics: ["accuracy"], valLoader: testLoader,
 * });
 * history.valAccuracy.at(-1);
 */
export async function fit(model: Module, trainLoader: BatchSource, options: FitOptions): Promise<History> {
  const owner = "fit";
  if (!options || typeof options !== "object") throw new TypeError("fit: expected options { epochs, optimizer, loss, … }");
  const { epochs, optimizer } = options;
  checkPositiveInteger("epochs", epochs);
  checkPositiveInteger("initialEpoch", options.initialEpoch, true);
  checkPositiveInteger("stepsPerEpoch", options.stepsPerEpoch);
  checkPositiveInteger("validationSteps", options.validationSteps);
  if (!optimizer || typeof optimizer.step !== "function" || typeof optimizer.zeroGrad !== "function") {
    throw new TypeError("fit: options.optimizer must be an optimizer (e.g. new Adam(model.parameters()))");
  }
  if (options.loss === undefined) throw new TypeError('fit: options.loss is required (e.g. "crossEntropy")');
  const lossFn = resolveLoss(options.loss, owner);
  const metrics = (options.metrics ?? []).map((spec) => resolveMetric(spec, owner));
  const names = metrics.map((m) => m.name);
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate) throw new RangeError(`fit: two metrics are logged as "${duplicate}"; give one a different name`);
  const initialEpoch = options.initialEpoch ?? 0;
  const unpackBatch = options.unpackBatch ?? defaultUnpackBatch;
  const disposeTrainBatches = options.disposeBatches ?? trainLoader instanceof DataLoader;
  const device = options.device ?? modelDevice(model);
  if (options.device) model.to(device);

  const callbacks: Callback[] = [...(options.callbacks ?? [])];
  const verbose = options.verbose ?? 1;
  if (verbose !== 0 && !callbacks.some((c) => c instanceof ProgressBar)) {
    callbacks.unshift(new ProgressBar({ mode: verbose === 2 ? "lines" : "auto" }));
  }
  const loaderLength = lengthOf(trainLoader);
  const stepsPerEpoch = options.stepsPerEpoch !== undefined && loaderLength !== undefined ? Math.min(options.stepsPerEpoch, loaderLength) : (options.stepsPerEpoch ?? loaderLength);
  const hasValidation = options.valLoader !== undefined;
  const logKeys = ["loss", ...names];
  if (hasValidation) logKeys.push(...logKeys.map(validationKey));
  logKeys.push("lr", "time");
  const context: TrainingContext = { model, optimizer, epochs, stepsPerEpoch, hasValidation, logKeys, stopTraining: false };
  for (const callback of callbacks) callback.setContext?.(context);

  const history: History = {};
  const wasTraining = model.training;
  let lastLogs: Logs = {};
  try {
    await runHook(callbacks, "onTrainBegin", {});
    for (let epoch = initialEpoch; epoch < epochs && !context.stopTraining; epoch++) {
      const started = performance.now();
      const lr = (optimizer.paramGroups[0]?.lr as number | undefined) ?? Number.NaN;
      model.train();
      for (const metric of metrics) metric.reset();
      await runHook(callbacks, "onEpochBegin", epoch, {});
      let lossSum = 0;
      let samples = 0;
      let index = 0;
      for await (const raw of batchesOf(trainLoader, owner)) {
        if (options.stepsPerEpoch !== undefined && index >= options.stepsPerEpoch) break;
        const batch = unpack(owner, unpackBatch, raw, index);
        await runHook(callbacks, "onBatchBegin", index, {});
        let step;
        let size = 0;
        try {
          step = trainStep(owner, model, batch, index, device, lossFn, optimizer);
          const value = await step.loss!.item();
          if (!Number.isFinite(value)) {
            throw new RangeError(
              `fit: the loss became ${value} at epoch ${epoch}, batch ${index} (learning rate ${lr}); ` +
                "lower the learning rate, check the inputs for NaN/Inf, or use a numerically stable loss (logits with crossEntropy)",
            );
          }
          if (metrics.length) {
            if (!step.output) throw new TypeError("fit: metrics need a model whose output is a single tensor");
            for (const metric of metrics) await metric.update(step.output, step.target!);
          }
          size = step.size;
          lossSum += value * size;
          samples += size;
        } finally {
          releaseStep(step, batch, disposeTrainBatches);
        }
        const batchLogs: Logs = { size, loss: lossSum / samples };
        metricLogs(metrics, batchLogs);
        await runHook(callbacks, "onBatchEnd", index, batchLogs);
        index++;
        if (context.stopTraining) break;
      }
      if (index === 0) throw new RangeError(`fit: the training loader yielded no batches in epoch ${epoch}`);
      const logs: Logs = { loss: lossSum / samples };
      metricLogs(metrics, logs);
      if (options.valLoader !== undefined) {
        const validation = await evaluationPass(model, options.valLoader, {
          owner: `${owner} (validation)`,
          lossFn,
          metrics,
          device,
          steps: options.validationSteps,
          unpackBatch,
          disposeBatches: options.disposeBatches ?? options.valLoader instanceof DataLoader,
        });
        for (const [key, value] of Object.entries(validation)) logs[validationKey(key)] = value;
      }
      logs.lr = lr;
      logs.time = (performance.now() - started) / 1000;
      for (const [key, value] of Object.entries(logs)) {
        const series = (history[key] ??= []);
        while (series.length < epoch - initialEpoch) series.push(Number.NaN);
        series.push(value);
      }
      lastLogs = logs;
      await runHook(callbacks, "onEpochEnd", epoch, logs);
    }
    await runHook(callbacks, "onTrainEnd", lastLogs);
  } catch (error) {
    for (const callback of callbacks) {
      try {
        await callback.onTrainAbort?.(error);
      } catch {
        // The original error is the one to report.
      }
    }
    throw error;
  } finally {
    model.train(wasTraining);
  }
  return history;
}
