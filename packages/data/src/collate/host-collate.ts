/** The default collate as run inside worker threads: it builds host tensors, never Tensors. */
import type { DType } from "@trek/tensor";
import { collateSamples, typedArrayDType, type CollateLeaves } from "./collate-core.js";
import { hostTensor, isHostTensor, isPlainObject, isTensorLike, tensorLikeToHost, type HostTensor } from "./host-tree.js";

const hostLeaves: CollateLeaves = {
  isTensor: (value) => isHostTensor(value) || isTensorLike(value),
  stack(values) {
    const rows = values.map((v) => (isHostTensor(v) ? v : tensorLikeToHost(v as never)));
    const first = rows[0]!;
    const rowLength = (first.data as unknown as ArrayLike<number>).length;
    const Ctor = first.data.constructor as new (n: number) => Float32Array;
    const out = new Ctor(rows.length * rowLength);
    for (let k = 0; k < rows.length; k++) out.set(rows[k]!.data as Float32Array, k * rowLength);
    return hostTensor(first.dtype, [rows.length, ...first.shape], out);
  },
  wrap: (host) => host,
};

/** Default-collates samples into a tree of host tensors (for transfer to the main thread). */
export function hostCollate(samples: readonly unknown[], indices?: readonly number[]): unknown {
  return collateSamples(samples, indices, hostLeaves);
}

/** Rows `indices` of a host tensor stacked into a new host tensor (TensorDataset batches in workers). */
export function gatherRows(source: { dtype: DType; shape: number[]; data: ArrayBufferView }, indices: readonly number[]): HostTensor {
  const rowShape = source.shape.slice(1);
  let rowLength = 1;
  for (const s of rowShape) rowLength *= s;
  const data = source.data as Float32Array;
  const out = new (data.constructor as new (n: number) => Float32Array)(indices.length * rowLength);
  for (let k = 0; k < indices.length; k++) {
    const start = indices[k]! * rowLength;
    out.set(data.subarray(start, start + rowLength), k * rowLength);
  }
  return hostTensor(source.dtype, [indices.length, ...rowShape], out);
}

/** `defaultConvert` for workers: typed arrays and tensors become host tensors. */
export function hostConvert(value: unknown): unknown {
  if (isHostTensor(value)) return value;
  if (isTensorLike(value)) return tensorLikeToHost(value);
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const dtype = typedArrayDType(value);
    return dtype ? hostTensor(dtype, [(value as unknown as ArrayLike<number>).length], value) : value;
  }
  if (Array.isArray(value)) return value.map(hostConvert);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) out[key] = hostConvert(value[key]);
    return out;
  }
  return value;
}
