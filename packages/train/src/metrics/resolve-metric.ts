/** Metric names accepted by `fit`/`evaluate` (`metrics: ["accuracy", "mae"]`) and their classes. */
import { Accuracy } from "./accuracy.js";
import { MeanAbsoluteError } from "./mean-absolute-error.js";
import type { StreamingMetric } from "./metric.js";
import { F1Score, Precision, Recall } from "./precision-recall-f1.js";
import { R2Score } from "./r2-score.js";
import { RootMeanSquaredError } from "./root-mean-squared-error.js";
import { TopKAccuracy } from "./top-k-accuracy.js";

/** A metric by name: `"accuracy"`, `"top5Accuracy"` (any k), `"precision"`, `"recall"`, `"f1"`, `"mae"`, `"rmse"`, `"r2"`. */
export type MetricName = "accuracy" | "precision" | "recall" | "f1" | "mae" | "rmse" | "r2" | `top${number}Accuracy`;

/** A metric instance or its name. */
export type MetricSpec = MetricName | StreamingMetric;

const byName: Record<string, () => StreamingMetric> = {
  accuracy: () => new Accuracy(),
  precision: () => new Precision(),
  recall: () => new Recall(),
  f1: () => new F1Score(),
  mae: () => new MeanAbsoluteError(),
  rmse: () => new RootMeanSquaredError(),
  r2: () => new R2Score(),
};

/** Turns names into fresh metric instances; instances are used as they are. */
export function resolveMetric(spec: MetricSpec, owner: string): StreamingMetric {
  if (typeof spec !== "string") {
    if (spec && typeof spec === "object" && typeof spec.update === "function" && typeof spec.result === "function" && typeof spec.reset === "function") return spec;
    throw new TypeError(`${owner}: a metric must be a name or an object with update/result/reset, got ${describeValue(spec)}`);
  }
  const make = byName[spec];
  if (make) return make();
  const topK = /^top(\d+)Accuracy$/.exec(spec);
  if (topK) return new TopKAccuracy({ k: Number(topK[1]) });
  throw new RangeError(`${owner}: unknown metric ${JSON.stringify(spec)} (known: ${[...Object.keys(byName), "top5Accuracy"].join(", ")}, or pass a metric object)`);
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return value.constructor?.name ?? "an object";
  return `${typeof value} ${String(value)}`;
}
