/** randomSplit: non-overlapping random subsets of given lengths or fractions. */
import { defaultGenerator, type Generator } from "@trek/tensor";
import { DataError } from "../errors.js";
import type { Dataset } from "./dataset.js";
import { Subset } from "./subset.js";
import { permutation } from "../samplers/permutation.js";

/**
 * Splits `dataset` into random, non-overlapping subsets, like `torch.utils.data.random_split`.
 * `lengths` are sample counts summing to the dataset length, or fractions summing to 1 (each
 * gets `floor(n·fraction)`, and the remainder is dealt one by one to the first subsets).
 * Pass a seeded `generator` for a reproducible split.
 * @example const [train, val] = randomSplit(ds, [0.8, 0.2], { generator: new Generator(42) });
 */
export function randomSplit<S>(
  dataset: Dataset<S>,
  lengths: readonly number[],
  options: { generator?: Generator } = {},
): Subset<S>[] {
  const n = dataset.length;
  const counts = splitLengths(n, lengths);
  const order = permutation(n, options.generator ?? defaultGenerator);
  const subsets: Subset<S>[] = [];
  let start = 0;
  for (const count of counts) {
    subsets.push(new Subset(dataset, order.subarray(start, start + count)));
    start += count;
  }
  return subsets;
}

/** Resolves fractions to counts the way PyTorch does; validates integer counts. */
export function splitLengths(n: number, lengths: readonly number[]): number[] {
  if (lengths.length === 0) throw new DataError("randomSplit: lengths must not be empty");
  const total = lengths.reduce((a, b) => a + b, 0);
  // Like PyTorch: lengths summing to 1 are fractions (unless the dataset is smaller than that).
  const fractional = Math.abs(total - 1) < 1e-9 && total <= n;
  if (fractional) {
    lengths.forEach((f, i) => {
      if (!(f >= 0 && f <= 1)) throw new DataError(`randomSplit: fraction at index ${i} is not between 0 and 1: ${f}`);
    });
    const counts = lengths.map((f) => Math.floor(n * f));
    let remainder = n - counts.reduce((a, b) => a + b, 0);
    for (let i = 0; remainder > 0; i = (i + 1) % counts.length, remainder--) counts[i]!++;
    return counts;
  }
  lengths.forEach((count, i) => {
    if (!Number.isInteger(count) || count < 0) {
      throw new DataError(`randomSplit: lengths[${i}] = ${count} must be a non-negative integer (or pass fractions summing to 1)`);
    }
  });
  if (total !== n) {
    throw new DataError(`randomSplit: sum of input lengths (${total}) does not equal the length of the dataset (${n})`);
  }
  return lengths.slice();
}
