/**
 * Seeded random numbers. Streams are generated on the host, so a seed gives the same values on
 * every backend. The generator is xoshiro128** seeded through splitmix32: small, fast in 32-bit
 * JavaScript arithmetic, and its whole state can be saved and restored for resumable training.
 */

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A random stream; `manualSeed` resets it. Like `torch.Generator`. */
export class Generator {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spareNormal: number | null = null;
  private seedValue = 0;

  constructor(seed?: number) {
    this.manualSeed(seed ?? defaultSeedSource());
  }

  /** Resets the stream from a seed (any integer; non-integers are truncated). */
  manualSeed(seed: number): this {
    if (!Number.isFinite(seed)) throw new TypeError(`manualSeed: seed must be a finite number, got ${seed}`);
    this.seedValue = Math.trunc(seed);
    // Fold in the high bits so seeds above 2^32 still give distinct streams.
    const state = { s: (this.seedValue | 0) ^ Math.floor(this.seedValue / 4294967296) };
    this.s0 = splitmix32(state);
    this.s1 = splitmix32(state);
    this.s2 = splitmix32(state);
    this.s3 = splitmix32(state);
    this.spareNormal = null;
    return this;
  }

  /** The seed last passed to `manualSeed`. */
  initialSeed(): number {
    return this.seedValue;
  }

  /** The full generator state, for checkpoints. */
  getState(): number[] {
    return [this.s0, this.s1, this.s2, this.s3, this.spareNormal ?? Number.NaN, this.seedValue];
  }

  setState(state: readonly number[]): this {
    if (state.length !== 6) throw new TypeError(`Generator.setState: expected 6 numbers, got ${state.length}`);
    [this.s0, this.s1, this.s2, this.s3] = state.map((v) => v >>> 0) as [number, number, number, number];
    this.spareNormal = Number.isNaN(state[4]!) ? null : state[4]!;
    this.seedValue = state[5]!;
    return this;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  nextDouble(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [0, 1) with 24 random bits: exactly representable in float32, never rounds to 1. */
  nextFloat(): number {
    return (this.nextUint32() >>> 8) / 16777216;
  }

  /** A standard normal sample (Box–Muller, using both outputs). */
  nextNormal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.nextDouble();
    const v = this.nextDouble();
    const radius = Math.sqrt(-2 * Math.log(u));
    const angle = 2 * Math.PI * v;
    this.spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  /** A uniform integer in [low, high) without modulo bias. */
  nextInt(low: number, high: number): number {
    const range = high - low;
    if (range <= 0) throw new RangeError(`randint: low (${low}) must be less than high (${high})`);
    if (range <= 4294967296) {
      const limit = 4294967296 - (4294967296 % range);
      let x: number;
      do x = this.nextUint32();
      while (x >= limit);
      return low + (x % range);
    }
    return low + Math.floor(this.nextDouble() * range);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

let seedCounter = 0;
function defaultSeedSource(): number {
  seedCounter++;
  return (Date.now() ^ Math.imul(seedCounter, 0x9e3779b9)) >>> 0;
}

/** The process-wide default generator used when an op is not given one. */
export const defaultGenerator = new Generator(Date.now() >>> 0);

/** Seeds the default generator, like `torch.manual_seed`. */
export function manualSeed(seed: number): Generator {
  return defaultGenerator.manualSeed(seed);
}

/** Seeds derived from the default generator (for workers, samplers). */
export function seedFrom(generator: Generator = defaultGenerator): number {
  return generator.nextUint32();
}
