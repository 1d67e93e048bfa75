/** Small helpers shared by every op front-end: operand conversion, broadcast views, error wrapping. */
import type { Backend, View } from "../backend.js";
import type { DType } from "../dtype.js";
import { encodeValue, storageArrayType } from "../dtype.js";
import { DTypeError, DeviceError, DisposedError, IndexError, ShapeError } from "../errors.js";
import { broadcastStrides, formatShape, shapesEqual, type Shape } from "../shape.js";
import { Tensor, emptyTensor } from "../tensor.js";
import { withoutRecording, decompose } from "./no-record.js";

export type Scalar = number | boolean | bigint;
export type TensorOrScalar = Tensor | number | boolean;

/** A 0-d tensor holding a JS scalar, on a device, in a dtype. */
export function scalarTensor(value: Scalar, dtype: DType, device: string): Tensor {
  const t = emptyTensor([], dtype, device);
  const data = new (storageArrayType(dtype))(1) as { [i: number]: number | bigint };
  data[0] = typeof value === "bigint" ? (dtype === "int64" ? value : Number(value)) : encodeValue(dtype, Number(value));
  t.backend.write(t.buffer, dtype, data as unknown as import("../dtype.js").TypedArray, 0);
  return t;
}

/** A view of `t` broadcast to `shape` (the tensor itself when shapes already match). */
export function broadcastView(t: Tensor, shape: Shape): View {
  if (shapesEqual(t.shape, shape)) return t;
  return {
    buffer: t.buffer,
    dtype: t.dtype,
    shape,
    strides: broadcastStrides(t.shape, t.strides, shape),
    offset: t.offset,
  };
}

/** Re-throws a backend failure with the op, backend, dtypes and shapes named. */
export function backendFailure(op: string, backend: Backend, err: unknown, ...views: (View | null | undefined)[]): never {
  // Errors of the tensor layer already name what went wrong.
  if (err instanceof DTypeError || err instanceof DeviceError || err instanceof DisposedError || err instanceof IndexError || err instanceof ShapeError) {
    throw err;
  }
  const reason = err instanceof Error ? err.message : String(err);
  const described = views
    .filter((v): v is View => v != null)
    .map((v) => `${v.dtype}${formatShape(v.shape)}`)
    .join(", ");
  const wrapped = new Error(`${op} failed on the ${backend.name} backend for ${described}: ${reason}`);
  (wrapped as { cause?: unknown }).cause = err;
  throw wrapped;
}

/** Whether two views could touch the same memory with different layouts (needs a temporary). */
export function partiallyOverlaps(target: Tensor, other: View): boolean {
  if (other.buffer !== target._storage.buffer) return false;
  if (other === target) return false;
  return !(other.offset === target.offset && shapesEqual(other.shape, target.shape) && sameStrides(other.strides, target.strides));
}

function sameStrides(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Throws when writing into `t` would hit one memory location twice (expanded views). */
export function checkWritable(t: Tensor, op: string): void {
  for (let i = 0; i < t.ndim; i++) {
    if (t.strides[i] === 0 && t.shape[i]! > 1) {
      throw new Error(
        `${op}: cannot write in place into an expanded tensor (shape ${formatShape(t.shape)}, stride 0 on dim ${i}): ` +
          `several elements share one memory location; call .clone() first`,
      );
    }
  }
}

/** Casts without recording (for internal decompositions). */
export function castRaw(t: Tensor, dtype: DType): Tensor {
  if (t.dtype === dtype) return t;
  const out = emptyTensor(t.shape, dtype, t.device);
  try {
    t.backend.cast(t, out);
  } catch (err) {
    backendFailure("cast", t.backend, err, t, out);
  }
  return out;
}

export { withoutRecording, decompose };
