/**
 * The per-batch work shared by fit, evaluate and predict: unpack, move to the device, run the
 * model inside a scope, and hand back only what outlives the step (detached loss and output).
 */
import { dispose, getDefaultDevice, isTensor, scope, withoutRecording, type Tensor } from "@trek/tensor";
import type { Module } from "@trek/nn";
import { batchSize, toDevice, type Batch, type UnpackBatch } from "./batch.js";
import type { LossFunction } from "./loss.js";

/** What one step leaves behind; the caller disposes it with {@link releaseStep}. */
export interface StepResult {
  /** The loss, detached (absent without a loss function). */
  loss?: Tensor;
  /** The model's output, detached (absent when it is not a single tensor). */
  output?: Tensor;
  /** The target on the device (absent without one). */
  target?: Tensor;
  /** Samples in the batch. */
  size: number;
}

/** The device a model lives on: that of its first parameter (or buffer), else the default device. */
export function modelDevice(model: Module): string {
  const first = model.parameters()[0] ?? model.buffers()[0];
  return first ? first.device : getDefaultDevice();
}

/** Splits a batch with context for errors. */
export function unpack(owner: string, unpackBatch: UnpackBatch, raw: unknown, index: number): Batch {
  let batch: Batch;
  try {
    batch = unpackBatch(raw);
  } catch (error) {
    throw new TypeError(`${owner}: batch ${index}: ${(error as Error).message}`);
  }
  if (!batch || !Array.isArray(batch.inputs) || !batch.inputs.every(isTensor) || (batch.target !== undefined && !isTensor(batch.target))) {
    throw new TypeError(`${owner}: batch ${index}: unpackBatch must return { inputs: Tensor[], target?: Tensor }`);
  }
  return batch;
}

function describeError(owner: string, index: number, batch: Batch, error: unknown): Error {
  const err = error as Error;
  if (!(err instanceof Error) || err.message.startsWith(owner)) return err;
  const shapes = batch.inputs.map((t) => `[${t.shape.join(", ")}]`).join(", ");
  const target = batch.target ? `, target [${batch.target.shape.join(", ")}] ${batch.target.dtype}` : "";
  err.message = `${owner}: batch ${index} (inputs ${shapes}${target}): ${err.message}`;
  return err;
}

// Device copies of the inputs are made inside each step's scope and freed with it.

/** One optimization step: forward, loss, backward, optimizer update. */
export function trainStep(
  owner: string,
  model: Module,
  batch: Batch,
  index: number,
  device: string,
  lossFn: LossFunction,
  optimizer: { zeroGrad(): void; step(): unknown },
): StepResult {
  if (!batch.target) throw new TypeError(`${owner}: batch ${index} has no target; yield [inputs, target] batches or pass unpackBatch`);
  try {
    return scope(() => {
      const inputs = batch.inputs.map((t) => toDevice(t, device));
      const target = toDevice(batch.target!, device);
      optimizer.zeroGrad();
      const output = model.call(...inputs) as unknown;
      const loss = lossFn(output as Tensor, target);
      loss.backward();
      optimizer.step();
      return {
        loss: loss.detach(),
        output: isTensor(output) ? output.detach() : undefined,
        target,
        size: batchSize(batch),
      };
    });
  } catch (error) {
    throw describeError(owner, index, batch, error);
  }
}

/** One forward pass without recording (evaluation and prediction). */
export function forwardStep(owner: string, model: Module, batch: Batch, index: number, device: string, lossFn: LossFunction | undefined): StepResult {
  try {
    return withoutRecording(() =>
      scope(() => {
        const inputs = batch.inputs.map((t) => toDevice(t, device));
        const target = batch.target ? toDevice(batch.target, device) : undefined;
        const output = model.call(...inputs) as unknown;
        let loss: Tensor | undefined;
        if (lossFn) {
          if (!target) throw new TypeError(`batch ${index} has no target to compute the loss with`);
          loss = lossFn(output as Tensor, target);
        }
        return { loss, output: isTensor(output) ? output : undefined, target, size: batchSize(batch) };
      }),
    );
  } catch (error) {
    throw describeError(owner, index, batch, error);
  }
}

/** Disposes what a step left, and the raw batch when the loader made it. */
export function releaseStep(step: StepResult | undefined, raw: Batch, disposeBatch: boolean): void {
  if (step) {
    step.loss?.dispose();
    step.output?.dispose();
    if (step.target && step.target !== raw.target) step.target.dispose();
  }
  if (disposeBatch) dispose([raw.inputs, raw.target]);
}
