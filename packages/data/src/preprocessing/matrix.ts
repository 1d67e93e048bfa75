/** Input handling shared by the preprocessing classes: tensors or nested arrays of features. */
import { isFloatingPoint, isTensor, tensor, formatShape, type Tensor } from "@trek/tensor";
import { DataError } from "../errors.js";

/** A feature matrix: a 2-d tensor [samples, features] or rows of numbers. */
export type FeatureMatrix = Tensor | readonly (readonly number[])[];

/** The input as a 2-d floating-point tensor (arrays become the default float dtype). */
export function toFeatureTensor(op: string, x: FeatureMatrix): Tensor {
  const t = isTensor(x) ? x : tensor(x as number[][]);
  if (t.ndim !== 2) throw new DataError(`${op}: expected a 2-d input [samples, features], got shape ${formatShape(t.shape)}`);
  return isFloatingPoint(t.dtype) ? t : t.float();
}

/** Throws naming the first column with NaN or ±Infinity (checked where the backend reads synchronously). */
export function assertFinite(op: string, x: Tensor): void {
  if (!x.backend.readSync) return;
  const finite = x.isfinite().all(0);
  const flags = finite.dataSync();
  finite.dispose();
  for (let j = 0; j < flags.length; j++) {
    if (!flags[j]) throw new DataError(`${op}: column ${j} contains NaN or infinity; clean or impute it first`);
  }
}

export function checkFeatures(op: string, x: Tensor, expected: number): void {
  if (x.shape[1] !== expected) {
    throw new DataError(`${op}: X has ${x.shape[1]} features, but the transformer was fitted with ${expected} features`);
  }
}

export function notFitted(op: string, name: string): DataError {
  return new DataError(`${op}: this ${name} is not fitted yet; call fit() first`);
}
