/** Mean absolute error over every element seen. */
import type { Tensor } from "@trek/tensor";
import { regressionPairs } from "./read-batch.js";
import type { Metric, MetricOptions } from "./metric.js";

/** The mean of |output − target| over all elements. Logged as `mae`. */
export class MeanAbsoluteError implements Metric {
  readonly name: string;
  private sum = 0;
  private count = 0;

  constructor(options: MetricOptions = {}) {
    this.name = options.name ?? "mae";
  }

  reset(): void {
    this.sum = 0;
    this.count = 0;
  }

  async update(output: Tensor, target: Tensor): Promise<void> {
    const pairs = await regressionPairs("MeanAbsoluteError", output, target);
    let sum = 0;
    for (let i = 0; i < pairs.output.length; i++) sum += Math.abs(pairs.output[i]! - pairs.target[i]!);
    this.sum += sum;
    this.count += pairs.output.length;
  }

  result(): number {
    return this.count === 0 ? Number.NaN : this.sum / this.count;
  }
}
