/** Seeded random data and random strided views for differential tests. */
import type { DType, TypedArray, View } from "@trek/tensor";
import { float32ToBFloat16Bits, float32ToFloat16Bits, storageArrayType } from "@trek/tensor";

/** mulberry32: small, fast, seedable. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  normal(): number {
    const u = Math.max(this.next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
}

export interface ValueRange {
  /** float scale (normal × scale) */
  scale?: number;
  /** integer bounds */
  lo?: number;
  hi?: number;
  /** sprinkle NaN, ±Inf, ±0 into float data */
  specials?: boolean;
  /** keep floats positive */
  positive?: boolean;
  /** int64: also values beyond 32 bits */
  wide?: boolean;
}

const SPECIALS = [NaN, Infinity, -Infinity, 0, -0];

/** Storage-format data for `n` elements of `dtype`. */
export function randomData(rng: Rng, dtype: DType, n: number, range: ValueRange = {}): TypedArray {
  const out = new (storageArrayType(dtype))(n) as unknown as { [i: number]: number | bigint } & TypedArray;
  for (let i = 0; i < n; i++) {
    switch (dtype) {
      case "float32":
      case "float16":
      case "bfloat16": {
        let v = rng.normal() * (range.scale ?? 2);
        if (range.positive) v = Math.abs(v) + 1e-3;
        if (range.specials && rng.next() < 0.1) v = rng.pick(SPECIALS);
        out[i] = dtype === "float32" ? v : dtype === "float16" ? float32ToFloat16Bits(v) : float32ToBFloat16Bits(v);
        break;
      }
      case "int64": {
        if (range.wide && rng.next() < 0.5) {
          const hi = BigInt(rng.int(-(2 ** 31), 2 ** 31 - 1));
          const lo = BigInt(rng.int(0, 2 ** 32 - 1));
          out[i] = BigInt.asIntN(64, (hi << 32n) | lo);
        } else out[i] = BigInt(rng.int(range.lo ?? -50, range.hi ?? 50));
        break;
      }
      case "bool":
        out[i] = rng.next() < 0.5 ? 1 : 0;
        break;
      case "uint8":
        out[i] = rng.int(range.lo ?? 0, range.hi ?? 255);
        break;
      case "int8":
        out[i] = rng.int(range.lo ?? -128, range.hi ?? 127);
        break;
      case "int16":
        out[i] = rng.int(range.lo ?? -3000, range.hi ?? 3000);
        break;
      default:
        out[i] = rng.int(range.lo ?? -1000, range.hi ?? 1000);
    }
  }
  return out;
}

/** Layout of a view over a buffer of `bufferNumel` elements. */
export interface Layout {
  readonly shape: number[];
  readonly strides: number[];
  readonly offset: number;
  readonly bufferNumel: number;
}

export type LayoutKind = "contiguous" | "permuted" | "sliced" | "flipped" | "broadcast" | "offset";
export const LAYOUT_KINDS: readonly LayoutKind[] = ["contiguous", "permuted", "sliced", "flipped", "broadcast", "offset"];
/** Layouts a destination may have (no two elements share memory). */
export const WRITABLE_KINDS: readonly LayoutKind[] = ["contiguous", "permuted", "sliced", "flipped", "offset"];

function contiguous(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let step = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = step;
    step *= Math.max(shape[i]!, 1);
  }
  return s;
}

/** A view of `shape` laid out as `kind` describes, over a buffer with room for it. */
export function layout(rng: Rng, shape: readonly number[], kind: LayoutKind): Layout {
  const rank = shape.length;
  const numel = shape.reduce((a, b) => a * b, 1);
  if (kind === "contiguous" || rank === 0 || numel === 0) {
    return { shape: [...shape], strides: contiguous(shape), offset: 0, bufferNumel: Math.max(numel, 1) };
  }
  if (kind === "offset") {
    const offset = rng.int(1, 7);
    return { shape: [...shape], strides: contiguous(shape), offset, bufferNumel: numel + offset + 3 };
  }
  if (kind === "permuted") {
    // store the data in a permuted order and view it back in `shape`'s order
    const order = shape.map((_, i) => i);
    for (let i = rank - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const storedShape = order.map((d) => shape[d]!);
    const storedStrides = contiguous(storedShape);
    const strides = new Array<number>(rank);
    order.forEach((d, k) => (strides[d] = storedStrides[k]!));
    return { shape: [...shape], strides, offset: 0, bufferNumel: numel };
  }
  if (kind === "sliced") {
    // every dim stepped by 1..3 inside a larger parent, plus a start offset
    const steps = shape.map(() => rng.int(1, 3));
    const parentShape = shape.map((s, i) => s * steps[i]! + rng.int(0, 2));
    const parentStrides = contiguous(parentShape);
    const start = shape.map((_, i) => rng.int(0, parentShape[i]! - ((shape[i]! - 1) * steps[i]! + 1)));
    const offset = start.reduce((acc, s, i) => acc + s * parentStrides[i]!, 0);
    return {
      shape: [...shape],
      strides: parentStrides.map((s, i) => s * steps[i]!),
      offset,
      bufferNumel: parentShape.reduce((a, b) => a * b, 1),
    };
  }
  if (kind === "flipped") {
    const strides = contiguous(shape);
    let offset = 0;
    shape.forEach((s, i) => {
      if (rng.next() < 0.6 && s > 1) {
        offset += (s - 1) * strides[i]!;
        strides[i] = -strides[i]!;
      }
    });
    return { shape: [...shape], strides, offset, bufferNumel: numel };
  }
  // broadcast: some dims of size > 1 read one element (stride 0)
  const sourceShape = shape.map((s) => (s > 1 && rng.next() < 0.5 ? 1 : s));
  const strides = contiguous(sourceShape).map((st, i) => (sourceShape[i] === 1 ? 0 : st));
  return { shape: [...shape], strides, offset: 0, bufferNumel: Math.max(sourceShape.reduce((a, b) => a * b, 1), 1) };
}

export function randomShape(rng: Rng, maxRank = 4, maxSize = 5): number[] {
  const rank = rng.int(0, maxRank);
  return Array.from({ length: rank }, () => (rng.next() < 0.05 ? 0 : rng.int(1, maxSize)));
}

/** A view object for a backend buffer. */
export function viewOn(buffer: unknown, dtype: DType, l: Layout): View {
  return { buffer, dtype, shape: l.shape, strides: l.strides, offset: l.offset };
}
