/** Root of the mean squared error over every element seen. */
import type { Tensor } from "@trek/tensor";
import { regressionPairs } from "./read-batch.js";
import type { Metric, MetricOptions } from "./metric.js";

/** sqrt(mean((output − target)²)) over all elements (not a mean of per-batch roots). Logged as `rmse`. */
export class RootMeanSquaredError implements Metric {
  readonly name: string;
  private sum = 0;
  private count = 0;

  constructor(options: MetricOptions = {}) {
    this.name = options.name ?? "rmse";
  }

  reset(): void {
    this.sum = 0;
    this.count = 0;
  }

  async update(output: Tensor, target: Tensor): Promise<void> {
    const pairs = await regressionPairs("RootMeanSquaredError", output, target);
    let sum = 0;
    for (let i = 0; i < pairs.output.length; i++) {
      const difference = pairs.output[i]! - pairs.target[i]!;
      sum += difference * difference;
    }
    this.sum += sum;
    this.count += pairs.output.length;
  }

  result(): number {
    return this.count === 0 ? Number.NaN : Math.sqrt(this.sum / this.count);
  }
}
