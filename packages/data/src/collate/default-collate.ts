/** The default collate on the main thread: the shared rules, with Tensor leaves. */
import { getDefaultDType, isTensor, stack, tensor, type Tensor } from "@trek/tensor";
import { collateSamples, typedArrayDType, type CollateLeaves } from "./collate-core.js";
import { fromHost, hostTensor, isPlainObject, type HostTensor } from "./host-tree.js";

/** Type of a batch produced by `defaultCollate` from samples of type `S`. */
export type Collated<S> = S extends Tensor
  ? Tensor
  : S extends number | bigint | boolean
    ? Tensor
    : S extends ArrayBufferView
      ? Tensor
      : S extends string
        ? string[]
        : S extends readonly unknown[]
          ? { -readonly [K in keyof S]: Collated<S[K]> }
          : S extends object
            ? { [K in keyof S]: Collated<S[K]> }
            : unknown;

/** Host data → a tensor on the default device (one copy into the backend's buffer). */
export function hostToTensor(host: HostTensor): Tensor {
  return tensor(host.data, { dtype: host.dtype ?? getDefaultDType(), shape: host.shape });
}

const tensorLeaves: CollateLeaves = {
  isTensor,
  stack: (values) => stack(values as Tensor[], 0),
  wrap: hostToTensor,
};

/**
 * Batches samples like PyTorch's `default_collate`: tensors and typed arrays are stacked along
 * a new first dim; numbers become an int64 tensor when all are integers, else a float32 one;
 * bigints int64, booleans bool; strings stay a list; arrays and plain objects are collated
 * element-wise (so a sample `[x, y]` gives a batch `[X, Y]`). `indices` (the dataset indices of
 * the samples) are only used to name the culprit in errors.
 * @example defaultCollate([[t1, 0], [t2, 1]])  // [stack([t1, t2]), tensor([0, 1], int64)]
 */
export function defaultCollate<S>(samples: readonly S[], indices?: readonly number[]): Collated<S> {
  return collateSamples(samples, indices, tensorLeaves) as Collated<S>;
}

/**
 * What the loader applies per sample when `batchSize` is null (no batching), like PyTorch's
 * `default_convert`: typed arrays become tensors, containers are walked, everything else is kept.
 */
export function defaultConvert<S>(sample: S): unknown {
  return convert(sample);
}

function convert(value: unknown): unknown {
  if (isTensor(value)) return value;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const dtype = typedArrayDType(value);
    if (!dtype) return value;
    return hostToTensor(hostTensor(dtype, [(value as unknown as ArrayLike<number>).length], value));
  }
  if (Array.isArray(value)) return value.map(convert);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) out[key] = convert(value[key]);
    return out;
  }
  return value;
}

/** Host tensors (from a worker) → tensors, in place of each leaf. */
export function materialize(tree: unknown): unknown {
  return fromHost(tree, hostToTensor);
}
