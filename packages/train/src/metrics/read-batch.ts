/**
 * Host views of one batch for the metrics: predicted classes, target classes and values. Each
 * is read from the device once per batch, however many metrics ask for it.
 */
import { formatShape, scope, type DataArray, type Tensor } from "@trek/tensor";

/** What the classification metrics compare, one entry per sample (or per position). */
export interface ClassPairs {
  predicted: Int32Array;
  target: Int32Array;
  /** The number of classes the output can express (its last dim, or 2 for a single score). */
  outputClasses: number;
}

const predictionCache = new WeakMap<Tensor, Map<number, Promise<Int32Array>>>();
const classTargetCache = new WeakMap<Tensor, Map<Tensor, Promise<Int32Array>>>();

/** Whether `output` scores one value per sample (binary): shape [N] or [N, 1]. */
export function isBinaryOutput(output: Tensor): boolean {
  return output.ndim <= 1 || output.shape[output.ndim - 1] === 1;
}

async function readAndDispose(t: Tensor): Promise<DataArray> {
  try {
    return await t.data();
  } finally {
    t.dispose();
  }
}

function toInt32(data: DataArray, what: string): Int32Array {
  const out = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const value = Number(data[i]!);
    if (!Number.isInteger(value)) throw new TypeError(`${what}: expected class indices, got ${value} at position ${i}`);
    out[i] = value;
  }
  return out;
}

/**
 * Predicted class of each row: the argmax over the last dim, or `score > threshold` for a
 * single score per sample.
 */
export function predictedClasses(output: Tensor, threshold: number): Promise<Int32Array> {
  let byThreshold = predictionCache.get(output);
  if (!byThreshold) {
    byThreshold = new Map();
    predictionCache.set(output, byThreshold);
  }
  const key = isBinaryOutput(output) ? threshold : Number.NaN;
  let pending = byThreshold.get(key);
  if (!pending) {
    const classes = scope(() => (isBinaryOutput(output) ? output.reshape(-1).gt(threshold) : output.argmax(-1).reshape(-1)));
    pending = readAndDispose(classes).then((data) => toInt32(data, "predicted classes"));
    byThreshold.set(key, pending);
  }
  return pending;
}

/**
 * Target class of each row: class indices as given, or the argmax of one-hot / probability
 * targets shaped like a multi-class output.
 */
export function targetClasses(owner: string, output: Tensor, target: Tensor): Promise<Int32Array> {
  let byOutput = classTargetCache.get(target);
  if (!byOutput) {
    byOutput = new Map();
    classTargetCache.set(target, byOutput);
  }
  let pending = byOutput.get(output);
  if (!pending) {
    const oneHot = !isBinaryOutput(output) && target.ndim === output.ndim && target.isFloatingPoint();
    const classes = scope(() => (oneHot ? target.argmax(-1).reshape(-1) : target.reshape(-1)));
    pending = readAndDispose(classes).then((data) => toInt32(isBinaryOutput(output) ? roundBinary(data) : data, `${owner}: target`));
    byOutput.set(output, pending);
  }
  return pending;
}

function roundBinary(data: DataArray): DataArray {
  if (data instanceof BigInt64Array || data instanceof Int32Array || data instanceof Uint8Array) return data;
  const out = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = (data[i] as number) >= 0.5 ? 1 : 0;
  return out;
}

/** Predicted and target classes of a batch, checked to pair up one to one. */
export async function classPairs(owner: string, output: Tensor, target: Tensor, threshold: number): Promise<ClassPairs> {
  const [predicted, targetRows] = await Promise.all([predictedClasses(output, threshold), targetClasses(owner, output, target)]);
  if (predicted.length !== targetRows.length) {
    throw new RangeError(
      `${owner}: output ${formatShape(output.shape)} gives ${predicted.length} predictions but target ${formatShape(target.shape)} ` +
        `gives ${targetRows.length} labels; expected one class index per prediction or one-hot targets shaped like the output`,
    );
  }
  const outputClasses = isBinaryOutput(output) ? 2 : output.shape[output.ndim - 1]!;
  return { predicted, target: targetRows, outputClasses };
}

/** Output and target values as float64 rows of `columns` values, for the regression metrics. */
export async function regressionPairs(owner: string, output: Tensor, target: Tensor): Promise<{ output: Float64Array; target: Float64Array; columns: number }> {
  if (output.numel() !== target.numel()) {
    throw new RangeError(`${owner}: output ${formatShape(output.shape)} and target ${formatShape(target.shape)} have different numbers of elements (${output.numel()} vs ${target.numel()})`);
  }
  const [o, t] = await Promise.all([output.data(), target.data()]);
  const columns = target.ndim >= 2 ? target.shape[target.ndim - 1]! : 1;
  return { output: toFloat64(o), target: toFloat64(t), columns: columns === 0 ? 1 : columns };
}

function toFloat64(data: DataArray): Float64Array {
  const out = new Float64Array(data.length);
  if (data instanceof BigInt64Array) for (let i = 0; i < data.length; i++) out[i] = Number(data[i]!);
  else out.set(data);
  return out;
}
