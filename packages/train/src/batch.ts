/** Turning whatever a loader yields into model inputs and a target, on the right device. */
import { isTensor, type Tensor } from "@trek/tensor";

/** A batch split into the model's inputs and the loss's target. */
export interface Batch {
  /** Passed to `model.call(...inputs)`. */
  inputs: Tensor[];
  /** Passed to the loss and metrics; absent for `predict` data without labels. */
  target?: Tensor;
}

/** Splits a loader's batch; the default understands `[x, y]`, `[x1, x2, …, y]`, `[x]`, `x`, `{ input, target }` and `{ x, y }`. */
export type UnpackBatch = (batch: unknown) => Batch;

/** Anything `fit`/`evaluate`/`predict` iterate: a DataLoader, or any (async) iterable of batches. */
export type BatchSource = AsyncIterable<unknown> | Iterable<unknown>;

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of ${value.length} (${value.map((v) => (isTensor(v) ? `Tensor${JSON.stringify(v.shape)}` : typeof v)).join(", ")})`;
  if (typeof value === "object") return value.constructor?.name ? `a ${value.constructor.name}` : "an object";
  return typeof value;
}

/** The default {@link UnpackBatch}: the last element of an array batch is the target. */
export function defaultUnpackBatch(batch: unknown): Batch {
  if (isTensor(batch)) return { inputs: [batch] };
  if (Array.isArray(batch) && batch.length > 0 && batch.every(isTensor)) {
    if (batch.length === 1) return { inputs: [batch[0]!] };
    return { inputs: batch.slice(0, -1), target: batch[batch.length - 1] };
  }
  if (batch && typeof batch === "object" && !Array.isArray(batch)) {
    const record = batch as Record<string, unknown>;
    const input = record.input ?? record.inputs ?? record.x;
    const target = record.target ?? record.y ?? record.label ?? record.labels;
    if (isTensor(input) && (target === undefined || isTensor(target))) return { inputs: [input], target: target as Tensor | undefined };
  }
  throw new TypeError(
    `expected a batch [inputs…, target], a tensor, or { input, target }, got ${describe(batch)}; pass unpackBatch to split other batch shapes`,
  );
}

/** The tensor on `device` (itself when already there). */
export function toDevice(t: Tensor, device: string): Tensor {
  return t.device === device ? t : t.to(device);
}

/** Batches of a source, sync or async alike. */
export async function* batchesOf(source: BatchSource, owner: string): AsyncGenerator<unknown> {
  if (source && typeof (source as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function") {
    yield* source as AsyncIterable<unknown>;
  } else if (source && typeof (source as Iterable<unknown>)[Symbol.iterator] === "function") {
    yield* source as Iterable<unknown>;
  } else {
    throw new TypeError(`${owner}: expected a DataLoader or an iterable of batches, got ${describe(source)}`);
  }
}

/** Batches per epoch when the source knows (DataLoader.length, an array's length). */
export function lengthOf(source: BatchSource): number | undefined {
  try {
    const n = (source as { length?: unknown }).length;
    return typeof n === "number" && Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/** The number of samples in a batch: the first dim of the target, else of the first input. */
export function batchSize(batch: Batch): number {
  const reference = batch.target ?? batch.inputs[0];
  if (!reference || reference.ndim === 0) return 1;
  return reference.shape[0]!;
}
