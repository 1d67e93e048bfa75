/** Seed derivation: every batch's (and every worker's) randomness comes from one epoch seed. */

/** Hashes integers into one 32-bit seed (murmur3's finalizer per part); same on every thread. */
export function mixSeeds(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    h = Math.imul(h ^ (part >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    h = (h + 0x6a09e667) | 0;
  }
  return h >>> 0;
}
