/** Turns a dataset into a `WorkerDatasetSpec` that worker threads can rebuild it from. */
import { DataError } from "../errors.js";
import { datasetName } from "../datasets/dataset.js";
import type { WorkerDatasetSpec } from "./spec.js";
import { toHost } from "../collate/host-tree.js";

/**
 * The worker description of `dataset`: plain arrays are sent by value, datasets with
 * `workerInit()` describe themselves, anything else needs the loader's `worker` option.
 */
export async function describeDataset(dataset: unknown): Promise<WorkerDatasetSpec> {
  if (Array.isArray(dataset)) {
    try {
      return { kind: "array", items: dataset.map((item) => toHost(item, false)) };
    } catch (err) {
      throw new DataError(`DataLoader: cannot send the array dataset to worker threads: ${(err as Error).message}`);
    }
  }
  const workerInit = (dataset as { workerInit?: () => WorkerDatasetSpec | Promise<WorkerDatasetSpec> })?.workerInit;
  if (typeof workerInit === "function") return await workerInit.call(dataset);
  const name = datasetName(dataset);
  throw new DataError(
    `DataLoader: numWorkers > 0 needs to rebuild ${name} inside each worker thread, and workers cannot receive ` +
      `functions or class instances. Pass the loader option worker: { module: new URL("./${kebab(name)}.js", import.meta.url), ` +
      `export: "${name}", args: [...] } (a module exporting the class or a factory), or implement ${name}.workerInit().`,
  );
}

function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();
}
