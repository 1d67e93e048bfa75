/** evaluate: loss and metrics of a model over a loader, without training it. */
import { DataLoader } from "@trek/data";
import type { Module } from "@trek/nn";
import { batchesOf, defaultUnpackBatch, type BatchSource, type UnpackBatch } from "./batch.js";
import type { Logs } from "./callbacks/callback.js";
import { resolveLoss, type LossFunction, type LossSpec } from "./loss.js";
import type { StreamingMetric } from "./metrics/metric.js";
import { resolveMetric, type MetricSpec } from "./metrics/resolve-metric.js";
import { forwardStep, modelDevice, releaseStep, unpack } from "./steps.js";

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  /** The loss to average (omit to compute metrics only). */
  loss?: LossSpec;
  /** Metrics by name (`"accuracy"`) or instance. */
  metrics?: readonly MetricSpec[];
  /** Device to run on (default: the model's). The model is moved there. */
  device?: string;
  /** Stop after this many batches. */
  steps?: number;
  /** Splits a batch into inputs and target (default: `[inputs…, target]`). */
  unpackBatch?: UnpackBatch;
  /** Dispose each batch after use (default: true for a DataLoader, whose batches are fresh tensors). */
  disposeBatches?: boolean;
}

/** @internal What one pass over a loader needs. */
export interface PassSettings {
  owner: string;
  lossFn: LossFunction | undefined;
  metrics: readonly StreamingMetric[];
  device: string;
  steps: number | undefined;
  unpackBatch: UnpackBatch;
  disposeBatches: boolean;
}

/** @internal Runs the model over a source in eval mode (no recording); returns the loss mean and metric results. */
export async function evaluationPass(model: Module, source: BatchSource, settings: PassSettings): Promise<Logs> {
  const wasTraining = model.training;
  model.eval();
  for (const metric of settings.metrics) metric.reset();
  let lossSum = 0;
  let samples = 0;
  let index = 0;
  try {
    for await (const raw of batchesOf(source, settings.owner)) {
      if (settings.steps !== undefined && index >= settings.steps) break;
      const batch = unpack(settings.owner, settings.unpackBatch, raw, index);
      let step;
      try {
        step = forwardStep(settings.owner, model, batch, index, settings.device, settings.lossFn);
        if (step.loss) {
          const value = await step.loss.item();
          lossSum += value * step.size;
        }
        if (settings.metrics.length) {
          if (!step.output || !step.target) throw new TypeError(`${settings.owner}: metrics need a tensor output and a target (batch ${index})`);
          for (const metric of settings.metrics) await metric.update(step.output, step.target);
        }
        samples += step.size;
      } finally {
        releaseStep(step, batch, settings.disposeBatches);
      }
      index++;
    }
  } finally {
    model.train(wasTraining);
  }
  if (index === 0) throw new RangeError(`${settings.owner}: the loader yielded no batches`);
  const logs: Logs = {};
  if (settings.lossFn) logs.loss = lossSum / samples;
  for (const metric of settings.metrics) {
    const value = metric.result();
    if (typeof value === "number") logs[metric.name] = value;
  }
  return logs;
}

/**
 * Computes the mean loss (weighted by batch size) and the metrics of `model` over `loader`, in
 * eval mode and without recording gradients; restores the model's mode afterwards.
 * @returns `{ loss, accuracy, … }` (keys of the metrics given).
 * @example const { loss, accuracy } = await evaluate(model, testLoader, { loss: "crossEntropy", metrics: ["accuracy"] });
 */
export async function evaluate(model: Module, loader: BatchSource, options: EvaluateOptions = {}): Promise<Logs> {
  const owner = "evaluate";
  const device = options.device ?? modelDevice(model);
  if (options.device) model.to(device);
  return evaluationPass(model, loader, {
    owner,
    lossFn: options.loss === undefined ? undefined : resolveLoss(options.loss, owner),
    metrics: (options.metrics ?? []).map((spec) => resolveMetric(spec, owner)),
    device,
    steps: options.steps,
    unpackBatch: options.unpackBatch ?? defaultUnpackBatch,
    disposeBatches: options.disposeBatches ?? loader instanceof DataLoader,
  });
}
