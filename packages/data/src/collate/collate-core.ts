/**
 * The rules of the default collate, shared by the main thread (tensor leaves) and worker threads
 * (host leaves), so a batch is the same whichever side builds it. They follow PyTorch's
 * `default_collate`: tensors stack along a new dim 0; numbers, bigints and booleans become 1-d
 * tensors; typed arrays stack like NumPy arrays; strings stay lists; arrays and plain objects are
 * collated position by position / key by key.
 *
 * JavaScript has one number type, so the dtype comes from the values: if every number in the
 * batch is an integer the result is int64 (labels), otherwise the default float dtype (float32).
 */
import type { DType } from "@trek/tensor";
import { CollateError } from "../errors.js";
import { hostTensor, isPlainObject, type HostTensor } from "./host-tree.js";

/** How one side of the worker boundary builds tensor leaves. */
export interface CollateLeaves {
  isTensor(value: unknown): boolean;
  /** Stacks tensors already checked to share shape and dtype. */
  stack(values: readonly unknown[]): unknown;
  /** Turns host data (numbers, typed arrays) into a leaf. */
  wrap(host: HostTensor): unknown;
}

const TYPED_ARRAY_DTYPES = new Map<unknown, DType>([
  [Float32Array, "float32"],
  [Float64Array, "float64"],
  [Int32Array, "int32"],
  [Int16Array, "int16"],
  [Int8Array, "int8"],
  [Uint8Array, "uint8"],
  [Uint8ClampedArray, "uint8"],
  [BigInt64Array, "int64"],
]);

/** The dtype a typed array maps to, or undefined for ones without a tensor dtype (Uint16Array…). */
export function typedArrayDType(array: ArrayBufferView): DType | undefined {
  return TYPED_ARRAY_DTYPES.get(array.constructor);
}

type Where = (k: number) => string;

/** Collates `samples` (fetched from dataset `indices`, used in error messages) with the default rules. */
export function collateSamples(
  samples: readonly unknown[],
  indices: readonly number[] | undefined,
  leaves: CollateLeaves,
  path = "batch",
): unknown {
  if (samples.length === 0) throw new CollateError("collate: cannot collate an empty batch");
  const where: Where = (k) => (indices ? `dataset index ${indices[k]}` : `sample ${k}`);
  return collate(samples, where, leaves, path);
}

function collate(samples: readonly unknown[], where: Where, leaves: CollateLeaves, path: string): unknown {
  const first = samples[0];
  const n = samples.length;
  if (leaves.isTensor(first)) {
    const { shape, dtype } = first as { shape: readonly number[]; dtype: DType };
    for (let k = 1; k < n; k++) {
      const s = samples[k];
      if (!leaves.isTensor(s)) throw kindMismatch(samples, k, where, path);
      const other = s as { shape: readonly number[]; dtype: DType };
      if (!sameShape(other.shape, shape)) {
        throw new CollateError(
          `collate: ${where(k)} has shape ${fmt(other.shape)} at ${path}, but ${where(0)} has shape ${fmt(shape)}; ` +
            "samples must have equal shapes to be stacked (pad them in a collateFn for variable-length data)",
        );
      }
      if (other.dtype !== dtype) {
        throw new CollateError(`collate: ${where(k)} has dtype ${other.dtype} at ${path}, but ${where(0)} has dtype ${dtype}`);
      }
    }
    return leaves.stack(samples);
  }
  if (ArrayBuffer.isView(first) && !(first instanceof DataView)) {
    return leaves.wrap(stackTypedArrays(samples, where, path));
  }
  switch (typeof first) {
    case "number":
      return leaves.wrap(numbersToHost(samples, where, path));
    case "bigint": {
      const data = new BigInt64Array(n);
      for (let k = 0; k < n; k++) {
        if (typeof samples[k] !== "bigint") throw kindMismatch(samples, k, where, path);
        data[k] = samples[k] as bigint;
      }
      return leaves.wrap(hostTensor("int64", [n], data));
    }
    case "boolean": {
      const data = new Uint8Array(n);
      for (let k = 0; k < n; k++) {
        if (typeof samples[k] !== "boolean") throw kindMismatch(samples, k, where, path);
        data[k] = samples[k] ? 1 : 0;
      }
      return leaves.wrap(hostTensor("bool", [n], data));
    }
    case "string":
      for (let k = 1; k < n; k++) if (typeof samples[k] !== "string") throw kindMismatch(samples, k, where, path);
      return samples.slice();
  }
  if (first === null || first === undefined) {
    throw new CollateError(`collate: ${where(0)} returned ${String(first)} at ${path}; datasets must return a value for every index`);
  }
  if (Array.isArray(first)) {
    const size = first.length;
    for (let k = 1; k < n; k++) {
      const s = samples[k];
      if (!Array.isArray(s)) throw kindMismatch(samples, k, where, path);
      if (s.length !== size) {
        throw new CollateError(
          `collate: ${where(k)} has ${s.length} elements at ${path}, but ${where(0)} has ${size}; ` +
            "each element in a list of the batch should be of equal size",
        );
      }
    }
    const out = new Array(size);
    const column = new Array(n);
    for (let j = 0; j < size; j++) {
      for (let k = 0; k < n; k++) column[k] = (samples[k] as unknown[])[j];
      out[j] = collate(column, where, leaves, `${path}[${j}]`);
    }
    return out;
  }
  if (isPlainObject(first)) {
    const keys = Object.keys(first);
    for (let k = 1; k < n; k++) {
      const s = samples[k];
      if (!isPlainObject(s)) throw kindMismatch(samples, k, where, path);
      const otherKeys = Object.keys(s);
      if (otherKeys.length !== keys.length || keys.some((key) => !(key in s))) {
        throw new CollateError(
          `collate: ${where(k)} has keys {${otherKeys.join(", ")}} at ${path}, but ${where(0)} has {${keys.join(", ")}}`,
        );
      }
    }
    const out: Record<string, unknown> = {};
    for (const key of keys) out[key] = collate(samples.map((s) => (s as Record<string, unknown>)[key]), where, leaves, `${path}.${key}`);
    return out;
  }
  throw new CollateError(
    `collate: cannot batch ${describe(first)} at ${path} (${where(0)}); the default collate handles tensors, typed arrays, ` +
      "numbers, bigints, booleans, strings, arrays and plain objects — pass a collateFn for anything else",
  );
}

function numbersToHost(samples: readonly unknown[], where: Where, path: string): HostTensor {
  const n = samples.length;
  let integral = true;
  for (let k = 0; k < n; k++) {
    const v = samples[k];
    if (typeof v !== "number") throw kindMismatch(samples, k, where, path);
    if (integral && !Number.isInteger(v)) integral = false;
  }
  if (integral) {
    const data = new BigInt64Array(n);
    for (let k = 0; k < n; k++) data[k] = BigInt(samples[k] as number);
    return hostTensor("int64", [n], data);
  }
  return hostTensor(null, [n], Float64Array.from(samples as number[]));
}

function stackTypedArrays(samples: readonly unknown[], where: Where, path: string): HostTensor {
  const first = samples[0] as ArrayBufferView & ArrayLike<number>;
  const dtype = typedArrayDType(first);
  if (!dtype) {
    throw new CollateError(
      `collate: ${where(0)} returned a ${first.constructor.name} at ${path}, which has no tensor dtype; ` +
        "use Float32Array, Float64Array, Int32Array, Int16Array, Int8Array, Uint8Array or BigInt64Array",
    );
  }
  const length = first.length;
  const n = samples.length;
  for (let k = 1; k < n; k++) {
    const s = samples[k] as ArrayLike<number>;
    if (!ArrayBuffer.isView(s) || s.constructor !== first.constructor) {
      throw new CollateError(
        `collate: ${where(k)} returned ${describe(s)} at ${path}, but ${where(0)} returned a ${first.constructor.name}`,
      );
    }
    if (s.length !== length) {
      throw new CollateError(
        `collate: ${where(k)} has shape [${s.length}] at ${path}, but ${where(0)} has shape [${length}]; ` +
          "samples must have equal shapes to be stacked (pad them in a collateFn for variable-length data)",
      );
    }
  }
  const Ctor = (first instanceof Uint8ClampedArray ? Uint8Array : first.constructor) as new (n: number) => Float32Array;
  const out = new Ctor(n * length);
  for (let k = 0; k < n; k++) out.set(samples[k] as Float32Array, k * length);
  return hostTensor(dtype, [n, length], out);
}

function kindMismatch(samples: readonly unknown[], k: number, where: Where, path: string): CollateError {
  return new CollateError(
    `collate: ${where(k)} has ${describe(samples[k])} at ${path}, but ${where(0)} has ${describe(samples[0])}; ` +
      "every sample must have the same structure",
  );
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === "object") {
    const { shape, dtype } = value as { shape?: unknown; dtype?: unknown };
    if (Array.isArray(shape) && typeof dtype === "string") return `a ${dtype} tensor of shape ${fmt(shape)}`;
    return `a ${(value as object).constructor?.name ?? "object"}`;
  }
  return `a ${typeof value}`;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function fmt(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}
