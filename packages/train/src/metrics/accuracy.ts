/** Accuracy: the fraction of predictions equal to the target class. */
import type { Tensor } from "@trek/tensor";
import { classPairs } from "./read-batch.js";
import type { Metric, MetricOptions } from "./metric.js";

/** Options of {@link Accuracy}. */
export interface AccuracyOptions extends MetricOptions {
  /** For a single score per sample: the value above which it counts as class 1 (default 0.5; use 0 for logits). */
  threshold?: number;
}

/**
 * The fraction of samples whose predicted class (argmax of the output, or `score > threshold`
 * for one score per sample) equals the target (class indices, or one-hot rows).
 * @example const accuracy = new Accuracy(); await accuracy.update(logits, labels); accuracy.result();
 */
export class Accuracy implements Metric {
  readonly name: string;
  private readonly threshold: number;
  private correct = 0;
  private count = 0;

  constructor(options: AccuracyOptions = {}) {
    this.name = options.name ?? "accuracy";
    this.threshold = options.threshold ?? 0.5;
  }

  reset(): void {
    this.correct = 0;
    this.count = 0;
  }

  async update(output: Tensor, target: Tensor): Promise<void> {
    const { predicted, target: expected } = await classPairs("Accuracy", output, target, this.threshold);
    let correct = 0;
    for (let i = 0; i < predicted.length; i++) if (predicted[i] === expected[i]) correct++;
    this.correct += correct;
    this.count += predicted.length;
  }

  /** Correct predictions over all predictions (NaN before any update). */
  result(): number {
    return this.count === 0 ? Number.NaN : this.correct / this.count;
  }
}
