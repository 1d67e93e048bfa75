/**
 * A dataset whose getItem costs about `costMs` of CPU (like decoding and augmenting an image),
 * returning a 784-float feature vector and a label. Workers rebuild it from this module.
 */
import type { WorkerDatasetSpec } from "@trek/data";

export class SlowDataset {
  constructor(
    readonly length: number,
    readonly costMs: number,
  ) {}

  getItem(index: number): [Float32Array, number] {
    const features = new Float32Array(784);
    const end = performance.now() + this.costMs;
    let value = index;
    // Real work until the budget is spent, so the CPU is busy (not asleep) for costMs.
    let i = 0;
    while (performance.now() < end) {
      for (let k = 0; k < 64; k++, i = (i + 1) % 784) {
        value = (Math.imul(value, 1103515245) + 12345) >>> 0;
        features[i] = value / 4294967296;
      }
    }
    return [features, index % 10];
  }

  workerInit(): WorkerDatasetSpec {
    return { module: import.meta.url, export: "SlowDataset", args: [this.length, this.costMs] };
  }
}
