/** Seeded index permutations shared by the samplers and `randomSplit`. */
import type { Generator } from "@trek/tensor";

/** A uniformly random permutation of 0..n-1 (Fisher–Yates, same stream order as `randperm`). */
export function permutation(n: number, generator: Generator): Int32Array {
  const values = new Int32Array(n);
  for (let i = 0; i < n; i++) values[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = generator.nextInt(0, i + 1);
    const swap = values[i]!;
    values[i] = values[j]!;
    values[j] = swap;
  }
  return values;
}
