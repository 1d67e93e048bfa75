/**
 * @trek/data — datasets, samplers, the DataLoader (with worker threads), collate functions,
 * preprocessing and CSV reading for TorchTrek.
 * @packageDocumentation
 */
export type { Dataset, IterableSource } from "./datasets/dataset.js";
export { IterableDataset, isMapDataset, isIterableDataset } from "./datasets/dataset.js";
export { TensorDataset } from "./datasets/tensor-dataset.js";
export { Subset } from "./datasets/subset.js";
export { ConcatDataset } from "./datasets/concat-dataset.js";
export { randomSplit } from "./datasets/random-split.js";

export type { Sampler, BatchSamplerLike, SizedSource } from "./samplers/sampler.js";
export { SequentialSampler } from "./samplers/sequential-sampler.js";
export { RandomSampler } from "./samplers/random-sampler.js";
export type { RandomSamplerOptions } from "./samplers/random-sampler.js";
export { SubsetRandomSampler } from "./samplers/subset-random-sampler.js";
export { WeightedRandomSampler } from "./samplers/weighted-random-sampler.js";
export type { WeightedRandomSamplerOptions } from "./samplers/weighted-random-sampler.js";
export { BatchSampler } from "./samplers/batch-sampler.js";

export { DataLoader } from "./loader/data-loader.js";
export type { DatasetSource } from "./loader/data-loader.js";
export type { DataLoaderOptions, CollateFn } from "./loader/options.js";
export { sampleGenerator } from "./loader/sample-generator.js";
export { defaultCollate, defaultConvert } from "./collate/default-collate.js";
export type { Collated } from "./collate/default-collate.js";

export { getWorkerInfo } from "./workers/context.js";
export type { WorkerInfo } from "./workers/context.js";
export type { WorkerDatasetSpec, ModuleDatasetSpec, BuiltinDatasetSpec, HostArraySpec } from "./workers/spec.js";

export { StandardScaler } from "./preprocessing/standard-scaler.js";
export type { StandardScalerOptions } from "./preprocessing/standard-scaler.js";
export { MinMaxScaler } from "./preprocessing/min-max-scaler.js";
export type { MinMaxScalerOptions } from "./preprocessing/min-max-scaler.js";
export { LabelEncoder } from "./preprocessing/label-encoder.js";
export { OneHotEncoder } from "./preprocessing/one-hot-encoder.js";
export type { OneHotEncoderOptions, CategoryMatrix } from "./preprocessing/one-hot-encoder.js";
export { trainTestSplit } from "./preprocessing/train-test-split.js";
export type { TrainTestSplitOptions, Splittable } from "./preprocessing/train-test-split.js";
export type { FeatureMatrix } from "./preprocessing/matrix.js";
export type { Category, LabelVector } from "./preprocessing/labels.js";

export { readCsv, CsvTable } from "./csv/csv-table.js";
export type { CsvOptions } from "./csv/csv-options.js";
export { CsvDataset } from "./csv/csv-dataset.js";
export type { CsvDatasetOptions } from "./csv/csv-dataset.js";
export { CsvIterableDataset } from "./csv/csv-iterable-dataset.js";
export type { CsvRow } from "./csv/csv-iterable-dataset.js";

export { CollateError, DataError, DataLoaderError, CsvFormatError } from "./errors.js";
