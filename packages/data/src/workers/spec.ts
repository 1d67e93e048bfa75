/**
 * How a dataset is rebuilt inside a worker thread. Worker threads cannot receive functions or
 * class instances, so a dataset crosses over as a description: a module to import and what to
 * construct from it, or (for the built-in datasets) its plain data.
 */
import type { DType } from "@trek/tensor";

/**
 * Build the dataset in each worker by importing `module` and calling (or, for a class,
 * constructing) its export `export` (default: the default export) with `args`.
 * @example { module: new URL("./my-dataset.js", import.meta.url), export: "MyDataset", args: [root] }
 */
export interface ModuleDatasetSpec {
  /** A `file:` URL, an absolute path, or a package specifier resolvable from the working directory. */
  module: string | URL;
  /** Named export: a class (constructed with `new`) or a function returning the dataset (may be async). */
  export?: string;
  /** Structured-cloneable constructor arguments (numbers, strings, arrays, typed arrays, plain objects). */
  args?: readonly unknown[];
  /** Optional named export of the same module used as the collate function inside the workers. */
  collate?: string;
}

/** A typed array with its dtype and shape, as sent to and from workers. */
export interface HostArraySpec {
  dtype: DType;
  shape: number[];
  /** Backed by a SharedArrayBuffer when it describes a dataset (sent once, never copied per batch). */
  data: ArrayBufferView;
}

/** The built-in datasets' own descriptions (produced by their `workerInit()`). */
export type BuiltinDatasetSpec =
  | { kind: "tensors"; tensors: HostArraySpec[] }
  | { kind: "array"; items: unknown[] }
  | { kind: "subset"; dataset: WorkerDatasetSpec; indices: Int32Array | number[] }
  | { kind: "concat"; datasets: WorkerDatasetSpec[] };

/** What `workerInit()` returns and the `worker` option of `DataLoader` accepts. */
export type WorkerDatasetSpec = ModuleDatasetSpec | BuiltinDatasetSpec;

export function isModuleSpec(spec: WorkerDatasetSpec): spec is ModuleDatasetSpec {
  return (spec as ModuleDatasetSpec).module !== undefined;
}
