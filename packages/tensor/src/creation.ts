/** Tensor creation: from JS data, constant fills, ranges, identity and seeded random tensors. */
import type { DType, TypedArray } from "./dtype.js";
import { encodeValue, getDefaultDType, isDType, isFloatingPoint, storageArrayType } from "./dtype.js";
import { DTypeError, ShapeError } from "./errors.js";
import { checkShape, formatShape, shapeArgs, shapeNumel } from "./shape.js";
import { Tensor, emptyTensor, resolveDevice } from "./tensor.js";
import { defaultGenerator, type Generator } from "./random.js";
import { sampleHost } from "./ops/convert.js";

/** Options accepted by every creation function. */
export interface TensorOptions {
  dtype?: DType;
  /** Device name; defaults to the default device (see `setDefaultDevice`). */
  device?: string;
  requiresGrad?: boolean;
}

export interface RandomOptions extends TensorOptions {
  generator?: Generator;
}

/** Nested arrays of numbers/booleans/bigints, as accepted by `tensor()`. */
export type NestedArray = number | boolean | bigint | readonly NestedArray[];

function finish(t: Tensor, options: TensorOptions | undefined): Tensor {
  if (options?.requiresGrad) t.requiresGrad_(true);
  return t;
}

function checkDType(op: string, dtype: DType | undefined): void {
  if (dtype !== undefined && !isDType(dtype)) throw new DTypeError(`${op}: unknown dtype ${JSON.stringify(dtype)}`);
}

function typedArrayDType(data: ArrayBufferView): DType | undefined {
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Float64Array) return "float64";
  if (data instanceof Int32Array) return "int32";
  if (data instanceof Int16Array) return "int16";
  if (data instanceof Int8Array) return "int8";
  if (data instanceof Uint8Array || data instanceof Uint8ClampedArray) return "uint8";
  if (data instanceof BigInt64Array) return "int64";
  return undefined;
}

/** Writes host values (JS numbers/booleans/bigints) into a new tensor's storage. */
function fromFlat(values: ArrayLike<number | boolean | bigint>, shape: readonly number[], dtype: DType, device: string): Tensor {
  const n = values.length;
  const storage = new (storageArrayType(dtype))(n) as unknown as { [i: number]: number | bigint };
  if (dtype === "int64") {
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      storage[i] = typeof v === "bigint" ? v : BigInt(Math.trunc(Number(v)));
    }
  } else if (dtype === "float16" || dtype === "bfloat16" || dtype === "bool") {
    for (let i = 0; i < n; i++) storage[i] = encodeValue(dtype, Number(values[i]));
  } else {
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      storage[i] = typeof v === "number" ? v : Number(v);
    }
  }
  const t = emptyTensor(shape, dtype, device);
  t.backend.write(t.buffer, dtype, storage as unknown as TypedArray, 0);
  return t;
}

/**
 * Creates a tensor from nested arrays, a typed array, or a scalar (data is copied).
 * Numbers give float32 (the default dtype: JS cannot tell 1 from 1.0), booleans bool, bigints
 * int64, typed arrays their own dtype. `shape` reshapes flat typed-array data.
 */
export function tensor(data: NestedArray | ArrayBufferView | Tensor, options: TensorOptions & { shape?: readonly number[] } = {}): Tensor {
  checkDType("tensor", options.dtype);
  const device = resolveDevice(options.device);
  if (data instanceof Tensor) {
    const detached = data.detach();
    const moved = detached.to({ device, dtype: options.dtype ?? data.dtype });
    const owned = moved === detached ? detached.clone() : moved;
    detached.dispose();
    return finish(owned, options);
  }
  if (ArrayBuffer.isView(data)) {
    const inferred = typedArrayDType(data);
    if (!inferred && !options.dtype) {
      throw new DTypeError(`tensor: cannot infer a dtype from ${data.constructor.name}; pass { dtype }`);
    }
    const view = data as unknown as ArrayLike<number | bigint>;
    const shape = options.shape ? checkShape("tensor", options.shape) : [view.length];
    if (shapeNumel(shape) !== view.length) {
      throw new ShapeError(`tensor: shape ${formatShape(shape)} needs ${shapeNumel(shape)} elements, the data has ${view.length}`);
    }
    const dtype = options.dtype ?? inferred!;
    if (dtype === inferred && dtype !== "float16" && dtype !== "bfloat16") {
      const t = emptyTensor(shape, dtype, device);
      t.backend.write(t.buffer, dtype, data as TypedArray, 0);
      return finish(t, options);
    }
    return finish(fromFlat(view, shape, dtype, device), options);
  }
  const shape: number[] = [];
  const flat: (number | boolean | bigint)[] = [];
  let kind: "bool" | "int" | "float" | undefined;
  const visit = (value: NestedArray, depth: number, path: string): void => {
    if (Array.isArray(value)) {
      if (depth === shape.length) shape.push(value.length);
      else if (shape[depth] !== value.length) {
        throw new ShapeError(
          `tensor: ragged nested array: ${path || "data"} has length ${value.length}, expected ${shape[depth]} (dim ${depth})`,
        );
      }
      for (let i = 0; i < value.length; i++) visit(value[i]!, depth + 1, `${path}[${i}]`);
      return;
    }
    if (depth !== shape.length) {
      throw new ShapeError(`tensor: ragged nested array: ${path || "data"} is a scalar where a list was expected (dim ${depth})`);
    }
    if (typeof value === "boolean") kind ??= "bool";
    else if (typeof value === "bigint") kind = kind === "float" ? "float" : "int";
    else if (typeof value === "number") kind = "float";
    else throw new DTypeError(`tensor: unsupported element ${String(value)} at ${path || "data"}`);
    flat.push(value);
  };
  visit(data as NestedArray, 0, "");
  const dtype = options.dtype ?? (kind === "bool" ? "bool" : kind === "int" ? "int64" : getDefaultDType());
  return finish(fromFlat(flat, shape, dtype, device), options);
}

type ShapeInput = (number | readonly number[])[];

function splitShapeAndOptions<O>(args: readonly unknown[]): { shape: number[]; options: O } {
  const last = args[args.length - 1];
  const hasOptions = last !== undefined && typeof last === "object" && !Array.isArray(last);
  const shapePart = (hasOptions ? args.slice(0, -1) : args) as ShapeInput;
  return { shape: checkShape("shape", shapeArgs(shapePart)), options: (hasOptions ? last : {}) as O };
}

/** A tensor filled with `value` (dtype from the value unless given). */
export function full(shape: readonly number[], value: number | boolean, options: TensorOptions = {}): Tensor {
  checkDType("full", options.dtype);
  const dtype = options.dtype ?? (typeof value === "boolean" ? "bool" : getDefaultDType());
  const t = emptyTensor(checkShape("full", shape), dtype, resolveDevice(options.device));
  t.backend.fill(t, dtype === "int64" ? BigInt(Math.trunc(Number(value))) : value);
  return finish(t, options);
}

/** `zeros(2, 3)`, `zeros([2, 3], { dtype })`. */
export function zeros(...args: (number | readonly number[] | TensorOptions)[]): Tensor {
  const { shape, options } = splitShapeAndOptions<TensorOptions>(args);
  return full(shape, 0, options);
}

export function ones(...args: (number | readonly number[] | TensorOptions)[]): Tensor {
  const { shape, options } = splitShapeAndOptions<TensorOptions>(args);
  return full(shape, 1, options);
}

/** A tensor whose contents are unspecified (cheapest to create; overwrite before reading). */
export function empty(...args: (number | readonly number[] | TensorOptions)[]): Tensor {
  const { shape, options } = splitShapeAndOptions<TensorOptions>(args);
  checkDType("empty", options.dtype);
  return finish(emptyTensor(shape, options.dtype ?? getDefaultDType(), resolveDevice(options.device)), options);
}

function likeOptions(t: Tensor, options: TensorOptions): TensorOptions {
  return { dtype: options.dtype ?? t.dtype, device: options.device ?? t.device, requiresGrad: options.requiresGrad };
}

export function zerosLike(t: Tensor, options: TensorOptions = {}): Tensor {
  return full(t.shape, 0, likeOptions(t, options));
}
export function onesLike(t: Tensor, options: TensorOptions = {}): Tensor {
  return full(t.shape, 1, likeOptions(t, options));
}
export function fullLike(t: Tensor, value: number | boolean, options: TensorOptions = {}): Tensor {
  return full(t.shape, value, likeOptions(t, options));
}
export function emptyLike(t: Tensor, options: TensorOptions = {}): Tensor {
  const o = likeOptions(t, options);
  return finish(emptyTensor(t.shape, o.dtype!, o.device!), o);
}
export function randLike(t: Tensor, options: RandomOptions = {}): Tensor {
  return rand(t.shape, { ...likeOptions(t, options), generator: options.generator });
}
export function randnLike(t: Tensor, options: RandomOptions = {}): Tensor {
  return randn(t.shape, { ...likeOptions(t, options), generator: options.generator });
}

/**
 * `arange(end)`, `arange(start, end, step?)`, each with options last (`arange(12, { dtype })`).
 * Integer arguments give int64 (like PyTorch's `arange(5)`); any fractional argument gives the
 * default float dtype.
 */
export function arange(end: number, options?: TensorOptions): Tensor;
export function arange(start: number, end: number, step?: number | TensorOptions, options?: TensorOptions): Tensor;
export function arange(start: number, end?: number | TensorOptions, step?: number | TensorOptions, options?: TensorOptions): Tensor {
  let opts = options ?? {};
  let s = start;
  let e = end;
  let st = 1;
  if (typeof e === "object" && e !== null) {
    opts = e;
    e = undefined;
  }
  if (typeof step === "object" && step !== null) opts = step;
  else if (step !== undefined) st = step;
  if (e === undefined) {
    e = s;
    s = 0;
  }
  for (const [what, value] of [["start", s], ["end", e], ["step", st]] as const) {
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new TypeError(`arange: ${what} must be a finite number, got ${String(value)}`);
    }
  }
  if (st === 0) throw new RangeError("arange: step must be non-zero");
  if ((e - s) / st < 0) throw new RangeError(`arange: upper bound and step are inconsistent (start ${s}, end ${e}, step ${st})`);
  checkDType("arange", opts.dtype);
  const integral = Number.isInteger(s) && Number.isInteger(e) && Number.isInteger(st);
  const dtype = opts.dtype ?? (integral ? "int64" : getDefaultDType());
  const n = Math.max(Math.ceil((e - s) / st), 0);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = s + i * st;
  return finish(fromFlat(values, [n], dtype, resolveDevice(opts.device)), opts);
}

/** `steps` evenly spaced values from start to end inclusive. */
export function linspace(start: number, end: number, steps: number, options: TensorOptions = {}): Tensor {
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`linspace: steps must be a non-negative integer, got ${steps}`);
  checkDType("linspace", options.dtype);
  const values = new Float64Array(steps);
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  const half = Math.floor(steps / 2);
  // Fill from both ends so that the last value is exactly `end`.
  for (let i = 0; i < steps; i++) values[i] = i < half ? start + i * step : end - (steps - 1 - i) * step;
  return finish(fromFlat(values, [steps], options.dtype ?? getDefaultDType(), resolveDevice(options.device)), options);
}

/** Identity matrix n×m. */
export function eye(n: number, m: number | TensorOptions = n, options: TensorOptions = {}): Tensor {
  let cols = n;
  let opts = options;
  if (typeof m === "object") opts = m;
  else cols = m;
  const t = full([n, cols], 0, { ...opts, requiresGrad: false });
  const diagonal = Math.min(n, cols);
  if (diagonal > 0) {
    t.backend.fill({ buffer: t.buffer, dtype: t.dtype, shape: [diagonal], strides: [cols + 1], offset: 0 }, 1);
  }
  return finish(t, opts);
}

function randomTensor(op: string, kind: "uniform" | "normal", a: number, b: number, shape: number[], options: RandomOptions): Tensor {
  checkDType(op, options.dtype);
  const dtype = options.dtype ?? getDefaultDType();
  if (!isFloatingPoint(dtype)) throw new DTypeError(`${op}: expected a floating-point dtype, got ${dtype}`);
  const values = sampleHost(dtype, shapeNumel(shape), kind, a, b, options.generator ?? defaultGenerator);
  const t = emptyTensor(shape, dtype, resolveDevice(options.device));
  t.backend.write(t.buffer, dtype, values, 0);
  return finish(t, options);
}

/** Uniform samples in [0, 1). */
export function rand(...args: (number | readonly number[] | RandomOptions)[]): Tensor {
  const { shape, options } = splitShapeAndOptions<RandomOptions>(args);
  return randomTensor("rand", "uniform", 0, 1, shape, options);
}

/** Standard normal samples. */
export function randn(...args: (number | readonly number[] | RandomOptions)[]): Tensor {
  const { shape, options } = splitShapeAndOptions<RandomOptions>(args);
  return randomTensor("randn", "normal", 0, 1, shape, options);
}

/** Uniform integers in [low, high) (int64 by default). */
export function randint(low: number, high: number, shape: readonly number[], options: RandomOptions = {}): Tensor {
  checkDType("randint", options.dtype);
  const dims = checkShape("randint", shape);
  const generator = options.generator ?? defaultGenerator;
  const n = shapeNumel(dims);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = generator.nextInt(low, high);
  return fromFlat(values, dims, options.dtype ?? "int64", resolveDevice(options.device));
}

/** A random permutation of 0..n-1 (int64 by default). */
export function randperm(n: number, options: RandomOptions = {}): Tensor {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`randperm: n must be a non-negative integer, got ${n}`);
  const generator = options.generator ?? defaultGenerator;
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = generator.nextInt(0, i + 1);
    const tmp = values[i]!;
    values[i] = values[j]!;
    values[j] = tmp;
  }
  return fromFlat(values, [n], options.dtype ?? "int64", resolveDevice(options.device));
}

/** 0/1 samples with probability `p` (a number or a tensor of probabilities), like `torch.bernoulli`. */
export function bernoulli(p: Tensor | number, options: RandomOptions & { shape?: readonly number[] } = {}): Tensor {
  const generator = options.generator ?? defaultGenerator;
  if (typeof p === "number") {
    const shape = checkShape("bernoulli", options.shape ?? []);
    const values = new Float64Array(shapeNumel(shape));
    for (let i = 0; i < values.length; i++) values[i] = generator.nextDouble() < p ? 1 : 0;
    return fromFlat(values, shape, options.dtype ?? getDefaultDType(), resolveDevice(options.device));
  }
  const probabilities = p.to("float64").dataSync() as Float64Array;
  const values = new Float64Array(probabilities.length);
  for (let i = 0; i < values.length; i++) values[i] = generator.nextDouble() < probabilities[i]! ? 1 : 0;
  return fromFlat(values, p.shape, options.dtype ?? p.dtype, p.device);
}
