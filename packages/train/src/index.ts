/**
 * @trek/train — the Keras-style workflow on top of TorchTrek's PyTorch-style pieces:
 * `fit` / `evaluate` / `predict`, streaming metrics, callbacks, a progress bar and training curves.
 * @packageDocumentation
 */
export type { Metric, MetricOptions, StreamingMetric } from "./metrics/metric.js";
export { Accuracy } from "./metrics/accuracy.js";
export type { AccuracyOptions } from "./metrics/accuracy.js";
export { TopKAccuracy } from "./metrics/top-k-accuracy.js";
export type { TopKAccuracyOptions } from "./metrics/top-k-accuracy.js";
export { ConfusionMatrix } from "./metrics/confusion-matrix.js";
export type { ConfusionMatrixOptions } from "./metrics/confusion-matrix.js";
export { Precision, Recall, F1Score } from "./metrics/precision-recall-f1.js";
export type { Average, ClassCounts, PrecisionRecallOptions } from "./metrics/precision-recall-f1.js";
export { MeanAbsoluteError } from "./metrics/mean-absolute-error.js";
export { RootMeanSquaredError } from "./metrics/root-mean-squared-error.js";
export { R2Score } from "./metrics/r2-score.js";
export { resolveMetric } from "./metrics/resolve-metric.js";
export type { MetricName, MetricSpec } from "./metrics/resolve-metric.js";

export { fit } from "./fit.js";
export type { FitOptions, History } from "./fit.js";
export { evaluate } from "./evaluate.js";
export type { EvaluateOptions } from "./evaluate.js";
export { predict } from "./predict.js";
export type { PredictOptions } from "./predict.js";
export { compile, Trainer } from "./trainer.js";
export type { CompileOptions } from "./trainer.js";
export { defaultUnpackBatch } from "./batch.js";
export type { Batch, BatchSource, UnpackBatch } from "./batch.js";
export { resolveLoss } from "./loss.js";
export type { LossName, LossFunction, LossSpec } from "./loss.js";

export type { Callback, Logs, TrainingContext } from "./callbacks/callback.js";
export type { MonitorMode } from "./callbacks/monitor.js";
export { EarlyStopping } from "./callbacks/early-stopping.js";
export type { EarlyStoppingOptions } from "./callbacks/early-stopping.js";
export { ModelCheckpoint, formatCheckpointPath } from "./callbacks/model-checkpoint.js";
export type { ModelCheckpointOptions } from "./callbacks/model-checkpoint.js";
export { LRSchedulerCallback } from "./callbacks/lr-scheduler-callback.js";
export type { LRSchedulerCallbackOptions, SchedulerLike } from "./callbacks/lr-scheduler-callback.js";
export { CSVLogger } from "./callbacks/csv-logger.js";
export type { CSVLoggerOptions } from "./callbacks/csv-logger.js";
export { JsonLinesLogger } from "./callbacks/json-lines-logger.js";
export type { JsonLinesLoggerOptions } from "./callbacks/json-lines-logger.js";
export { ProgressBar, formatDuration, formatValue } from "./callbacks/progress-bar.js";
export type { ProgressBarOptions, ProgressStream } from "./callbacks/progress-bar.js";
export { TrainingCurves } from "./callbacks/training-curves.js";
export { reportingCallback, TrialPrunedError } from "./callbacks/reporting-callback.js";
export type { TrialReporter, ReportingCallbackOptions } from "./callbacks/reporting-callback.js";

export { historyToSvg, saveHistoryPlot } from "./plots/history-svg.js";
export type { HistoryLike, HistoryPlotOptions } from "./plots/history-svg.js";
