/**
 * @trek/tune: hyperparameter optimization for TorchTrek, with Optuna's layering
 * (Study → Trial → Sampler / Pruner → Storage). No dependency on other @trek packages.
 */

// Studies and trials
export {
  Study,
  createStudy,
  loadStudy,
  deleteStudy,
  getAllStudySummaries,
  type CreateStudyOptions,
  type LoadStudyOptions,
  type Objective,
  type ObjectiveValue,
  type OptimizeOptions,
  type StudyCallback,
  type TellOptions,
  type EnqueueTrialOptions,
  type TrialRecord,
  type ErrorClass,
} from "./study.js";
export { Trial } from "./trial.js";
export { FrozenTrial, type AttrValue } from "./frozen-trial.js";
export { TrialState, type StudyDirection } from "./trial-state.js";
export type {
  Distribution,
  FloatDistribution,
  IntDistribution,
  CategoricalDistribution,
  CategoricalChoice,
  ParamValue,
  SuggestFloatOptions,
  SuggestIntOptions,
} from "./distributions.js";
export { floatDistribution, intDistribution, categoricalDistribution } from "./distributions.js";

// Errors
export {
  TrialPruned,
  InvalidDistributionError,
  DistributionMismatchError,
  InvalidObjectiveValueError,
  TrialFinishedError,
  StudyNotFoundError,
  DuplicatedStudyError,
  StorageError,
} from "./errors.js";

// Samplers
export type { Sampler } from "./samplers/sampler.js";
export { RandomSampler, type RandomSamplerOptions } from "./samplers/random-sampler.js";
export { GridSampler, type GridSamplerOptions } from "./samplers/grid-sampler.js";
export { TpeSampler, defaultGamma, defaultWeights, type TpeSamplerOptions } from "./samplers/tpe-sampler.js";
export { CmaEsSampler, type CmaEsSamplerOptions } from "./samplers/cmaes-sampler.js";
export { NsgaIISampler, type NsgaIISamplerOptions } from "./samplers/nsga2-sampler.js";
export { intersectionSearchSpace } from "./samplers/search-space.js";

// Pruners
export type { Pruner } from "./pruners/pruner.js";
export { NopPruner } from "./pruners/nop-pruner.js";
export { MedianPruner } from "./pruners/median-pruner.js";
export { PercentilePruner, type PercentilePrunerOptions } from "./pruners/percentile-pruner.js";
export { SuccessiveHalvingPruner, type SuccessiveHalvingPrunerOptions } from "./pruners/successive-halving-pruner.js";
export { HyperbandPruner, type HyperbandPrunerOptions } from "./pruners/hyperband-pruner.js";
export { ThresholdPruner, type ThresholdPrunerOptions } from "./pruners/threshold-pruner.js";
export { pruningCallback, type PruningCallbackOptions, type TrainingPruningCallback } from "./pruning-callback.js";

// Storages
export type { Storage, StudySummary, TrialTemplate, HeartbeatOptions, FailedTrialCallback } from "./storages/storage.js";
export { InMemoryStorage } from "./storages/in-memory-storage.js";
export { JournalFileStorage, type JournalFileStorageOptions } from "./storages/journal-file-storage.js";
export { PostgresStorage, type PostgresStorageOptions } from "./storages/postgres-storage.js";
export { resolveStorage } from "./storages/storage-url.js";
export { RetryFailedTrialCallback, type RetryFailedTrialCallbackOptions } from "./retry-failed-trial-callback.js";

// Multi-objective helpers
export { dominates, paretoFront, hypervolume2d } from "./multi-objective.js";

// Export and visualization
export { trialsToRows, trialsToCsv, trialsToJson } from "./export.js";
export { paramImportances, type ParamImportancesOptions } from "./visualization/param-importances.js";
export { plotOptimizationHistory } from "./visualization/plot-optimization-history.js";
export { plotIntermediateValues } from "./visualization/plot-intermediate-values.js";
export { plotParallelCoordinate } from "./visualization/plot-parallel-coordinate.js";
export { plotSlice } from "./visualization/plot-slice.js";
export { plotContour } from "./visualization/plot-contour.js";
export { plotParamImportances } from "./visualization/plot-param-importances.js";
export { plotParetoFront, type ParetoFrontOptions } from "./visualization/plot-pareto-front.js";
export type { TargetOptions, ParamPlotOptions } from "./visualization/plot-helpers.js";
export { writePlot, toHtml, type PlotSource } from "./visualization/svg.js";

// Utilities
export { SeededRandom } from "./random.js";
export { setLogLevel, getLogLevel, type LogLevel } from "./logging.js";
export { runCli } from "./cli.js";
