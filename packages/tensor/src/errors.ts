/** Error types a user can catch and act on; every message names the op and the offending values. */

/** Shapes that do not fit an op (mismatch, broadcast failure, bad reshape). */
export class ShapeError extends Error {
  override name = "ShapeError";
}

/** A dtype an op does not accept, or a lossy conversion. */
export class DTypeError extends TypeError {
  override name = "DTypeError";
}

/** An index or dim out of range. */
export class IndexError extends RangeError {
  override name = "IndexError";
}

/** Device / backend problems: unknown device, mixed devices, a backend that failed to start. */
export class DeviceError extends Error {
  override name = "DeviceError";
}

/** Use of a tensor after `dispose()`. */
export class DisposedError extends Error {
  override name = "DisposedError";
}

/** A linear-algebra input the algorithm cannot handle: a singular matrix, a non-positive-definite one. */
export class LinAlgError extends Error {
  override name = "LinAlgError";
}
