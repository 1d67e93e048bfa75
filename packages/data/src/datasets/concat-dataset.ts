/** ConcatDataset: several map-style datasets one after another. */
import { IndexError } from "@trek/tensor";
import { DataError } from "../errors.js";
import { isMapDataset, type Dataset } from "./dataset.js";
import type { WorkerDatasetSpec } from "../workers/spec.js";
import { describeDataset } from "../workers/describe.js";

/**
 * Samples of `datasets[0]`, then of `datasets[1]`, …, like `torch.utils.data.ConcatDataset`.
 * @example const all = new ConcatDataset([trainA, trainB]);
 */
export class ConcatDataset<S = unknown> implements Dataset<S> {
  readonly datasets: readonly Dataset<S>[];
  /** `cumulativeSizes[k]` = total length of datasets 0..k. */
  readonly cumulativeSizes: readonly number[];

  constructor(datasets: readonly Dataset<S>[]) {
    if (datasets.length === 0) throw new DataError("ConcatDataset: needs at least one dataset");
    let total = 0;
    const sizes: number[] = [];
    datasets.forEach((d, i) => {
      if (!isMapDataset(d)) throw new DataError(`ConcatDataset: datasets[${i}] is not a map-style dataset (length + getItem)`);
      total += d.length;
      sizes.push(total);
    });
    this.datasets = datasets;
    this.cumulativeSizes = sizes;
  }

  get length(): number {
    return this.cumulativeSizes[this.cumulativeSizes.length - 1]!;
  }

  getItem(index: number): S | Promise<S> {
    const [which, local] = this.locate(index);
    return this.datasets[which]!.getItem(local);
  }

  async workerInit(): Promise<WorkerDatasetSpec> {
    const datasets: WorkerDatasetSpec[] = [];
    for (const d of this.datasets) datasets.push(await describeDataset(d));
    return { kind: "concat", datasets };
  }

  /** The dataset number and the index inside it (binary search over the cumulative sizes). */
  private locate(index: number): [number, number] {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new IndexError(`ConcatDataset: index ${index} is out of range for a dataset of length ${this.length}`);
    }
    let low = 0;
    let high = this.cumulativeSizes.length - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.cumulativeSizes[mid]! > index) high = mid;
      else low = mid + 1;
    }
    return [low, low === 0 ? index : index - this.cumulativeSizes[low - 1]!];
  }
}
