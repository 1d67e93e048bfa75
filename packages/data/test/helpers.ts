/** Shared test utilities: the PyTorch reference fixture and small statistics helpers. */
import { readFileSync } from "node:fs";
import { isTensor, type Tensor } from "@trek/tensor";

export interface TorchReference {
  torch: string;
  batchSampler: { n: number; batchSize: number; dropLast: boolean; length: number; batches: number[][] }[];
  randomSplit: { n: number; fractions: number[]; lengths: number[] }[];
  collate: Record<string, { batch: unknown }>;
  scalers: {
    x: number[][];
    mean: number[];
    var: number[];
    standard: number[][];
    featureRange: [number, number];
    minmax: number[][];
  };
}

/** Written by test/fixtures/generate_torch_reference.py with python3-torch. */
export const reference: TorchReference = JSON.parse(
  readFileSync(new URL("./fixtures/torch-reference.json", import.meta.url), "utf8"),
) as TorchReference;

/** Pearson's chi-square statistic of observed counts against expected counts. */
export function chiSquare(observed: readonly number[], expected: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < observed.length; i++) sum += (observed[i]! - expected[i]!) ** 2 / expected[i]!;
  return sum;
}

/** Upper 0.1% critical values of the chi-square distribution by degrees of freedom. */
export const CHI_SQUARE_999: Record<number, number> = { 1: 10.83, 2: 13.82, 3: 16.27, 4: 18.47, 5: 20.52, 9: 27.88, 19: 43.82 };

/** A batch as plain JSON: tensors become { dtype, shape, values }. */
export function plain(value: unknown): unknown {
  if (isTensor(value)) {
    const t = value as Tensor;
    return { dtype: t.dtype, shape: [...t.shape], values: Array.from(t.dataSync() as ArrayLike<number | bigint>, (v) => (t.dtype === "bool" ? v !== 0 : Number(v))) };
  }
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

/** Collects every batch of an epoch as plain JSON. */
export async function epoch(loader: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const batch of loader) out.push(plain(batch));
  return out;
}
