/** The sampler contract: any iterable of dataset indices, optionally with a `length`. */
import { Generator, defaultGenerator, seedFrom } from "@trek/tensor";
import { DataError } from "../errors.js";

/**
 * Yields dataset indices; each `[Symbol.iterator]()` call is one epoch. Any `Iterable<number>`
 * works as a sampler; `length` (when known) lets the loader report its number of batches.
 */
export interface Sampler extends Iterable<number> {
  readonly length?: number;
}

/** Yields lists of indices, one list per batch. */
export interface BatchSamplerLike extends Iterable<readonly number[]> {
  readonly length?: number;
}

/** A dataset or a plain sample count, for samplers that only need the size. */
export type SizedSource = number | { readonly length: number };

export function sourceLength(op: string, source: SizedSource): number {
  const n = typeof source === "number" ? source : source?.length;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
    throw new DataError(`${op}: expected a dataset with a length or a non-negative integer, got ${String(n)}`);
  }
  return n;
}

/**
 * The generator for one epoch: the sampler's own (its stream continues across epochs), or a
 * fresh one seeded from the default generator, as PyTorch does, so `manualSeed` controls it.
 */
export function epochGenerator(generator: Generator | undefined): Generator {
  return generator ?? new Generator(seedFrom(defaultGenerator));
}

/** The length of a sampler-like iterable, or undefined when it has none. */
export function samplerLength(sampler: Iterable<unknown>): number | undefined {
  const n = (sampler as { length?: unknown }).length;
  return typeof n === "number" ? n : undefined;
}
