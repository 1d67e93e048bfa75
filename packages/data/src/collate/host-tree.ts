/**
 * Host trees: batches and samples as plain data (typed arrays with dtype and shape in place of
 * tensors) so they can cross a worker boundary, with transfer lists for zero-copy moves.
 * Nothing here imports @trek/tensor at runtime: worker threads load it without a backend.
 */
import type { DType } from "@trek/tensor";

/** Marks a host tensor; a string key because symbols do not survive structured cloning. */
export const HOST_TENSOR = "@trek/data:host-tensor";

/** A tensor's contents on the host. `dtype` null means the default float dtype of the main thread. */
export interface HostTensor {
  readonly [HOST_TENSOR]: 1;
  readonly dtype: DType | null;
  readonly shape: number[];
  readonly data: ArrayBufferView;
}

export function hostTensor(dtype: DType | null, shape: number[], data: ArrayBufferView): HostTensor {
  return { [HOST_TENSOR]: 1, dtype, shape, data };
}

export function isHostTensor(value: unknown): value is HostTensor {
  return typeof value === "object" && value !== null && (value as Record<string, unknown>)[HOST_TENSOR] === 1;
}

/** The tensor surface used by worker code, without importing the Tensor class. */
export interface TensorLike {
  readonly dtype: DType;
  readonly shape: readonly number[];
  dataSync(): ArrayBufferView;
}

/** Duck-typed tensor test (a worker's @trek/tensor copy is not the main thread's class). */
export function isTensorLike(value: unknown): value is TensorLike {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as TensorLike).dataSync === "function" &&
    Array.isArray((value as TensorLike).shape) &&
    typeof (value as TensorLike).dtype === "string"
  );
}

/** Reads a tensor-like into a host tensor (a copy owned by the result). */
export function tensorLikeToHost(value: TensorLike): HostTensor {
  let data: ArrayBufferView;
  try {
    data = value.dataSync();
  } catch (err) {
    throw new TypeError(
      `cannot read a ${value.dtype} tensor of shape [${value.shape.join(", ")}] synchronously in a worker ` +
        `(${(err as Error).message}); register the CPU backend in the worker (loader option workerSetup)`,
    );
  }
  return hostTensor(value.dtype, value.shape.slice(), data);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Replaces every tensor-like in a sample or batch by a host tensor (arrays and plain objects are walked). */
export function toHost(value: unknown, convertTensors = true): unknown {
  if (isHostTensor(value)) return value;
  if (isTensorLike(value)) {
    if (!convertTensors) throw new TypeError("it contains tensors; use a TensorDataset or a worker module instead");
    return tensorLikeToHost(value);
  }
  if (Array.isArray(value)) return value.map((v) => toHost(v, convertTensors));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) out[key] = toHost(value[key], convertTensors);
    return out;
  }
  return value;
}

/** Replaces every host tensor in a tree by `wrap(host)`. */
export function fromHost(value: unknown, wrap: (host: HostTensor) => unknown): unknown {
  if (isHostTensor(value)) return wrap(value);
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = fromHost(value[i], wrap);
    return out;
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) out[key] = fromHost(value[key], wrap);
    return out;
  }
  return value;
}

/**
 * The buffers of host tensors that can be moved instead of copied: plain ArrayBuffers that the
 * view covers completely (shared memory and slices of bigger buffers are left to cloning).
 */
export function transferList(value: unknown, out: ArrayBuffer[] = [], seen = new Set<ArrayBuffer>()): ArrayBuffer[] {
  if (isHostTensor(value)) {
    const buffer = value.data.buffer;
    if (buffer instanceof ArrayBuffer && buffer.byteLength === value.data.byteLength && !seen.has(buffer)) {
      seen.add(buffer);
      out.push(buffer);
    }
  } else if (Array.isArray(value)) {
    for (const v of value) transferList(v, out, seen);
  } else if (isPlainObject(value)) {
    for (const key of Object.keys(value)) transferList(value[key], out, seen);
  }
  return out;
}
