/**
 * The streaming-metric contract: metrics see one batch at a time (`update`), keep only running
 * sums on the host, and report a value for everything seen since `reset` (`result`).
 */
import type { Tensor } from "@trek/tensor";

/**
 * A metric fed batch by batch, so it works on loaders of any size. `R` is what `result()` gives:
 * a number for metrics that appear in training logs, something richer (a matrix) otherwise.
 */
export interface StreamingMetric<R = unknown> {
  /** The log key, camelCase (`"accuracy"`); validation logs prefix it (`"valAccuracy"`). */
  readonly name: string;
  /** Forgets everything seen so far. */
  reset(): void;
  /** Adds one batch: the model's `output` and the batch's `target`. Does not keep the tensors. */
  update(output: Tensor, target: Tensor): Promise<void>;
  /** The value over every batch since the last `reset`. */
  result(): R;
}

/** A metric whose result is a number: it appears in the logs of `fit` and `evaluate`. */
export type Metric = StreamingMetric<number>;

/** Options every built-in metric takes. */
export interface MetricOptions {
  /** Overrides the log key. */
  name?: string;
}
