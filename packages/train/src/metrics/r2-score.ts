/** The coefficient of determination, streamed with Welford's running variance of the targets. */
import { formatShape, type Tensor } from "@trek/tensor";
import { regressionPairs } from "./read-batch.js";
import type { Metric, MetricOptions } from "./metric.js";

/**
 * R² = 1 − SSE / SST per target column, averaged uniformly over columns (scikit-learn's
 * `r2_score` default). A constant target column scores 1 when predicted exactly, else 0.
 * Logged as `r2`.
 */
export class R2Score implements Metric {
  readonly name: string;
  private columns = 0;
  private count = 0;
  private mean = new Float64Array(0);
  private squaredDeviations = new Float64Array(0);
  private squaredErrors = new Float64Array(0);

  constructor(options: MetricOptions = {}) {
    this.name = options.name ?? "r2";
  }

  reset(): void {
    this.columns = 0;
    this.count = 0;
  }

  async update(output: Tensor, target: Tensor): Promise<void> {
    const pairs = await regressionPairs("R2Score", output, target);
    if (this.count === 0) {
      this.columns = pairs.columns;
      this.mean = new Float64Array(pairs.columns);
      this.squaredDeviations = new Float64Array(pairs.columns);
      this.squaredErrors = new Float64Array(pairs.columns);
    } else if (pairs.columns !== this.columns) {
      throw new RangeError(`R2Score: target ${formatShape(target.shape)} has ${pairs.columns} column(s), earlier batches had ${this.columns}`);
    }
    const columns = this.columns;
    const rows = pairs.target.length / columns;
    for (let r = 0; r < rows; r++) {
      const n = this.count + r + 1;
      for (let c = 0; c < columns; c++) {
        const i = r * columns + c;
        const y = pairs.target[i]!;
        const delta = y - this.mean[c]!;
        this.mean[c]! += delta / n;
        this.squaredDeviations[c]! += delta * (y - this.mean[c]!);
        const error = pairs.output[i]! - y;
        this.squaredErrors[c]! += error * error;
      }
    }
    this.count += rows;
  }

  result(): number {
    if (this.count === 0) return Number.NaN;
    let total = 0;
    for (let c = 0; c < this.columns; c++) {
      const sst = this.squaredDeviations[c]!;
      const sse = this.squaredErrors[c]!;
      total += sst === 0 ? (sse === 0 ? 1 : 0) : 1 - sse / sst;
    }
    return total / this.columns;
  }
}
