/**
 * A dataset whose getItem costs about 1 ms of CPU (like decoding and augmenting an image),
 * returning a 784-float feature vector and a label. The cost is a fixed amount of arithmetic,
 * calibrated on an idle moment of the CPU, so a busy machine does not change the work.
 * Workers rebuild it from this module.
 */
import type { WorkerDatasetSpec } from "@trek/data";

/** `rounds` rounds of a 784-element pseudo-random fill: the unit of work. */
function fill(features: Float32Array, seed: number, rounds: number): void {
  let value = seed >>> 0;
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < 784; i++) {
      value = (Math.imul(value, 1103515245) + 12345) >>> 0;
      features[i] = value / 4294967296;
    }
  }
}

/**
 * Rounds of work that take `ms` on an otherwise idle CPU: the fastest of many short timings,
 * since other processes can only make a run slower, never faster.
 */
export function calibrateRounds(ms: number): number {
  const features = new Float32Array(784);
  fill(features, 1, 2000); // warm up the JIT
  const rounds = 200;
  let best = Number.POSITIVE_INFINITY;
  for (let trial = 0; trial < 200; trial++) {
    const start = performance.now();
    fill(features, trial, rounds);
    best = Math.min(best, performance.now() - start);
  }
  return Math.max(1, Math.round((rounds * ms) / best));
}

export class SlowDataset {
  constructor(
    readonly length: number,
    /** Work per sample, from `calibrateRounds(1)` for ~1 ms. */
    readonly rounds: number,
  ) {}

  getItem(index: number): [Float32Array, number] {
    const features = new Float32Array(784);
    fill(features, index + 1, this.rounds);
    return [features, index % 10];
  }

  workerInit(): WorkerDatasetSpec {
    return { module: import.meta.url, export: "SlowDataset", args: [this.length, this.rounds] };
  }
}
