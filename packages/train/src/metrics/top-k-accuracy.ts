/** Top-k accuracy: the fraction of samples whose target is among the k highest scores. */
import { formatShape, scope, type Tensor } from "@trek/tensor";
import { targetClasses } from "./read-batch.js";
import type { Metric, MetricOptions } from "./metric.js";

/** Options of {@link TopKAccuracy}. */
export interface TopKAccuracyOptions extends MetricOptions {
  /** How many of the highest scores count (default 5). */
  k?: number;
}

/**
 * The fraction of samples whose target class is among the `k` classes with the highest output
 * scores. Logged as `top{k}Accuracy` (e.g. `top5Accuracy`). Needs an output of shape [..., C].
 */
export class TopKAccuracy implements Metric {
  readonly name: string;
  readonly k: number;
  private hits = 0;
  private count = 0;

  constructor(options: TopKAccuracyOptions = {}) {
    const k = options.k ?? 5;
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`TopKAccuracy: k must be a positive integer, got ${k}`);
    this.k = k;
    this.name = options.name ?? `top${k}Accuracy`;
  }

  reset(): void {
    this.hits = 0;
    this.count = 0;
  }

  async update(output: Tensor, target: Tensor): Promise<void> {
    const classes = output.ndim >= 2 ? output.shape[output.ndim - 1]! : 0;
    if (output.ndim < 2 || classes < 2) {
      throw new RangeError(`TopKAccuracy: expected an output of shape [N, C] with C ≥ 2 class scores, got ${formatShape(output.shape)}`);
    }
    const k = Math.min(this.k, classes);
    const top = scope(() => output.topk(k, -1).indices.reshape(-1, k));
    let indices;
    try {
      indices = await top.data();
    } finally {
      top.dispose();
    }
    const expected = await targetClasses("TopKAccuracy", output, target);
    const rows = indices.length / k;
    if (rows !== expected.length) {
      throw new RangeError(`TopKAccuracy: output ${formatShape(output.shape)} has ${rows} rows but target ${formatShape(target.shape)} has ${expected.length} labels`);
    }
    let hits = 0;
    for (let row = 0; row < rows; row++) {
      const label = expected[row]!;
      for (let j = 0; j < k; j++) {
        if (Number(indices[row * k + j]!) === label) {
          hits++;
          break;
        }
      }
    }
    this.hits += hits;
    this.count += rows;
  }

  /** Samples with the target in the top k, over all samples (NaN before any update). */
  result(): number {
    return this.count === 0 ? Number.NaN : this.hits / this.count;
  }
}
