/**
 * Test inputs: seeded host values in a chosen memory layout, created identically on every device
 * a case runs on. Layouts reach the backend as the views the contract promises it must handle:
 * transposed, sliced with a step and an offset, negative strides, and broadcast (stride 0).
 */
import type { DType, Generator, Tensor } from "@trek/tensor";
import { asStrided, contiguousStrides, isFloatingPoint, shapeNumel, tensor } from "@trek/tensor";

/** How an input's elements are laid out in memory. */
export type Layout = "contiguous" | "transposed" | "strided" | "flipped" | "broadcast";

export const LAYOUTS: readonly Layout[] = ["contiguous", "transposed", "strided", "flipped", "broadcast"];

/**
 * Value ranges. Floats are uniform in the range; integers are whole numbers in a small range
 * (non-negative for uint8) so that products and sums stay exact. "fractional" floats keep away
 * from integers and halves (where rounding functions jump).
 */
export type Domain = "any" | "positive" | "unit" | "nonzero" | "exponent" | "wide" | "fractional";

export type HostValue = number | bigint | boolean;

export interface InputSpec {
  /** Logical shape (what the op sees). */
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly layout?: Layout;
  readonly domain?: Domain;
  /** Explicit row-major values of the logical tensor (random values from `domain` otherwise). */
  readonly values?: readonly HostValue[];
}

/** An input with its host data fixed, ready to be created on any device. */
export interface PreparedInput {
  readonly spec: InputSpec;
  readonly baseShape: readonly number[];
  readonly baseData: Float64Array | BigInt64Array | Uint8Array;
  /** Derives the logical view from the base tensor (movement ops only, no copies). */
  readonly derive: (base: Tensor) => Tensor;
}

/** Whether a layout can express a logical shape. */
export function layoutApplies(layout: Layout, shape: readonly number[]): boolean {
  switch (layout) {
    case "contiguous":
      return true;
    case "transposed":
      return shape.length >= 2;
    case "strided":
    case "flipped":
      return shape.length >= 1;
    case "broadcast":
      return shape.length >= 1 && shape[0]! > 1;
  }
}

function floatRange(domain: Domain): [number, number] {
  switch (domain) {
    case "any":
      return [-3, 3];
    case "positive":
      return [0.25, 4];
    case "unit":
      return [-0.9, 0.9];
    case "nonzero":
      return [0.5, 3];
    case "exponent":
      return [-2, 2];
    case "wide":
      return [-30, 30];
    case "fractional":
      return [-3, 3];
  }
}

function intRange(domain: Domain, dtype: DType): [number, number] {
  const unsigned = dtype === "uint8";
  switch (domain) {
    case "any":
    case "wide":
      return unsigned ? [0, 18] : [-9, 9];
    case "positive":
      return [1, 9];
    case "unit":
      return unsigned ? [0, 2] : [-2, 2];
    case "nonzero":
      return [1, 9];
    case "exponent":
      return [0, 3];
    case "fractional":
      return unsigned ? [0, 9] : [-9, 9];
  }
}

/** One random value of a dtype in a domain. */
export function randomValue(dtype: DType, domain: Domain, rng: Generator): HostValue {
  if (dtype === "bool") return rng.nextDouble() < 0.5;
  if (isFloatingPoint(dtype) && domain === "fractional") {
    // Away from integers and halves, where floor/ceil/round/trunc jump.
    const whole = -3 + Math.floor(6 * rng.nextDouble());
    const fraction = 0.1 + 0.3 * rng.nextDouble();
    return whole + (rng.nextDouble() < 0.5 ? fraction : 1 - fraction);
  }
  if (isFloatingPoint(dtype)) {
    const [lo, hi] = floatRange(domain);
    const magnitude = lo + (hi - lo) * rng.nextDouble();
    return domain === "nonzero" && rng.nextDouble() < 0.5 ? -magnitude : magnitude;
  }
  const [lo, hi] = intRange(domain, dtype);
  let v = lo + Math.floor((hi - lo + 1) * rng.nextDouble());
  if (domain === "nonzero" && dtype !== "uint8" && rng.nextDouble() < 0.5) v = -v;
  return dtype === "int64" ? BigInt(v) : v;
}

function hostArray(dtype: DType, n: number): Float64Array | BigInt64Array | Uint8Array {
  if (dtype === "int64") return new BigInt64Array(n);
  if (dtype === "bool") return new Uint8Array(n);
  return new Float64Array(n);
}

function store(array: Float64Array | BigInt64Array | Uint8Array, index: number, value: HostValue): void {
  if (array instanceof BigInt64Array) array[index] = typeof value === "bigint" ? value : BigInt(Number(value));
  else if (array instanceof Uint8Array) array[index] = value ? 1 : 0;
  else array[index] = typeof value === "bigint" ? Number(value) : Number(value);
}

/** Geometry of the logical view over its base: base shape, view strides and offset. */
function geometry(layout: Layout, shape: readonly number[]): { baseShape: number[]; strides: number[]; offset: number } {
  const rank = shape.length;
  switch (layout) {
    case "contiguous":
    case "broadcast":
      return { baseShape: shape.slice(), strides: contiguousStrides(shape), offset: 0 };
    case "transposed": {
      const baseShape = shape.slice();
      [baseShape[rank - 2], baseShape[rank - 1]] = [shape[rank - 1]!, shape[rank - 2]!];
      const strides = contiguousStrides(baseShape);
      [strides[rank - 2], strides[rank - 1]] = [strides[rank - 1]!, strides[rank - 2]!];
      return { baseShape, strides, offset: 0 };
    }
    case "strided": {
      const baseShape = shape.slice();
      baseShape[rank - 1] = 2 * shape[rank - 1]! + 1;
      const strides = contiguousStrides(baseShape);
      strides[rank - 1] = 2;
      return { baseShape, strides, offset: 1 };
    }
    case "flipped": {
      const strides = contiguousStrides(shape);
      strides[rank - 1] = -1;
      return { baseShape: shape.slice(), strides, offset: Math.max(shape[rank - 1]! - 1, 0) };
    }
  }
}

/** Fixes an input's host data from the seeded generator. */
export function prepareInput(spec: InputSpec, rng: Generator): PreparedInput {
  const layout = spec.layout ?? "contiguous";
  const domain = spec.domain ?? "any";
  if (!layoutApplies(layout, spec.shape)) {
    throw new Error(`conformance: layout "${layout}" cannot express shape [${spec.shape.join(", ")}]`);
  }
  if (layout === "broadcast") {
    if (spec.values) throw new Error("conformance: the broadcast layout takes random values only");
    const baseShape = [1, ...spec.shape.slice(1)];
    const baseData = hostArray(spec.dtype, shapeNumel(baseShape));
    for (let i = 0; i < baseData.length; i++) store(baseData, i, randomValue(spec.dtype, domain, rng));
    return { spec, baseShape, baseData, derive: (base) => base.expand(spec.shape) };
  }
  const { baseShape, strides, offset } = geometry(layout, spec.shape);
  const n = shapeNumel(spec.shape);
  const baseData = hostArray(spec.dtype, shapeNumel(baseShape));
  // Elements outside the view hold junk that must never show up in a result.
  for (let i = 0; i < baseData.length; i++) store(baseData, i, randomValue(spec.dtype, "wide", rng));
  if (spec.values && spec.values.length !== n) {
    throw new Error(`conformance: ${spec.values.length} values given for shape [${spec.shape.join(", ")}]`);
  }
  const index = new Array<number>(spec.shape.length).fill(0);
  for (let flat = 0; flat < n; flat++) {
    let target = offset;
    for (let d = 0; d < index.length; d++) target += index[d]! * strides[d]!;
    store(baseData, target, spec.values ? spec.values[flat]! : randomValue(spec.dtype, domain, rng));
    for (let d = index.length - 1; d >= 0; d--) {
      if (++index[d]! < spec.shape[d]!) break;
      index[d] = 0;
    }
  }
  const derive = (base: Tensor): Tensor => {
    switch (layout) {
      case "contiguous":
        return base;
      case "transposed":
        return base.transpose(-1, -2);
      case "strided":
        return base.slice(-1, 1, undefined, 2);
      case "flipped":
        return asStrided(base, spec.shape, strides, offset);
    }
  };
  return { spec, baseShape, baseData, derive };
}

/** Creates a prepared input on a device: its base tensor, then the logical view. */
export function createInput(input: PreparedInput, device: string): Tensor {
  const base = tensor(input.baseData, { dtype: input.spec.dtype, device, shape: input.baseShape });
  return input.derive(base);
}
