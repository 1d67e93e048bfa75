/**
 * scikit-learn's bundled CSV files start with a line `n_samples,n_features,class names…`
 * instead of a header; the rows are the features followed by the integer class.
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { CsvDataset } from "@trek/data";

export interface SklearnCsv {
  dataset: CsvDataset;
  classNames: string[];
}

export async function loadSklearnCsv(file: string): Promise<SklearnCsv> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let first = "";
  for await (const line of lines) {
    first = line;
    break;
  }
  lines.close();
  const [samples, features, ...classNames] = first.split(",");
  const dataset = await CsvDataset.load(file, { skipLines: 1, header: false, target: -1 });
  if (dataset.length !== Number(samples) || dataset.features.shape[1] !== Number(features)) {
    throw new Error(
      `${file}: the first line announces ${samples} samples × ${features} features, ` +
        `but the file holds ${dataset.length} × ${dataset.features.shape[1]}`,
    );
  }
  return { dataset, classNames };
}
