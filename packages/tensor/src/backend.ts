/**
 * The Backend contract: what a device must implement for every TorchTrek op, autograd and
 * training to work on it.
 *
 * It is narrow on purpose. The tensor layer owns allocation accounting, view arithmetic, type
 * promotion, broadcasting and dispatch; a backend only moves bytes and runs kernels over
 * strided views, writing into a destination the tensor layer has already allocated.
 *
 * Guarantees the tensor layer gives every primitive call:
 * - `out` is freshly allocated or an in-place target that does not partially overlap the
 *   inputs (partial overlaps are routed through a temporary first);
 * - inputs already have `out`'s shape: broadcast inputs arrive with stride 0 on broadcast dims;
 * - dtypes already agree as each method's documentation states (promotion happened before);
 * - views may be non-contiguous, have any offset, and may be empty (numel 0) or 0-d.
 */
import type { DType, TypedArray } from "./dtype.js";
import type { Shape } from "./shape.js";

/** A strided window onto a backend buffer. Offsets and strides count elements, not bytes. */
export interface View {
  /** The backend's own buffer handle, as returned by `alloc`. */
  readonly buffer: unknown;
  readonly dtype: DType;
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly offset: number;
}

/** Elementwise functions of one input. `x` and `out` share a dtype, except `not` (bool → bool). */
export type UnaryOp =
  | "neg"
  | "abs"
  | "sign"
  | "exp"
  | "expm1"
  | "log"
  | "log1p"
  | "sqrt"
  | "rsqrt"
  | "recip"
  | "sin"
  | "cos"
  | "tan"
  | "tanh"
  | "erf"
  | "floor"
  | "ceil"
  | "round"
  | "trunc"
  | "not";

export const UNARY_OPS: readonly UnaryOp[] = [
  "neg", "abs", "sign", "exp", "expm1", "log", "log1p", "sqrt", "rsqrt", "recip",
  "sin", "cos", "tan", "tanh", "erf", "floor", "ceil", "round", "trunc", "not",
];

/**
 * Elementwise functions of two inputs of the same dtype.
 * Arithmetic ops write that dtype; comparisons write bool; `and`/`or`/`xor` take and write bool.
 * On integer dtypes `div` is floor division and `mod` is the floor remainder (sign of divisor),
 * as Python's `//` and `%`; division by zero yields 0. `round` is half-to-even.
 */
export type BinaryOp =
  | "add"
  | "sub"
  | "mul"
  | "div"
  | "pow"
  | "maximum"
  | "minimum"
  | "mod"
  | "atan2"
  | "eq"
  | "ne"
  | "lt"
  | "le"
  | "gt"
  | "ge"
  | "and"
  | "or"
  | "xor";

export const BINARY_OPS: readonly BinaryOp[] = [
  "add", "sub", "mul", "div", "pow", "maximum", "minimum", "mod", "atan2",
  "eq", "ne", "lt", "le", "gt", "ge", "and", "or", "xor",
];

export const COMPARISON_OPS: ReadonlySet<BinaryOp> = new Set(["eq", "ne", "lt", "le", "gt", "ge"]);
export const LOGICAL_OPS: ReadonlySet<BinaryOp> = new Set(["and", "or", "xor"]);

/**
 * Reductions over a set of dims. `out` has `x`'s rank with every reduced dim of size 1, and
 * `x`'s dtype. `max`/`min` propagate NaN. Floating sums should accumulate in at least float32
 * (16-bit inputs) and preferably in float64.
 */
export type ReduceOp = "sum" | "prod" | "max" | "min";

export const REDUCE_OPS: readonly ReduceOp[] = ["sum", "prod", "max", "min"];

/** Activation functions a backend may implement natively (each has a decomposition). */
export type ActivationOp =
  | "relu"
  | "sigmoid"
  | "silu"
  | "gelu"
  | "geluTanh"
  | "softplus"
  | "elu"
  | "selu"
  | "leakyRelu"
  | "hardtanh"
  | "mish";

export const ACTIVATION_OPS: readonly ActivationOp[] = [
  "relu", "sigmoid", "silu", "gelu", "geluTanh", "softplus", "elu", "selu", "leakyRelu", "hardtanh", "mish",
];

export interface Conv2dParams {
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly dilation: readonly [number, number];
  readonly groups: number;
}

export interface Pool2dParams {
  readonly kernelSize: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly dilation: readonly [number, number];
  /** avg pooling only: count padded cells in the divisor. */
  readonly countIncludePad: boolean;
}

/**
 * Optional kernels. Each has a reference decomposition into primitives in `@trek/tensor`, used
 * when the backend lacks it; a backend implementing none of them is complete, just slower.
 * All write into preallocated destinations. Index views are int32 or int64.
 */
export interface FastKernels {
  /** `a` [..., M, K] × `b` [..., K, N] → `out` [..., M, N]; batch dims already broadcast. Float dtypes. */
  matmul?(a: View, b: View, out: View): void;
  /** `x` [N, C, H, W], `weight` [O, C/groups, KH, KW], `bias` [O] or null → `out` [N, O, OH, OW]. */
  conv2d?(x: View, weight: View, bias: View | null, out: View, params: Conv2dParams): void;
  /** Gradient of conv2d with respect to its input: writes `dx` [N, C, H, W] (overwrites). */
  conv2dBackwardInput?(dy: View, weight: View, dx: View, params: Conv2dParams): void;
  /** Gradient of conv2d with respect to its weight: writes `dw` [O, C/groups, KH, KW] (overwrites). */
  conv2dBackwardWeight?(dy: View, x: View, dw: View, params: Conv2dParams): void;
  /**
   * Max pooling over [N, C, H, W]; `indices` receives the flat index h*W+w of each max within its
   * plane. `indices` is null when no gradient is needed and the caller did not ask for them
   * (inference): write only `out` then.
   */
  maxPool2d?(x: View, out: View, indices: View | null, params: Pool2dParams): void;
  /** Scatters `dy` back through `indices` into `dx` (overwrites `dx`). */
  maxPool2dBackward?(dy: View, indices: View, dx: View, params: Pool2dParams): void;
  avgPool2d?(x: View, out: View, params: Pool2dParams): void;
  /** Writes `dx` (overwrites). */
  avgPool2dBackward?(dy: View, dx: View, params: Pool2dParams): void;
  softmax?(x: View, dim: number, out: View): void;
  logSoftmax?(x: View, dim: number, out: View): void;
  /** dx = y ⊙ (dy − Σ dy⊙y) along dim. */
  softmaxBackward?(y: View, dy: View, dim: number, dx: View): void;
  /** dx = dy − exp(y) ⊙ Σ dy along dim. */
  logSoftmaxBackward?(y: View, dy: View, dim: number, dx: View): void;
  /**
   * Elementwise activation; `alpha` is the op's parameter (negative slope, ELU alpha, softplus
   * beta). Returns false, without writing, for ops the backend does not implement.
   */
  activation?(op: ActivationOp, x: View, out: View, alpha: number): boolean;
  /** Normalizes over the trailing `normalizedNumel` elements: writes out, and per-row mean and rstd (float32/64). */
  layerNorm?(x: View, weight: View | null, bias: View | null, eps: number, out: View, mean: View, rstd: View): void;
  /** out[i][j] = x[i][index[i][j]] along dim (gather). */
  gather?(x: View, dim: number, index: View, out: View): void;
  /** In place: out[index[i][j]] (op)= src[i][j] along dim; op "set" or "add". */
  scatter?(out: View, dim: number, index: View, src: View, reduce: "set" | "add"): void;
  /** out = x.indexSelect(dim, index), index 1-d. */
  indexSelect?(x: View, dim: number, index: View, out: View): void;
  /** First index of the max/min along dim (NaN counts as max); `out` int64 with dim kept as size 1. */
  argReduce?(op: "argmax" | "argmin", x: View, dim: number, out: View): void;
  /** Inclusive prefix sum along dim. */
  cumsum?(x: View, dim: number, out: View): void;
  /** Stable sort along dim; `indices` int64. NaN sorts as the largest value. */
  sort?(x: View, dim: number, descending: boolean, values: View, indices: View): void;
  /**
   * Fused optimizer updates, in place, over contiguous views of one dtype and shape; the math is
   * that of `sgdStep_` / `adamStep_` / `rmspropStep_` in @trek/tensor (see their decompositions).
   */
  sgdStep?(param: View, grad: View, momentumBuffer: View | null, hyper: SgdHyper): void;
  adamStep?(param: View, grad: View, expAvg: View, expAvgSq: View, maxExpAvgSq: View | null, hyper: AdamHyper): void;
  rmspropStep?(param: View, grad: View, squareAvg: View, momentumBuffer: View | null, gradAvg: View | null, hyper: RmspropHyper): void;
}

/** Hyperparameters of one SGD step. */
export interface SgdHyper {
  readonly lr: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
  readonly maximize: boolean;
  /** True on the first step: the momentum buffer is initialised with the gradient. */
  readonly firstStep: boolean;
}

/** Hyperparameters of one Adam/AdamW step. */
export interface AdamHyper {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  /** AdamW: decay the weights directly instead of adding weightDecay·param to the gradient. */
  readonly decoupledWeightDecay: boolean;
  readonly amsgrad: boolean;
  readonly maximize: boolean;
  /** The step number, from 1 (bias correction). */
  readonly step: number;
}

/** Hyperparameters of one RMSprop step. */
export interface RmspropHyper {
  readonly lr: number;
  readonly alpha: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly momentum: number;
  readonly centered: boolean;
  readonly maximize: boolean;
}

/**
 * A device implementation. Memory methods move bytes; the primitives below are the whole
 * required compute surface; `kernels` is optional acceleration.
 */
export interface Backend {
  /** The device name users pass to `.to(...)`, e.g. "cpu", "webgpu". */
  readonly name: string;
  /** Called once before first use; may be async (await `initBackend(name)` before using it then). */
  init?(): void | Promise<void>;
  /** Whether tensors of this dtype can live on this device (default: all dtypes). */
  supportsDType?(dtype: DType): boolean;
  /** Whether reads can complete synchronously (enables `dataSync()`). */
  readonly canReadSync?: boolean;

  // ---- memory -----------------------------------------------------------------------------
  /** A buffer for `numel` elements of `dtype`; its contents are unspecified (pools may recycle). */
  alloc(dtype: DType, numel: number): unknown;
  free(buffer: unknown): void;
  /** Copies host data (in storage format, see `storageArrayType`) into the buffer at an element offset. */
  write(buffer: unknown, dtype: DType, data: TypedArray, offset: number): void;
  /** Reads `numel` elements from an element offset, in storage format, into a new array the caller owns. */
  read(buffer: unknown, dtype: DType, offset: number, numel: number): Promise<TypedArray>;
  readSync?(buffer: unknown, dtype: DType, offset: number, numel: number): TypedArray;
  /** Resolves when all queued work has finished. */
  sync(): Promise<void>;
  /** Releases device resources (e.g. destroys a GPU device so the process can exit). */
  dispose?(): void | Promise<void>;

  // ---- primitives -------------------------------------------------------------------------
  unary(op: UnaryOp, x: View, out: View): void;
  binary(op: BinaryOp, a: View, b: View, out: View): void;
  /** out = cond ? a : b; `cond` is bool; `a`, `b`, `out` share a dtype. */
  where(cond: View, a: View, b: View, out: View): void;
  /** Converts dtype: float → int truncates toward zero; anything → bool is `!= 0`. */
  cast(x: View, out: View): void;
  /** See {@link ReduceOp}; `dims` are sorted and distinct. */
  reduce(op: ReduceOp, x: View, dims: readonly number[], out: View): void;
  /** Strided copy between views of equal shape and dtype (materializes any view). */
  copy(x: View, out: View): void;
  /** Sets every element of the view. */
  fill(out: View, value: number | bigint | boolean): void;

  /** Optional fast kernels. */
  readonly kernels?: FastKernels;
}
