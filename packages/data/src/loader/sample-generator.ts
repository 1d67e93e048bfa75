/** Reproducible per-sample randomness for data augmentation. */
import { Generator, defaultGenerator } from "@trek/tensor";
import { currentSampleSeed } from "../workers/context.js";

let cached: { token: number; generator: Generator } | null = null;

/**
 * The random stream for the sample being loaded. Inside a DataLoader fetch, every sample gets a
 * generator seeded from the loader's generator, the epoch, the batch and its position — so
 * augmentations are identical with and without worker threads, and for the same seed. Call it
 * synchronously at the start of `getItem` (before any `await`) and keep the reference. Outside a
 * loader it returns the default generator.
 * @example getItem(i) { const g = sampleGenerator(); return flip(image(i), g.nextDouble() < 0.5); }
 */
export function sampleGenerator(): Generator {
  const current = currentSampleSeed();
  if (!current) return defaultGenerator;
  if (cached?.token !== current.token) cached = { token: current.token, generator: new Generator(current.seed) };
  return cached.generator;
}
