/** Dtype casts, copies, device transfers, host conversion and in-place random fills. */
import type { DataArray, DType } from "../dtype.js";
import { isDType, isFloatingPoint, storageArrayType, encodeValue, getDefaultDType } from "../dtype.js";
import { DeviceError, DTypeError } from "../errors.js";
import { hasBackend } from "../registry.js";
import { Tensor, emptyTensor } from "../tensor.js";
import { recordOp, getAutogradEngine } from "../autograd-hooks.js";
import { backendFailure, checkWritable } from "./dispatch.js";
import { defaultGenerator, type Generator } from "../random.js";

/** Casts to a dtype (differentiable between float dtypes). Returns `x` itself when unchanged. */
export function cast(x: Tensor, dtype: DType): Tensor {
  x._check("cast");
  if (!isDType(dtype)) throw new DTypeError(`cast: unknown dtype ${String(dtype)}`);
  if (x.dtype === dtype) return x;
  const out = emptyTensor(x.shape, dtype, x.device);
  try {
    x.backend.cast(x, out);
  } catch (err) {
    backendFailure("cast", x.backend, err, x, out);
  }
  if (isFloatingPoint(dtype)) recordOp("cast", [x], [out], { from: x.dtype });
  return out;
}

/** A contiguous copy with its own storage (recorded as "clone"). */
export function clone(x: Tensor): Tensor {
  const out = contiguousCopy(x);
  recordOp("clone", [x], [out]);
  return out;
}

/** A contiguous copy, not recorded (internal use). */
export function contiguousCopy(x: Tensor): Tensor {
  x._check("contiguous");
  const out = emptyTensor(x.shape, x.dtype, x.device);
  try {
    x.backend.copy(x, out);
  } catch (err) {
    backendFailure("copy", x.backend, err, x, out);
  }
  return out;
}

/** Copies a tensor to another device (synchronously: the source backend must read synchronously). */
export function toDevice(x: Tensor, device: string): Tensor {
  x._check("to");
  if (!hasBackend(device)) {
    // Let the registry produce its "unknown device" message with the package to install.
    emptyTensor([0], x.dtype, device);
  }
  const source = x.isContiguous() ? x : contiguousCopy(x);
  const backend = source.backend;
  if (!backend.readSync) {
    if (source !== x) source.dispose();
    throw new DeviceError(
      `to("${device}"): the ${backend.name} backend reads asynchronously; use await t.toAsync("${device}")`,
    );
  }
  const raw = backend.readSync(source.buffer, source.dtype, source.offset, source.numel());
  if (source !== x) source.dispose();
  const out = emptyTensor(x.shape, x.dtype, device);
  out.backend.write(out.buffer, out.dtype, raw, 0);
  recordOp("toDevice", [x], [out], { from: x.device });
  return out;
}

export async function toAsync(x: Tensor, device: string): Promise<Tensor> {
  x._check("toAsync");
  if (x.device === device) return x;
  const source = x.isContiguous() ? x : contiguousCopy(x);
  const raw = await source.backend.read(source.buffer, source.dtype, source.offset, source.numel());
  if (source !== x) source.dispose();
  const out = emptyTensor(x.shape, x.dtype, device);
  out.backend.write(out.buffer, out.dtype, raw, 0);
  recordOp("toDevice", [x], [out], { from: x.device });
  return out;
}

/** `t.to(dtype | device | {device, dtype})`. Returns `t` itself when nothing changes. */
export function to(x: Tensor, target: DType | string | { device?: string; dtype?: DType }): Tensor {
  let device: string | undefined;
  let dtype: DType | undefined;
  if (typeof target === "string") {
    if (isDType(target)) dtype = target;
    else device = target;
  } else if (target && typeof target === "object") {
    device = target.device;
    dtype = target.dtype;
  } else {
    throw new TypeError(`to: expected a dtype, a device name or {device, dtype}, got ${String(target)}`);
  }
  let result = x;
  if (device !== undefined && device !== x.device) result = toDevice(result, device);
  if (dtype !== undefined && dtype !== result.dtype) {
    const casted = cast(result, dtype);
    if (result !== x) result.dispose();
    result = casted;
  }
  return result;
}

/** Builds nested arrays from row-major data. */
export function toNested(t: Tensor, data: DataArray): unknown {
  const convert =
    t.dtype === "bool"
      ? (v: number | bigint) => v !== 0
      : t.dtype === "int64"
        ? (v: number | bigint) => Number(v)
        : (v: number | bigint) => v as number;
  if (t.ndim === 0) return convert(data[0]!);
  let position = 0;
  const build = (dim: number): unknown[] => {
    const size = t.shape[dim]!;
    const out = new Array<unknown>(size);
    if (dim === t.ndim - 1) {
      for (let i = 0; i < size; i++) out[i] = convert(data[position++]!);
    } else {
      for (let i = 0; i < size; i++) out[i] = build(dim + 1);
    }
    return out;
  };
  return build(0);
}

export function scalarOf(_dtype: DType, data: DataArray): number {
  const v = data[0]!;
  return typeof v === "bigint" ? Number(v) : v;
}

/** Fills a tensor in place with random values drawn on the host from a seeded generator. */
export function randomFill_(
  target: Tensor,
  kind: "uniform" | "normal" | "bernoulli",
  a: number,
  b: number,
  generator: Generator = defaultGenerator,
): void {
  target._check(`${kind}_`);
  checkWritable(target, `${kind}_`);
  const engine = getAutogradEngine();
  if (engine?.isGradEnabled() && target.requiresGrad && target.isLeaf) {
    throw new Error(`${kind}_: a leaf tensor that requires grad is being used in an in-place operation; wrap it in noGrad()`);
  }
  if (kind !== "bernoulli" && !isFloatingPoint(target.dtype)) {
    throw new DTypeError(`${kind}_: expected a floating-point tensor, got ${target.dtype}`);
  }
  const values = sampleHost(target.dtype, target.numel(), kind, a, b, generator);
  const staging = emptyTensor(target.shape, target.dtype, target.device);
  staging.backend.write(staging.buffer, staging.dtype, values, 0);
  try {
    target.backend.copy(staging, target);
  } catch (err) {
    backendFailure(`${kind}_`, target.backend, err, staging, target);
  }
  target._storage.version++;
  staging.dispose();
}

/** Draws `n` samples into a storage-format array of `dtype`. */
export function sampleHost(
  dtype: DType,
  n: number,
  kind: "uniform" | "normal" | "bernoulli",
  a: number,
  b: number,
  generator: Generator,
) {
  const out = new (storageArrayType(dtype))(n);
  const direct = dtype === "float32" || dtype === "float64";
  const store = out as unknown as { [i: number]: number | bigint };
  for (let i = 0; i < n; i++) {
    let v: number;
    if (kind === "uniform") v = a + (b - a) * (dtype === "float64" ? generator.nextDouble() : generator.nextFloat());
    else if (kind === "normal") v = a + b * generator.nextNormal();
    else v = generator.nextDouble() < a ? 1 : 0;
    store[i] = direct ? v : encodeValue(dtype, v);
  }
  return out;
}

export { getDefaultDType };
