import { describe, expect, it } from "vitest";
import { memory, registerBackend, tensor } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import {
  Accuracy,
  ConfusionMatrix,
  F1Score,
  MeanAbsoluteError,
  Precision,
  R2Score,
  Recall,
  RootMeanSquaredError,
  TopKAccuracy,
  resolveMetric,
} from "@trek/train";

registerBackend("cpu", () => new CpuBackend());

// Six samples, three classes. Logits chosen so that the argmax is obvious:
//   true:      0 0 1 1 2 2
//   predicted: 0 1 1 1 2 0
const logits = [
  [5, 1, 0],
  [0, 5, 1],
  [1, 5, 0],
  [0, 5, 1],
  [1, 0, 5],
  [5, 0, 4],
];
const labels = [0, 0, 1, 1, 2, 2];

async function feed<M extends { update(o: ReturnType<typeof tensor>, t: ReturnType<typeof tensor>): Promise<void> }>(
  metric: M,
  rows: number[][],
  targets: number[],
  split = 3,
): Promise<M> {
  // Two batches, so every metric is checked as a stream rather than on one batch.
  for (let start = 0; start < rows.length; start += split) {
    const output = tensor(rows.slice(start, start + split));
    const target = tensor(targets.slice(start, start + split), { dtype: "int64" });
    await metric.update(output, target);
    output.dispose();
    target.dispose();
  }
  return metric;
}

describe("classification metrics (hand-computed)", () => {
  it("accuracy counts argmax hits across batches: 4 of 6", async () => {
    const metric = await feed(new Accuracy(), logits, labels);
    expect(metric.result()).toBeCloseTo(4 / 6, 12);
    metric.reset();
    expect(metric.result()).toBeNaN();
  });

  it("accuracy on one score per sample uses the threshold, and one-hot targets use their argmax", async () => {
    const binary = new Accuracy();
    await binary.update(tensor([[0.9], [0.2], [0.6], [0.4]]), tensor([[1], [0], [0], [1]]));
    expect(binary.result()).toBe(0.5); // predictions 1 0 1 0 against 1 0 0 1
    const logitsThreshold = new Accuracy({ threshold: 0 });
    await logitsThreshold.update(tensor([2, -1, 0.5, -3]), tensor([1, 0, 1, 1]));
    expect(logitsThreshold.result()).toBe(0.75);
    const oneHot = new Accuracy();
    await oneHot.update(tensor(logits), tensor(labels.map((c) => [0, 1, 2].map((k) => (k === c ? 1 : 0)))));
    expect(oneHot.result()).toBeCloseTo(4 / 6, 12);
  });

  it("top-k accuracy: target among the k highest scores", async () => {
    // Second-highest classes: row0→1, row1→2, row2→0, row3→2, row4→0, row5→2.
    // top-2 sets: {0,1} {1,2} {1,0} {1,2} {2,0} {0,2}; targets 0 0 1 1 2 2 → hits: y n y y y y = 5/6.
    const top2 = await feed(new TopKAccuracy({ k: 2 }), logits, labels);
    expect(top2.name).toBe("top2Accuracy");
    expect(top2.result()).toBeCloseTo(5 / 6, 12);
    const top1 = await feed(new TopKAccuracy({ k: 1 }), logits, labels);
    expect(top1.result()).toBeCloseTo(4 / 6, 12);
    const top3 = await feed(new TopKAccuracy({ k: 3 }), logits, labels);
    expect(top3.result()).toBe(1);
  });

  it("confusion matrix: rows are true classes, columns predicted classes", async () => {
    const cm = await feed(new ConfusionMatrix(), logits, labels);
    expect(cm.result()).toEqual([
      [1, 1, 0],
      [0, 2, 0],
      [1, 0, 1],
    ]);
    expect(cm.format(["a", "b", "c"])).toContain("true \\ predicted");
    const fixed = new ConfusionMatrix({ numClasses: 2 });
    await expect(fixed.update(tensor(logits), tensor(labels, { dtype: "int64" }))).rejects.toThrow(/ConfusionMatrix: class 2 is outside \[0, 2\)/);
  });

  // From the matrix above: per class (tp, fp, fn) = c0 (1,1,1), c1 (2,1,0), c2 (1,0,1).
  // precision: 1/2, 2/3, 1/1   recall: 1/2, 2/2, 1/2   f1 = 2tp/(2tp+fp+fn): 2/4, 4/5, 2/3.
  it("precision, recall and F1 with macro, micro and weighted averages", async () => {
    const macro = { precision: (1 / 2 + 2 / 3 + 1) / 3, recall: (1 / 2 + 1 + 1 / 2) / 3, f1: (2 / 4 + 4 / 5 + 2 / 3) / 3 };
    // Micro averages pool the counts, which for single-label data equals accuracy.
    expect((await feed(new Precision(), logits, labels)).result()).toBeCloseTo(macro.precision, 12);
    expect((await feed(new Recall(), logits, labels)).result()).toBeCloseTo(macro.recall, 12);
    expect((await feed(new F1Score(), logits, labels)).result()).toBeCloseTo(macro.f1, 12);
    for (const Metric of [Precision, Recall, F1Score]) {
      expect((await feed(new Metric({ average: "micro" }), logits, labels)).result()).toBeCloseTo(4 / 6, 12);
    }
    const precision = await feed(new Precision(), logits, labels);
    expect(precision.perClass().map((v) => Number(v.toFixed(6)))).toEqual([0.5, 0.666667, 1]);
  });

  it("weighted averages weight classes by their support", async () => {
    // true: 0 0 0 1, predicted: 0 0 1 1 → c0 (tp 2, fp 0, fn 1), c1 (tp 1, fp 1, fn 0); supports 3 and 1.
    const rows = [
      [3, 1],
      [3, 1],
      [1, 3],
      [1, 3],
    ];
    const targets = [0, 0, 0, 1];
    const recall = await feed(new Recall({ average: "weighted" }), rows, targets, 2);
    expect(recall.result()).toBeCloseTo((3 * (2 / 3) + 1 * 1) / 4, 12);
    const precision = await feed(new Precision({ average: "weighted" }), rows, targets, 2);
    expect(precision.result()).toBeCloseTo((3 * 1 + 1 * 0.5) / 4, 12);
    // Binary average reports class 1 only: precision 1/2, recall 1/1.
    expect((await feed(new Precision({ average: "binary" }), rows, targets, 2)).result()).toBe(0.5);
    expect((await feed(new Recall({ average: "binary", positiveClass: 0 }), rows, targets, 2)).result()).toBeCloseTo(2 / 3, 12);
  });

  it("a single score per sample defaults to the binary average of class 1", async () => {
    // predicted (>0.5): 1 1 0 0 1; true: 1 0 0 1 1 → tp 2, fp 1, fn 1.
    const f1 = new F1Score();
    await f1.update(tensor([0.9, 0.7, 0.1, 0.3, 0.8]), tensor([1, 0, 0, 1, 1]));
    expect(f1.result()).toBeCloseTo(4 / 6, 12);
  });

  it("macro averages skip classes never seen as target or prediction (as scikit-learn)", async () => {
    // 4 output classes, class 3 never appears: macro over {0,1,2} only.
    const rows = logits.map((r) => [...r, -9]);
    const recall = await feed(new Recall(), rows, labels);
    expect(recall.result()).toBeCloseTo((1 / 2 + 1 + 1 / 2) / 3, 12);
  });
});

describe("regression metrics (hand-computed)", () => {
  const predictions = [[2.5], [0.0], [2.0], [8.0]];
  const targets = [[3.0], [-0.5], [2.0], [7.0]];
  async function feedRegression<M extends { update(o: ReturnType<typeof tensor>, t: ReturnType<typeof tensor>): Promise<void> }>(metric: M): Promise<M> {
    await metric.update(tensor(predictions.slice(0, 2)), tensor(targets.slice(0, 2)));
    await metric.update(tensor(predictions.slice(2)), tensor(targets.slice(2)));
    return metric;
  }

  it("MAE: mean |error| = (0.5 + 0.5 + 0 + 1) / 4", async () => {
    expect((await feedRegression(new MeanAbsoluteError())).result()).toBeCloseTo(0.5, 12);
  });

  it("RMSE: sqrt((0.25 + 0.25 + 0 + 1) / 4), not a mean of per-batch roots", async () => {
    expect((await feedRegression(new RootMeanSquaredError())).result()).toBeCloseTo(Math.sqrt(0.375), 12);
  });

  it("R²: 1 − SSE/SST with SSE 1.5 and SST 29.1875 (mean 2.875)", async () => {
    // targets 3, -0.5, 2, 7: deviations 0.125, -3.375, -0.875, 4.125 → SST = 0.015625 + 11.390625 + 0.765625 + 17.015625.
    expect((await feedRegression(new R2Score())).result()).toBeCloseTo(1 - 1.5 / 29.1875, 12);
  });

  it("R² averages columns uniformly; a constant column scores 1 only when exact", async () => {
    const metric = new R2Score();
    // column 0: targets 1 2 3, predictions 1 2 4 → SSE 1, SST 2 → 0.5; column 1: constant 5, exact → 1.
    await metric.update(tensor([[1, 5], [2, 5], [4, 5]]), tensor([[1, 5], [2, 5], [3, 5]]));
    expect(metric.result()).toBeCloseTo((0.5 + 1) / 2, 12);
  });

  it("mismatched sizes fail with both shapes", async () => {
    await expect(new MeanAbsoluteError().update(tensor([1, 2, 3]), tensor([1, 2]))).rejects.toThrow(
      "MeanAbsoluteError: output [3] and target [2] have different numbers of elements (3 vs 2)",
    );
  });
});

describe("metric plumbing", () => {
  it("resolves names, including any top-k", () => {
    expect(resolveMetric("accuracy", "fit").name).toBe("accuracy");
    expect(resolveMetric("top3Accuracy", "fit")).toBeInstanceOf(TopKAccuracy);
    expect(resolveMetric("r2", "fit").name).toBe("r2");
    expect(() => resolveMetric("acuracy" as never, "fit")).toThrow(/fit: unknown metric "acuracy"/);
  });

  it("mismatched predictions and labels name the metric and both shapes", async () => {
    await expect(new Accuracy().update(tensor(logits), tensor([0, 1], { dtype: "int64" }))).rejects.toThrow(
      /Accuracy: output \[6, 3\] gives 6 predictions but target \[2\] gives 2 labels/,
    );
  });

  it("updates do not leak tensors", async () => {
    const output = tensor(logits);
    const target = tensor(labels, { dtype: "int64" });
    const before = memory().tensors;
    for (const metric of [new Accuracy(), new TopKAccuracy({ k: 2 }), new F1Score(), new MeanAbsoluteError()]) {
      await metric.update(output, metric instanceof MeanAbsoluteError ? output : target);
    }
    expect(memory().tensors).toBe(before);
  });
});
