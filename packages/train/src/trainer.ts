/** compile → fit → evaluate → predict: the Keras workflow as one object holding the settings. */
import type { Tensor } from "@trek/tensor";
import type { Module } from "@trek/nn";
import type { Optimizer } from "@trek/optim";
import type { BatchSource } from "./batch.js";
import type { Logs } from "./callbacks/callback.js";
import { evaluate, type EvaluateOptions } from "./evaluate.js";
import { fit, type FitOptions, type History } from "./fit.js";
import type { LossSpec } from "./loss.js";
import type { MetricSpec } from "./metrics/resolve-metric.js";
import { predict, type PredictOptions } from "./predict.js";

/** What `compile` fixes for every later call. */
export interface CompileOptions {
  optimizer: Optimizer;
  loss: LossSpec;
  metrics?: readonly MetricSpec[];
  /** Device to train and run on (default: the model's). */
  device?: string;
}

/** A model with its optimizer, loss and metrics, as Keras's compiled model. Made by {@link compile}. */
export class Trainer {
  /** Histories of every `fit` call, in order. */
  readonly histories: History[] = [];

  constructor(
    readonly model: Module,
    readonly options: CompileOptions,
  ) {}

  /** {@link fit} with the compiled optimizer, loss, metrics and device. */
  async fit(trainLoader: BatchSource, options: Omit<FitOptions, "optimizer" | "loss"> & Partial<Pick<FitOptions, "optimizer" | "loss">>): Promise<History> {
    const history = await fit(this.model, trainLoader, { ...this.options, ...options } as FitOptions);
    this.histories.push(history);
    return history;
  }

  /** {@link evaluate} with the compiled loss and metrics. */
  evaluate(loader: BatchSource, options: EvaluateOptions = {}): Promise<Logs> {
    const { loss, metrics, device } = this.options;
    return evaluate(this.model, loader, { loss, metrics, device, ...options });
  }

  /** {@link predict}: probabilities (or raw outputs) for a tensor or a loader. */
  predict(data: Tensor | BatchSource, options: PredictOptions = {}): Promise<Tensor> {
    return predict(this.model, data, { device: this.options.device, ...options });
  }
}

/**
 * Binds a model to an optimizer, a loss and metrics, like Keras's `model.compile(...)`.
 * @example
 * const trainer = compile(model, { optimizer: new RMSprop(model.parameters()), loss: "crossEntropy", metrics: ["accuracy"] });
 * await trainer.fit(trainLoader, { epochs: 5 });
 * const { accuracy } = await trainer.evaluate(testLoader);
 * const probabilities = await trainer.predict(testImages);
 */
export function compile(model: Module, options: CompileOptions): Trainer {
  if (!options || !options.optimizer || options.loss === undefined) throw new TypeError("compile: expected { optimizer, loss, metrics? }");
  return new Trainer(model, options);
}
