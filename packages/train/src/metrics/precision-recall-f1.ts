/**
 * Precision, recall and F1 from a streamed confusion matrix, averaged like scikit-learn:
 * per class over the labels seen in targets or predictions (macro, weighted), pooled (micro),
 * or for one positive class (binary).
 */
import type { Tensor } from "@trek/tensor";
import { ConfusionMatrix, type ConfusionMatrixOptions } from "./confusion-matrix.js";
import { isBinaryOutput } from "./read-batch.js";
import type { Metric } from "./metric.js";

/** How per-class scores are combined into one number. */
export type Average = "macro" | "micro" | "weighted" | "binary";

/** Options of {@link Precision}, {@link Recall} and {@link F1Score}. */
export interface PrecisionRecallOptions extends ConfusionMatrixOptions {
  /**
   * `"macro"`: unweighted mean over classes; `"micro"`: from the pooled counts; `"weighted"`:
   * mean weighted by each class's number of true samples; `"binary"`: the positive class only.
   * Default: `"binary"` for one score per sample, `"macro"` otherwise.
   */
  average?: Average;
  /** The class `"binary"` reports (default 1). */
  positiveClass?: number;
}

/** The counts behind one class's precision, recall and F1. */
export interface ClassCounts {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  support: number;
}

type Score = (c: ClassCounts) => number;

const ratio = (numerator: number, denominator: number): number => (denominator === 0 ? 0 : numerator / denominator);
const precisionOf: Score = (c) => ratio(c.truePositives, c.truePositives + c.falsePositives);
const recallOf: Score = (c) => ratio(c.truePositives, c.truePositives + c.falseNegatives);
const f1Of: Score = (c) => ratio(2 * c.truePositives, 2 * c.truePositives + c.falsePositives + c.falseNegatives);

abstract class ClassScore implements Metric {
  readonly name: string;
  private readonly matrixCounts: ConfusionMatrix;
  private readonly average: Average | undefined;
  private readonly positiveClass: number;
  private binaryOutputs = false;
  private samples = 0;

  constructor(owner: string, defaultName: string, options: PrecisionRecallOptions) {
    const average = options.average;
    if (average !== undefined && !["macro", "micro", "weighted", "binary"].includes(average)) {
      throw new RangeError(`${owner}: average must be "macro", "micro", "weighted" or "binary", got ${JSON.stringify(average)}`);
    }
    const positiveClass = options.positiveClass ?? 1;
    if (!Number.isInteger(positiveClass) || positiveClass < 0) throw new RangeError(`${owner}: positiveClass must be a class index, got ${positiveClass}`);
    this.name = options.name ?? defaultName;
    this.matrixCounts = new ConfusionMatrix(options, owner);
    this.average = average;
    this.positiveClass = positiveClass;
  }

  protected abstract score(counts: ClassCounts): number;

  reset(): void {
    this.matrixCounts.reset();
    this.samples = 0;
  }

  async update(output: Tensor, target: Tensor): Promise<void> {
    await this.matrixCounts.update(output, target);
    this.samples += output.ndim === 0 ? 1 : output.shape[0]!;
    if (isBinaryOutput(output)) this.binaryOutputs = true;
  }

  /** The per-class counts of class `c`. */
  private countsOf(c: number): ClassCounts {
    const m = this.matrixCounts;
    const n = m.numClasses;
    let rowSum = 0;
    let columnSum = 0;
    for (let k = 0; k < n; k++) {
      rowSum += m.count(c, k);
      columnSum += m.count(k, c);
    }
    const truePositives = m.count(c, c);
    return { truePositives, falsePositives: columnSum - truePositives, falseNegatives: rowSum - truePositives, support: rowSum };
  }

  /** Classes that occur as a target or a prediction (what scikit-learn averages over). */
  private seenClasses(): number[] {
    const seen: number[] = [];
    for (let c = 0; c < this.matrixCounts.numClasses; c++) {
      const counts = this.countsOf(c);
      if (counts.support > 0 || counts.truePositives + counts.falsePositives > 0) seen.push(c);
    }
    return seen;
  }

  /** The score of each class 0..numClasses-1 (0 where undefined, as scikit-learn's zero_division=0). */
  perClass(): number[] {
    return Array.from({ length: this.matrixCounts.numClasses }, (_, c) => this.score(this.countsOf(c)));
  }

  /** The confusion matrix the scores come from (rows: true class, columns: predicted class). */
  matrix(): number[][] {
    return this.matrixCounts.result();
  }

  /** The averaged score (NaN before any update). */
  result(): number {
    if (this.samples === 0) return Number.NaN;
    const average = this.average ?? (this.binaryOutputs && this.matrixCounts.numClasses <= 2 ? "binary" : "macro");
    if (average === "binary") return this.score(this.countsOf(this.positiveClass));
    const classes = this.seenClasses();
    if (average === "micro") {
      const pooled: ClassCounts = { truePositives: 0, falsePositives: 0, falseNegatives: 0, support: 0 };
      for (const c of classes) {
        const counts = this.countsOf(c);
        pooled.truePositives += counts.truePositives;
        pooled.falsePositives += counts.falsePositives;
        pooled.falseNegatives += counts.falseNegatives;
        pooled.support += counts.support;
      }
      return this.score(pooled);
    }
    let total = 0;
    let weights = 0;
    for (const c of classes) {
      const counts = this.countsOf(c);
      const weight = average === "weighted" ? counts.support : 1;
      total += weight * this.score(counts);
      weights += weight;
    }
    return ratio(total, weights);
  }
}

/** Precision: of the samples predicted as a class, the fraction that truly are (tp / (tp + fp)). */
export class Precision extends ClassScore {
  constructor(options: PrecisionRecallOptions = {}) {
    super("Precision", "precision", options);
  }
  protected score(counts: ClassCounts): number {
    return precisionOf(counts);
  }
}

/** Recall: of the samples of a class, the fraction predicted as it (tp / (tp + fn)). */
export class Recall extends ClassScore {
  constructor(options: PrecisionRecallOptions = {}) {
    super("Recall", "recall", options);
  }
  protected score(counts: ClassCounts): number {
    return recallOf(counts);
  }
}

/** F1: the harmonic mean of precision and recall (2tp / (2tp + fp + fn)). Logged as `f1`. */
export class F1Score extends ClassScore {
  constructor(options: PrecisionRecallOptions = {}) {
    super("F1Score", "f1", options);
  }
  protected score(counts: ClassCounts): number {
    return f1Of(counts);
  }
}
