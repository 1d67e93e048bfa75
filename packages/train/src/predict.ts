/** predict: the model's outputs (by default class probabilities) for a tensor or a loader. */
import { cat, isTensor, scope, type Tensor } from "@trek/tensor";
import { DataLoader } from "@trek/data";
import type { Module } from "@trek/nn";
import { batchesOf, defaultUnpackBatch, type Batch, type BatchSource, type UnpackBatch } from "./batch.js";
import { forwardStep, modelDevice, releaseStep, unpack } from "./steps.js";

/** Options of {@link predict}. */
export interface PredictOptions {
  /** Rows per forward pass when `data` is a tensor (default 256). */
  batchSize?: number;
  /**
   * Applied to the outputs: `"auto"` (default) is a softmax over the last dim when it has more
   * than one entry (logits → probabilities) and the raw output otherwise; `"sigmoid"` suits a
   * single binary logit; `"none"` returns raw outputs.
   */
  activation?: "auto" | "softmax" | "sigmoid" | "none";
  /** Device to run on (default: the model's). */
  device?: string;
  /** Splits a loader's batch; by default the last element of `[x, y]` is taken as a label and ignored. */
  unpackBatch?: UnpackBatch;
  /** Dispose each loader batch after use (default: true for a DataLoader). */
  disposeBatches?: boolean;
}

function activate(output: Tensor, activation: NonNullable<PredictOptions["activation"]>): Tensor {
  switch (activation) {
    case "none":
      return output;
    case "softmax":
      return output.softmax(-1);
    case "sigmoid":
      return output.sigmoid();
    case "auto":
      return output.ndim >= 1 && output.shape[output.ndim - 1]! > 1 ? output.softmax(-1) : output;
    default:
      throw new RangeError(`predict: activation must be "auto", "softmax", "sigmoid" or "none", got ${JSON.stringify(activation)}`);
  }
}

function* tensorBatches(data: Tensor, size: number): Generator<Batch> {
  const rows = data.shape[0]!;
  for (let start = 0; start < rows; start += size) yield { inputs: [data.narrow(0, start, Math.min(size, rows - start))] };
}

/**
 * Runs `model` in eval mode without recording over `data` (a tensor of samples, split into
 * batches, or a loader) and concatenates the outputs: by default class probabilities.
 * The result is on the model's device and belongs to the caller.
 * @example const probabilities = await predict(model, testImages.narrow(0, 0, 5)); // [5, 10]
 */
export async function predict(model: Module, data: Tensor | BatchSource, options: PredictOptions = {}): Promise<Tensor> {
  const owner = "predict";
  const activation = options.activation ?? "auto";
  const device = options.device ?? modelDevice(model);
  if (options.device) model.to(device);
  const batchRows = options.batchSize ?? 256;
  if (!Number.isInteger(batchRows) || batchRows < 1) throw new RangeError(`predict: batchSize must be a positive integer, got ${batchRows}`);
  let source: Iterable<unknown> | AsyncIterable<unknown>;
  let unpackBatch: UnpackBatch;
  let disposeBatches: boolean;
  if (isTensor(data)) {
    if (data.ndim === 0) throw new RangeError("predict: expected a batch of samples (a tensor with a first dim), got a scalar");
    source = tensorBatches(data, batchRows);
    unpackBatch = (b) => b as Batch;
    disposeBatches = true; // the narrow() views made here
  } else {
    source = data;
    unpackBatch = options.unpackBatch ?? ((raw) => ({ inputs: defaultUnpackBatch(raw).inputs }));
    disposeBatches = options.disposeBatches ?? data instanceof DataLoader;
  }
  const wasTraining = model.training;
  model.eval();
  const parts: Tensor[] = [];
  try {
    let index = 0;
    for await (const raw of batchesOf(source, owner)) {
      const batch = unpack(owner, unpackBatch, raw, index);
      let step;
      try {
        step = forwardStep(owner, model, { inputs: batch.inputs }, index, device, undefined);
        if (!step.output) throw new TypeError(`predict: the model's output for batch ${index} is not a single tensor`);
        const output = step.output;
        const activated = scope(() => activate(output, activation));
        if (activated === output) step.output = undefined; // kept as it is: ours now, not the step's
        parts.push(activated);
      } finally {
        releaseStep(step, batch, disposeBatches);
      }
      index++;
    }
    if (parts.length === 0) throw new RangeError("predict: no batches to predict");
    return parts.length === 1 ? parts.pop()! : cat(parts, 0);
  } finally {
    for (const part of parts) part.dispose();
    model.train(wasTraining);
  }
}
