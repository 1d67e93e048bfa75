/** The confusion matrix: counts of (true class, predicted class) pairs, streamed batch by batch. */
import type { Tensor } from "@trek/tensor";
import { classPairs } from "./read-batch.js";
import type { MetricOptions, StreamingMetric } from "./metric.js";

/** Options of {@link ConfusionMatrix}. */
export interface ConfusionMatrixOptions extends MetricOptions {
  /** Fixes the number of classes; labels outside [0, numClasses) are an error. Default: grows to fit. */
  numClasses?: number;
  /** For a single score per sample: the value above which it counts as class 1 (default 0.5). */
  threshold?: number;
}

/**
 * Counts how often each true class (row) was predicted as each class (column), as in
 * scikit-learn's `confusion_matrix`. Not a scalar, so it never appears in logs: keep a reference
 * and read `result()` after `evaluate`.
 * @example
 * const cm = new ConfusionMatrix({ numClasses: 10 });
 * await evaluate(model, testLoader, { loss, metrics: ["accuracy", cm] });
 * console.log(cm.format());
 */
export class ConfusionMatrix implements StreamingMetric<number[][]> {
  readonly name: string;
  private readonly owner: string;
  private readonly threshold: number;
  private readonly fixedClasses: number | undefined;
  private size = 0;
  private counts = new Float64Array(0);

  /** @param owner the metric named in error messages (the class using this matrix). */
  constructor(options: ConfusionMatrixOptions = {}, owner = "ConfusionMatrix") {
    const n = options.numClasses;
    if (n !== undefined && (!Number.isInteger(n) || n < 1)) throw new RangeError(`${owner}: numClasses must be a positive integer, got ${n}`);
    this.owner = owner;
    this.name = options.name ?? "confusionMatrix";
    this.threshold = options.threshold ?? 0.5;
    this.fixedClasses = n;
    if (n !== undefined) this.grow(n);
  }

  reset(): void {
    this.counts.fill(0);
  }

  async update(output: Tensor, target: Tensor): Promise<void> {
    const owner = this.owner;
    const { predicted, target: expected, outputClasses } = await classPairs(owner, output, target, this.threshold);
    let largest = outputClasses - 1;
    for (let i = 0; i < expected.length; i++) {
      const label = expected[i]!;
      if (label < 0) throw new RangeError(`${owner}: target class ${label} at position ${i} is negative`);
      if (label > largest) largest = label;
    }
    if (this.fixedClasses !== undefined && largest >= this.fixedClasses) {
      throw new RangeError(`${owner}: class ${largest} is outside [0, ${this.fixedClasses}) (numClasses = ${this.fixedClasses})`);
    }
    if (largest + 1 > this.size) this.grow(largest + 1);
    const n = this.size;
    for (let i = 0; i < predicted.length; i++) this.counts[expected[i]! * n + predicted[i]!]! += 1;
  }

  /** Number of classes the matrix covers. */
  get numClasses(): number {
    return this.size;
  }

  /** `matrix[trueClass][predictedClass]` = number of samples. */
  result(): number[][] {
    const n = this.size;
    const rows: number[][] = [];
    for (let r = 0; r < n; r++) rows.push(Array.from(this.counts.subarray(r * n, (r + 1) * n)));
    return rows;
  }

  /** The count for one (true, predicted) pair. */
  count(trueClass: number, predictedClass: number): number {
    if (trueClass >= this.size || predictedClass >= this.size) return 0;
    return this.counts[trueClass * this.size + predictedClass]!;
  }

  /** The matrix as aligned text, rows = true class, columns = predicted class. */
  format(labels?: readonly string[]): string {
    const n = this.size;
    const names = Array.from({ length: n }, (_, i) => labels?.[i] ?? String(i));
    const cells = this.result().map((row) => row.map(String));
    const width = Math.max(...names.map((s) => s.length), ...cells.flat().map((s) => s.length), 4);
    const header = " ".repeat(width) + " | " + names.map((s) => s.padStart(width)).join(" ");
    const lines = cells.map((row, r) => names[r]!.padStart(width) + " | " + row.map((s) => s.padStart(width)).join(" "));
    return ["true \\ predicted", header, "-".repeat(header.length), ...lines].join("\n");
  }

  private grow(size: number): void {
    const old = this.size;
    const counts = new Float64Array(size * size);
    for (let r = 0; r < old; r++) counts.set(this.counts.subarray(r * old, (r + 1) * old), r * size);
    this.counts = counts;
    this.size = size;
  }
}
