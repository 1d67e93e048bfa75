/** TensorDataset: samples are the rows of one or more tensors with the same first dimension. */
import { IndexError, formatShape, tensor, type Tensor } from "@trek/tensor";
import { DataError } from "../errors.js";
import type { Dataset } from "./dataset.js";
import type { HostArraySpec, WorkerDatasetSpec } from "../workers/spec.js";

/**
 * Wraps tensors that share their first dimension; sample `i` is `[t0[i], t1[i], …]` (views, no copy).
 * With the default collate the loader takes whole batches with one `indexSelect` per tensor.
 * @example const ds = new TensorDataset(features, labels); const [x, y] = ds.getItem(0);
 */
export class TensorDataset implements Dataset<Tensor[]> {
  readonly tensors: readonly Tensor[];
  private shared: Promise<WorkerDatasetSpec> | undefined;

  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) throw new DataError("TensorDataset: needs at least one tensor");
    const n = tensors[0]!.ndim === 0 ? -1 : tensors[0]!.shape[0]!;
    tensors.forEach((t, i) => {
      if (t.ndim === 0 || t.shape[0] !== n) {
        throw new DataError(
          `TensorDataset: size mismatch between tensors: tensor 0 has shape ${formatShape(tensors[0]!.shape)}, ` +
            `tensor ${i} has shape ${formatShape(t.shape)} (all need the same size in dim 0)`,
        );
      }
    });
    this.tensors = tensors;
  }

  get length(): number {
    return this.tensors[0]!.shape[0]!;
  }

  getItem(index: number): Tensor[] {
    this.checkIndex(index);
    return this.tensors.map((t) => t.select(0, index));
  }

  /** The rows at `indices` of every tensor, as one batch (what the default collate would build). */
  getBatch(indices: readonly number[]): Tensor[] {
    const n = this.length;
    const rows = new Int32Array(indices.length);
    for (let i = 0; i < indices.length; i++) {
      const index = indices[i]!;
      if (!(index >= 0 && index < n) || !Number.isInteger(index)) this.checkIndex(index);
      rows[i] = index;
    }
    const out: Tensor[] = [];
    let indexTensor: Tensor | undefined;
    for (const t of this.tensors) {
      if (!indexTensor || indexTensor.device !== t.device) {
        indexTensor?.dispose();
        indexTensor = tensor(rows, { device: t.device });
      }
      out.push(t.indexSelect(0, indexTensor));
    }
    indexTensor?.dispose();
    return out;
  }

  /** Copies each tensor once into shared memory so that worker threads read it without copies. */
  workerInit(): Promise<WorkerDatasetSpec> {
    this.shared ??= shareTensors(this.tensors);
    return this.shared;
  }

  private checkIndex(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new IndexError(`TensorDataset: index ${index} is out of range for a dataset of length ${this.length}`);
    }
  }
}

async function shareTensors(tensors: readonly Tensor[]): Promise<WorkerDatasetSpec> {
  const shared: HostArraySpec[] = [];
  for (const t of tensors) {
    const data = await t.data();
    const Ctor = data.constructor as new (buffer: SharedArrayBuffer) => typeof data;
    const copy = new Ctor(new SharedArrayBuffer(data.byteLength));
    (copy as Float32Array).set(data as Float32Array);
    shared.push({ dtype: t.dtype, shape: t.shape.slice(), data: copy });
  }
  return { kind: "tensors", tensors: shared };
}
