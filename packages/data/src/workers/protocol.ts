/** Messages between the loader (main thread) and its worker threads. */
import type { HostArraySpec } from "./spec.js";

/** How batches are finished inside the worker. */
export type WorkerCollate =
  /** The default collate, run in the worker (host tensors come back). */
  | { kind: "default" }
  /** Samples come back as they are (tensors as host tensors); the main thread runs the collateFn. */
  | { kind: "main" }
  /** A named export of a module, run in the worker. */
  | { kind: "module"; module: string; export: string };

/** The dataset as the worker receives it: module URLs are strings by now. */
export type WorkerDatasetInit =
  | { kind: "module"; module: string; export: string; args: unknown[] }
  | { kind: "tensors"; tensors: HostArraySpec[] }
  | { kind: "array"; items: unknown[] }
  | { kind: "subset"; dataset: WorkerDatasetInit; indices: Int32Array | number[] }
  | { kind: "concat"; datasets: WorkerDatasetInit[] };

/** A request without its task id (assigned by the pool). */
export type WorkerRequest = Extract<MainToWorker, { taskId: number }> extends infer M
  ? M extends { taskId: number }
    ? Omit<M, "taskId">
    : never
  : never;

/** `workerData` of each worker. */
export interface WorkerInit {
  workerId: number;
  numWorkers: number;
  /** The worker's own entry module (URL). */
  entry: string;
  /** URL of tsx's ESM API when TypeScript modules must be loaded, else null. */
  typescriptLoader: string | null;
  /** Modules imported before the dataset is built (e.g. one registering a backend). */
  setup: string[];
  dataset: WorkerDatasetInit;
  collate: WorkerCollate;
  /** Whether samples are collated into batches (false: one converted sample per item). */
  batched: boolean;
  /** Samples per batch of an iterable dataset. */
  batchSize: number;
  dropLast: boolean;
}

export type MainToWorker =
  | { type: "fetch"; taskId: number; epochSeed: number; batchIndex: number; indices: number[] }
  | { type: "start-epoch"; epochSeed: number }
  | { type: "next"; taskId: number };

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  datasetIndex?: number;
}

export type WorkerToMain =
  | { type: "ready" }
  | { type: "init-error"; error: SerializedError }
  | { type: "result"; taskId: number; payload: unknown }
  | { type: "error"; taskId: number; error: SerializedError }
  | { type: "done"; taskId: number };

export function serializeError(err: unknown, datasetIndex?: number): SerializedError {
  const e = err as Error | undefined;
  return {
    name: typeof e?.name === "string" ? e.name : "Error",
    message: typeof e?.message === "string" ? e.message : String(err),
    stack: typeof e?.stack === "string" ? e.stack : undefined,
    datasetIndex,
  };
}
