/** Small helpers shared by layers and functional ops: argument normalization and repr formatting. */
import { DTypeError, ShapeError, empty, formatShape, full, getDefaultDType, type DType, type Tensor } from "@trek/tensor";
import { ownedParameter, type Parameter } from "./parameter.js";

/** A size given as one number for every spatial dim, or one per dim. */
export type Size2 = number | readonly [number, number];

/** Expands `n` or `[a, b]` to a pair; `what` and `op` name the argument in errors. */
export function pair(value: Size2 | readonly number[], op: string, what: string): [number, number] {
  if (typeof value === "number") return [value, value];
  if (Array.isArray(value) && value.length === 2) return [value[0]!, value[1]!];
  if (Array.isArray(value) && value.length === 1) return [value[0]!, value[0]!];
  throw new TypeError(`${op}: ${what} must be a number or a pair of numbers, got ${JSON.stringify(value)}`);
}

/** A size given as one number for every spatial dim of a 3-d op, or one per dim (D, H, W). */
export type Size3 = number | readonly [number, number, number];

/** Expands `n` or `[a, b, c]` to a triple; `what` and `op` name the argument in errors. */
export function triple(value: Size3 | readonly number[], op: string, what: string): [number, number, number] {
  if (typeof value === "number") return [value, value, value];
  if (Array.isArray(value) && value.length === 3) return [value[0]!, value[1]!, value[2]!];
  if (Array.isArray(value) && value.length === 1) return [value[0]!, value[0]!, value[0]!];
  throw new TypeError(`${op}: ${what} must be a number or a triple of numbers, got ${JSON.stringify(value)}`);
}

/** Expands `n` or `[n]` to one number. */
export function single(value: number | readonly [number], op: string, what: string): number {
  if (typeof value === "number") return value;
  if (Array.isArray(value) && value.length === 1) return value[0]!;
  throw new TypeError(`${op}: ${what} must be a number, got ${JSON.stringify(value)}`);
}

/** Checks positive integers (sizes, channel counts). */
export function checkPositiveInt(op: string, what: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) throw new RangeError(`${op}: ${what} must be a positive integer, got ${value}`);
}

/** Python's float repr: `1.0`, `0.1`, `1e-05`. */
export function pyFloat(v: number): string {
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return `${v}.0`;
  const abs = Math.abs(v);
  if (abs < 1e-4 || abs >= 1e16) {
    const [mantissa, exponent] = v.toExponential().split("e") as [string, string];
    const sign = exponent.startsWith("-") ? "-" : "+";
    const digits = exponent.replace(/^[+-]/, "").padStart(2, "0");
    return `${mantissa}e${sign}${digits}`;
  }
  return String(v);
}

/** Python's tuple repr: `(3, 3)`, `(3,)`. */
export function pyTuple(values: readonly number[]): string {
  return values.length === 1 ? `(${values[0]},)` : `(${values.join(", ")})`;
}

/** Python's bool repr. */
export function pyBool(v: boolean): string {
  return v ? "True" : "False";
}

/** Throws a ShapeError naming the layer, the expected and the actual shape. */
export function shapeError(layer: string, expected: string, x: Tensor, hint = ""): ShapeError {
  return new ShapeError(`${layer}: expected input ${expected}, got ${formatShape(x.shape)}${hint ? `. ${hint}` : ""}`);
}

/** Throws a DTypeError naming the layer unless the input is floating point. */
export function requireFloat(layer: string, x: Tensor): void {
  if (!x.isFloatingPoint()) throw new DTypeError(`${layer}: expected a floating-point input, got ${x.dtype}`);
}

/** Where a layer creates its parameters (defaults: the default dtype and device). */
export interface FactoryOptions {
  dtype?: DType;
  device?: string;
}

/** An uninitialized parameter of `shape` (every layer initializes it right away). */
export function newParameter(shape: readonly number[], options: FactoryOptions): Parameter {
  return ownedParameter(empty(shape, { dtype: options.dtype ?? getDefaultDType(), device: options.device }));
}

/** A buffer tensor filled with `value`. */
export function newBuffer(shape: readonly number[], value: number, options: FactoryOptions & { integer?: boolean }): Tensor {
  return full(shape, value, { dtype: options.integer ? "int64" : (options.dtype ?? getDefaultDType()), device: options.device });
}
