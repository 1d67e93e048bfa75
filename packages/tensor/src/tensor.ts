/**
 * The Tensor class: a strided view of a reference-counted backend buffer, plus the autograd
 * slots the engine fills in. Op methods delegate to the functions in `ops/`.
 */
import type { Backend, View } from "./backend.js";
import type { DataArray, DType, TypedArray } from "./dtype.js";
import { isFloatingPoint, storageToData, itemSize } from "./dtype.js";
import { DeviceError, DisposedError, DTypeError, IndexError } from "./errors.js";
import { Storage, countTensorCreated, countTensorReleased, trackTensor } from "./memory.js";
import { getBackend, getDefaultDevice } from "./registry.js";
import { contiguousStrides, formatShape, isContiguousLayout, shapeNumel, shapeArgs, type Shape } from "./shape.js";
import { getAutogradEngine, type BackwardOptions, type GradNode } from "./autograd-hooks.js";
import { formatTensor } from "./print.js";
import * as E from "./ops/elementwise.js";
import * as R from "./ops/reduce.js";
import * as M from "./ops/movement.js";
import * as I from "./ops/indexing.js";
import * as L from "./ops/linalg.js";
import * as N from "./ops/nn.js";
import * as C from "./ops/convert.js";
import * as X from "./ops/extras.js";
import type { IndexSpec } from "./ops/indexing.js";

type Scalar = number | boolean;
type TensorOrScalar = Tensor | Scalar;

// Safety net for tensors dropped without dispose(): free their buffer when the handle is collected.
const finalizer = new FinalizationRegistry<Storage>((storage) => {
  countTensorReleased();
  storage.release();
});

/** A multi-dimensional array on some device. Create with `tensor()`, `zeros()`, `randn()`, … */
export class Tensor implements View {
  /** @internal The shared buffer. */
  _storage: Storage;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
  /** @internal Whether autograd tracks this tensor (see `requiresGrad`). */
  _requiresGrad = false;
  /** Accumulated gradient of a leaf after `backward()` (or of a non-leaf after `retainGrad()`). */
  grad: Tensor | null = null;
  /** The graph node that produced this tensor, or null for leaves. */
  gradFn: GradNode | null = null;
  /** @internal Which output of `gradFn` this tensor is. */
  _outputIndex = 0;
  /** @internal Per-tensor autograd state owned by the engine (hooks, retain-grad flag). */
  _autograd: unknown = undefined;
  /** @internal The tensor that owns the storage when this one is a view of it. */
  _base: Tensor | null = null;
  private _disposed = false;

  /**
   * `new Tensor(source)` creates another handle on `source`'s memory (same view, no copy, no
   * autograd history) — the way subclasses such as `Parameter` wrap a tensor. The other
   * signature is internal; use the creation functions (`tensor`, `zeros`, …) instead.
   */
  constructor(source: Tensor);
  /** @internal */
  constructor(storage: Storage, dtype: DType, shape: readonly number[], strides: readonly number[], offset: number);
  constructor(storageOrSource: Storage | Tensor, dtype?: DType, shape?: readonly number[], strides?: readonly number[], offset?: number) {
    if (storageOrSource instanceof Tensor) {
      const source = storageOrSource;
      source._check("new Tensor(source)");
      source._storage.retain();
      this._storage = source._storage;
      this.dtype = source.dtype;
      this.shape = source.shape;
      this.strides = source.strides;
      this.offset = source.offset;
    } else {
      this._storage = storageOrSource;
      this.dtype = dtype!;
      this.shape = shape!;
      this.strides = strides!;
      this.offset = offset!;
    }
    countTensorCreated();
    finalizer.register(this, this._storage, this);
    trackTensor(this);
  }

  // ---- metadata -----------------------------------------------------------------------------

  /** @internal The backend buffer (the View contract). */
  get buffer(): unknown {
    if (this._disposed) throw disposedError("use");
    return this._storage.buffer;
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** Number of dims, like `dim()` in PyTorch. */
  dim(): number {
    return this.shape.length;
  }

  /** Number of elements. */
  numel(): number {
    return shapeNumel(this.shape);
  }

  /** `size()` → shape; `size(d)` → the length of dim d (negative counts from the end). */
  size(): readonly number[];
  size(dim: number): number;
  size(dim?: number): number | readonly number[] {
    if (dim === undefined) return this.shape;
    const d = dim < 0 ? dim + this.ndim : dim;
    if (d < 0 || d >= this.ndim) throw new IndexError(`size: dim ${dim} out of range for a ${this.ndim}-d tensor`);
    return this.shape[d]!;
  }

  /** Strides in elements; `stride(d)` for one dim. */
  stride(): readonly number[];
  stride(dim: number): number;
  stride(dim?: number): number | readonly number[] {
    if (dim === undefined) return this.strides;
    const d = dim < 0 ? dim + this.ndim : dim;
    return this.strides[d]!;
  }

  /** The device name ("cpu", "webgpu", …). */
  get device(): string {
    return this._storage.device;
  }

  /** @internal */
  get backend(): Backend {
    return this._storage.backend;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /** Element size in bytes. */
  elementSize(): number {
    return itemSize(this.dtype);
  }

  isContiguous(): boolean {
    return isContiguousLayout(this.shape, this.strides);
  }

  isFloatingPoint(): boolean {
    return isFloatingPoint(this.dtype);
  }

  /** The number of in-place modifications of this tensor's storage (autograd's version counter). */
  get version(): number {
    return this._storage.version;
  }

  // ---- autograd -----------------------------------------------------------------------------

  /** Whether gradients flow to this tensor. Only leaves can be switched; only float tensors can require grad. */
  get requiresGrad(): boolean {
    return this._requiresGrad;
  }

  set requiresGrad(value: boolean) {
    this.requiresGrad_(value);
  }

  /** Sets `requiresGrad` in place (on leaves); returns this. */
  requiresGrad_(value = true): this {
    if (value && !isFloatingPoint(this.dtype)) {
      throw new DTypeError(`requiresGrad: only floating-point tensors can require gradients, got ${this.dtype}`);
    }
    if (!this.isLeaf && !value) {
      throw new Error(
        "requiresGrad: can only change the flag of leaf tensors; use detach() to get a tensor without history",
      );
    }
    this._requiresGrad = value;
    return this;
  }

  /** True for tensors not produced by a recorded op (user-created tensors, parameters). */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  /** Computes gradients of this tensor with respect to graph leaves (needs @trek/autograd). */
  backward(gradient?: Tensor, options: BackwardOptions = {}): void {
    const engine = getAutogradEngine();
    if (!engine) {
      throw new Error(
        "backward(): autograd is not installed. Install @trek/autograd and import it once " +
          '(import "@trek/autograd"), or import from "torchtrek" / "@trek/nn", which load it.',
      );
    }
    engine.backward(this, gradient, options);
  }

  /** Keeps `.grad` for this non-leaf tensor during backward. */
  retainGrad(): this {
    const engine = getAutogradEngine();
    if (!engine) throw new Error("retainGrad(): autograd is not installed; import @trek/autograd");
    engine.retainGrad(this);
    return this;
  }

  /** Registers a hook called with this tensor's gradient; it may return a replacement. Returns a remover. */
  registerHook(hook: (grad: Tensor) => Tensor | void): () => void {
    const engine = getAutogradEngine();
    if (!engine) throw new Error("registerHook(): autograd is not installed; import @trek/autograd");
    return engine.registerHook(this, hook);
  }

  /** A new tensor sharing storage, cut from the graph. */
  detach(): Tensor {
    return viewOf(this, this.shape, this.strides, this.offset, false);
  }

  /**
   * Makes this tensor a handle on `source`'s memory and view (dtype, shape too), like PyTorch's
   * `set_`. Used to move or convert parameters in place so that references to them stay valid.
   */
  set_(source: Tensor): this {
    this._check("set_");
    source._check("set_");
    const engine = getAutogradEngine();
    if (engine?.isGradEnabled() && this.requiresGrad && this.isLeaf) {
      throw new Error("set_: a leaf tensor that requires grad cannot be replaced while recording; wrap it in noGrad()");
    }
    source._storage.retain();
    this._storage.release();
    finalizer.unregister(this);
    const self = this as { -readonly [K in "dtype" | "shape" | "strides" | "offset"]: Tensor[K] };
    this._storage = source._storage;
    self.dtype = source.dtype;
    self.shape = source.shape;
    self.strides = source.strides;
    self.offset = source.offset;
    this._base = source._base;
    this._storage.version++;
    finalizer.register(this, this._storage, this);
    return this;
  }

  /** Cuts this tensor from the graph in place. */
  detach_(): this {
    this.gradFn = null;
    this._requiresGrad = false;
    return this;
  }

  // ---- memory -------------------------------------------------------------------------------

  /** Releases this handle; the buffer is freed when no other tensor views it. Idempotent. */
  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    finalizer.unregister(this);
    countTensorReleased();
    this._storage.release();
    this.grad?.dispose();
    this.grad = null;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** @internal Throws if disposed. */
  _check(op: string): void {
    if (this._disposed) throw disposedError(op);
  }

  // ---- reading ------------------------------------------------------------------------------

  /** The elements in row-major order (16-bit floats widened to float32, int64 as BigInt64Array). */
  async data(): Promise<DataArray> {
    this._check("data");
    const source = this.isContiguous() ? this : C.contiguousCopy(this);
    try {
      const raw = await source.backend.read(source.buffer, source.dtype, source.offset, source.numel());
      return storageToData(this.dtype, raw);
    } finally {
      if (source !== this) source.dispose();
    }
  }

  /** Synchronous `data()`, on backends that can read synchronously (cpu). */
  dataSync(): DataArray {
    return storageToData(this.dtype, this._readRawSync("dataSync"));
  }

  /** @internal Row-major elements in storage format, synchronously. */
  _readRawSync(op: string): TypedArray {
    this._check(op);
    const backend = this.backend;
    if (!backend.readSync) {
      throw new DeviceError(`${op}: the ${backend.name} backend cannot read synchronously; use await t.data() / t.item()`);
    }
    const source = this.isContiguous() ? this : C.contiguousCopy(this);
    try {
      return backend.readSync(source.buffer, source.dtype, source.offset, source.numel());
    } finally {
      if (source !== this) source.dispose();
    }
  }

  /** Nested arrays of numbers (booleans for bool tensors). */
  async tolist(): Promise<unknown> {
    return C.toNested(this, await this.data());
  }

  tolistSync(): unknown {
    return C.toNested(this, this.dataSync());
  }

  /** The value of a one-element tensor (bool tensors give 1 or 0). */
  async item(): Promise<number> {
    this._checkItem();
    return C.scalarOf(this.dtype, await this.data());
  }

  itemSync(): number {
    this._checkItem();
    return C.scalarOf(this.dtype, this.dataSync());
  }

  private _checkItem(): void {
    if (this.numel() !== 1) {
      throw new ShapeItemError(`item(): only one-element tensors can be converted to a number, got shape ${formatShape(this.shape)}`);
    }
  }

  /** PyTorch-style text, e.g. `tensor([[1., 2.]], dtype=float64)`; needs a synchronous backend. */
  toString(): string {
    if (this._disposed) return "tensor(<disposed>)";
    if (!this.backend.readSync) return `tensor(<${this.device}>, shape=${formatShape(this.shape)}, dtype=${this.dtype})`;
    return formatTensor(this, this.dataSync());
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  // ---- conversion ---------------------------------------------------------------------------

  /** Converts dtype and/or device: `to("float64")`, `to("webgpu")`, `to({ device, dtype })`. */
  to(target: DType | string | { device?: string; dtype?: DType }): Tensor {
    return C.to(this, target);
  }

  /** Moves to the CPU asynchronously (works from every backend). */
  async toAsync(device: string): Promise<Tensor> {
    return C.toAsync(this, device);
  }

  cpu(): Tensor {
    return this.to("cpu");
  }

  float(): Tensor {
    return C.cast(this, "float32");
  }
  double(): Tensor {
    return C.cast(this, "float64");
  }
  half(): Tensor {
    return C.cast(this, "float16");
  }
  bfloat16(): Tensor {
    return C.cast(this, "bfloat16");
  }
  int(): Tensor {
    return C.cast(this, "int32");
  }
  long(): Tensor {
    return C.cast(this, "int64");
  }
  short(): Tensor {
    return C.cast(this, "int16");
  }
  char(): Tensor {
    return C.cast(this, "int8");
  }
  byte(): Tensor {
    return C.cast(this, "uint8");
  }
  bool(): Tensor {
    return C.cast(this, "bool");
  }

  /** A copy with its own storage (differentiable). */
  clone(): Tensor {
    return C.clone(this);
  }

  /** This tensor if contiguous, else a contiguous copy (differentiable). */
  contiguous(): Tensor {
    return this.isContiguous() ? this : C.clone(this);
  }

  // ---- shape and views ----------------------------------------------------------------------

  reshape(...shape: (number | readonly number[])[]): Tensor {
    return M.reshape(this, shapeArgs(shape));
  }
  /** Like reshape, but fails instead of copying when the layout does not allow a view. */
  view(...shape: (number | readonly number[])[]): Tensor {
    return M.view(this, shapeArgs(shape));
  }
  viewAs(other: Tensor): Tensor {
    return M.view(this, other.shape);
  }
  reshapeAs(other: Tensor): Tensor {
    return M.reshape(this, other.shape);
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return M.flatten(this, startDim, endDim);
  }
  unflatten(dim: number, sizes: readonly number[]): Tensor {
    return M.unflatten(this, dim, sizes);
  }
  squeeze(dim?: number | readonly number[]): Tensor {
    return M.squeeze(this, dim);
  }
  unsqueeze(dim: number): Tensor {
    return M.unsqueeze(this, dim);
  }
  transpose(dim0: number, dim1: number): Tensor {
    return M.transpose(this, dim0, dim1);
  }
  swapaxes(dim0: number, dim1: number): Tensor {
    return M.transpose(this, dim0, dim1);
  }
  permute(...dims: (number | readonly number[])[]): Tensor {
    return M.permute(this, shapeArgs(dims));
  }
  movedim(source: number, destination: number): Tensor {
    return M.movedim(this, source, destination);
  }
  /** Broadcasts to a larger shape without copying; -1 keeps a dim. */
  expand(...sizes: (number | readonly number[])[]): Tensor {
    return M.expand(this, shapeArgs(sizes));
  }
  expandAs(other: Tensor): Tensor {
    return M.expand(this, other.shape);
  }
  broadcastTo(shape: readonly number[]): Tensor {
    return M.expand(this, shape);
  }
  /** Transpose of a 2-d tensor (reversed dims for other ranks). */
  get T(): Tensor {
    return M.permute(this, this.shape.map((_, i) => this.ndim - 1 - i));
  }
  /** Transpose of the last two dims. */
  get mT(): Tensor {
    return M.transpose(this, -2, -1);
  }
  t(): Tensor {
    if (this.ndim > 2) throw new IndexError(`t(): expects a tensor with <= 2 dims, got ${this.ndim}; use mT or transpose`);
    return this.T;
  }

  // ---- indexing -----------------------------------------------------------------------------

  /** The slice at `index` along `dim`, removing that dim (a view). */
  select(dim: number, index: number): Tensor {
    return M.select(this, dim, index);
  }
  /** `length` elements from `start` along `dim` (a view). */
  narrow(dim: number, start: number, length: number): Tensor {
    return M.narrow(this, dim, start, length);
  }
  /** Elements start, start+step, … before end along dim (a view). */
  slice(dim: number, start?: number, end?: number, step = 1): Tensor {
    return M.slice(this, dim, start, end, step);
  }
  /**
   * PyTorch-style indexing: numbers select, `"a:b:c"` strings or `{start, stop, step}` slice,
   * `null` inserts a dim, `"..."` skips dims, int tensors gather, bool tensors mask.
   * @example x.index(":", 0, "1::2", null)  // x[:, 0, 1::2, None]
   */
  index(...specs: IndexSpec[]): Tensor {
    return I.index(this, specs);
  }
  /** Assigns into the indexed region in place: `x.indexPut_([":", 0], value)` is `x[:, 0] = value`. */
  indexPut_(specs: readonly IndexSpec[], value: TensorOrScalar): this {
    I.indexPut(this, specs, value);
    return this;
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return I.indexSelect(this, dim, index);
  }
  gather(dim: number, index: Tensor): Tensor {
    return I.gather(this, dim, index);
  }
  scatter(dim: number, index: Tensor, src: TensorOrScalar): Tensor {
    return I.scatter(this, dim, index, src, "set", false);
  }
  scatter_(dim: number, index: Tensor, src: TensorOrScalar): this {
    I.scatter(this, dim, index, src, "set", true);
    return this;
  }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return I.scatter(this, dim, index, src, "add", false);
  }
  scatterAdd_(dim: number, index: Tensor, src: Tensor): this {
    I.scatter(this, dim, index, src, "add", true);
    return this;
  }
  maskedFill(mask: Tensor, value: TensorOrScalar): Tensor {
    return E.where(mask, value, this);
  }
  maskedFill_(mask: Tensor, value: TensorOrScalar): this {
    E.inplace(this, () => E.where(mask, value, this), "maskedFill_");
    return this;
  }
  /** Elements where mask is true, as a 1-d tensor (reads the mask: synchronous backends only). */
  maskedSelect(mask: Tensor): Tensor {
    return I.maskedSelect(this, mask);
  }
  /** Indices of non-zero elements, [count, ndim] int64 (reads data: synchronous backends only). */
  nonzero(): Tensor {
    return I.nonzero(this);
  }
  flip(...dims: (number | readonly number[])[]): Tensor {
    return M.flip(this, shapeArgs(dims));
  }
  roll(shifts: number | readonly number[], dims?: number | readonly number[]): Tensor {
    return M.roll(this, shifts, dims);
  }
  repeat(...sizes: (number | readonly number[])[]): Tensor {
    return M.repeat(this, shapeArgs(sizes));
  }
  tile(...sizes: (number | readonly number[])[]): Tensor {
    return M.tile(this, shapeArgs(sizes));
  }
  /** Splits into pieces of `size` (or the given sizes) along dim (views). */
  split(size: number | readonly number[], dim = 0): Tensor[] {
    return M.split(this, size, dim);
  }
  /** Splits into `chunks` nearly equal pieces along dim (views). */
  chunk(chunks: number, dim = 0): Tensor[] {
    return M.chunk(this, chunks, dim);
  }
  unbind(dim = 0): Tensor[] {
    return M.unbind(this, dim);
  }
  /** Sliding windows of `size` with `step` along dim, as a new last dim (a view). */
  unfold(dim: number, size: number, step: number): Tensor {
    return M.unfold(this, dim, size, step);
  }
  diagonal(offset = 0, dim1 = 0, dim2 = 1): Tensor {
    return M.diagonal(this, offset, dim1, dim2);
  }

  // ---- elementwise math ---------------------------------------------------------------------

  /** this + alpha·other */
  add(other: TensorOrScalar, alpha?: number): Tensor {
    return E.add(this, other, alpha);
  }
  sub(other: TensorOrScalar, alpha?: number): Tensor {
    return E.sub(this, other, alpha);
  }
  mul(other: TensorOrScalar): Tensor {
    return E.binary("mul", this, other);
  }
  /** True division (integers give floats); `roundingMode` "floor" or "trunc" rounds the quotient. */
  div(other: TensorOrScalar, roundingMode?: "floor" | "trunc"): Tensor {
    return E.div(this, other, roundingMode);
  }
  pow(exponent: TensorOrScalar): Tensor {
    return E.pow(this, exponent);
  }
  maximum(other: TensorOrScalar): Tensor {
    return E.binary("maximum", this, other);
  }
  minimum(other: TensorOrScalar): Tensor {
    return E.binary("minimum", this, other);
  }
  /** Python-style remainder (sign of the divisor), like `torch.remainder`. */
  remainder(other: TensorOrScalar): Tensor {
    return E.binary("mod", this, other);
  }
  /** C-style remainder (sign of the dividend), like `torch.fmod`. */
  fmod(other: TensorOrScalar): Tensor {
    return E.fmod(this, other);
  }
  floorDivide(other: TensorOrScalar): Tensor {
    return E.div(this, other, "floor");
  }
  atan2(other: TensorOrScalar): Tensor {
    return E.binary("atan2", this, other);
  }
  eq(other: TensorOrScalar): Tensor {
    return E.binary("eq", this, other);
  }
  ne(other: TensorOrScalar): Tensor {
    return E.binary("ne", this, other);
  }
  lt(other: TensorOrScalar): Tensor {
    return E.binary("lt", this, other);
  }
  le(other: TensorOrScalar): Tensor {
    return E.binary("le", this, other);
  }
  gt(other: TensorOrScalar): Tensor {
    return E.binary("gt", this, other);
  }
  ge(other: TensorOrScalar): Tensor {
    return E.binary("ge", this, other);
  }
  logicalAnd(other: TensorOrScalar): Tensor {
    return E.binary("and", this, other);
  }
  logicalOr(other: TensorOrScalar): Tensor {
    return E.binary("or", this, other);
  }
  logicalXor(other: TensorOrScalar): Tensor {
    return E.binary("xor", this, other);
  }
  logicalNot(): Tensor {
    return E.unary("not", this);
  }
  /** Whether all elements are equal and shapes match. Synchronous backends only. */
  equal(other: Tensor): boolean {
    return E.equal(this, other);
  }
  /** Elementwise |a − b| ≤ atol + rtol·|b|, like `torch.isclose`. */
  isclose(other: Tensor, rtol = 1e-5, atol = 1e-8, equalNan = false): Tensor {
    return E.isclose(this, other, rtol, atol, equalNan);
  }
  allclose(other: Tensor, rtol = 1e-5, atol = 1e-8, equalNan = false): boolean {
    const close = E.isclose(this, other, rtol, atol, equalNan);
    const result = R.all(close);
    const value = result.itemSync() === 1;
    close.dispose();
    result.dispose();
    return value;
  }

  neg(): Tensor {
    return E.unary("neg", this);
  }
  abs(): Tensor {
    return E.unary("abs", this);
  }
  sign(): Tensor {
    return E.unary("sign", this);
  }
  exp(): Tensor {
    return E.unary("exp", this);
  }
  exp2(): Tensor {
    return E.exp2(this);
  }
  expm1(): Tensor {
    return E.unary("expm1", this);
  }
  log(): Tensor {
    return E.unary("log", this);
  }
  log2(): Tensor {
    return E.logBase(this, 2);
  }
  log10(): Tensor {
    return E.logBase(this, 10);
  }
  log1p(): Tensor {
    return E.unary("log1p", this);
  }
  sqrt(): Tensor {
    return E.unary("sqrt", this);
  }
  rsqrt(): Tensor {
    return E.unary("rsqrt", this);
  }
  reciprocal(): Tensor {
    return E.unary("recip", this);
  }
  square(): Tensor {
    return E.binary("mul", this, this);
  }
  sin(): Tensor {
    return E.unary("sin", this);
  }
  cos(): Tensor {
    return E.unary("cos", this);
  }
  tan(): Tensor {
    return E.unary("tan", this);
  }
  tanh(): Tensor {
    return E.unary("tanh", this);
  }
  erf(): Tensor {
    return E.unary("erf", this);
  }
  floor(): Tensor {
    return E.unary("floor", this);
  }
  ceil(): Tensor {
    return E.unary("ceil", this);
  }
  /** Rounds half to even, like PyTorch. */
  round(): Tensor {
    return E.unary("round", this);
  }
  trunc(): Tensor {
    return E.unary("trunc", this);
  }
  frac(): Tensor {
    return E.sub(this, E.unary("trunc", this));
  }
  sigmoid(): Tensor {
    return N.activation("sigmoid", this);
  }
  relu(): Tensor {
    return N.activation("relu", this);
  }
  /** `approximate: "tanh"` uses the tanh formula. */
  gelu(approximate: "none" | "tanh" = "none"): Tensor {
    return N.activation(approximate === "tanh" ? "geluTanh" : "gelu", this);
  }
  silu(): Tensor {
    return N.activation("silu", this);
  }
  /** Clamps into [min, max]; either bound may be omitted (null/undefined). NaN stays NaN. */
  clamp(min?: TensorOrScalar | null, max?: TensorOrScalar | null): Tensor {
    return E.clamp(this, min, max);
  }
  clip(min?: TensorOrScalar | null, max?: TensorOrScalar | null): Tensor {
    return E.clamp(this, min, max);
  }
  clampMin(min: TensorOrScalar): Tensor {
    return E.clamp(this, min, null);
  }
  clampMax(max: TensorOrScalar): Tensor {
    return E.clamp(this, null, max);
  }
  isnan(): Tensor {
    return E.binary("ne", this, this);
  }
  isinf(): Tensor {
    return E.isinf(this);
  }
  isfinite(): Tensor {
    return E.isfinite(this);
  }
  nanToNum(nan = 0, posinf?: number, neginf?: number): Tensor {
    return E.nanToNum(this, nan, posinf, neginf);
  }
  /** this + weight·(end − this) */
  lerp(end: Tensor, weight: TensorOrScalar): Tensor {
    return E.add(this, E.binary("mul", E.sub(end, this), weight));
  }
  /** this + value·t1·t2 */
  addcmul(t1: Tensor, t2: Tensor, value = 1): Tensor {
    return E.add(this, E.binary("mul", t1, t2), value);
  }
  /** this + value·t1/t2 */
  addcdiv(t1: Tensor, t2: Tensor, value = 1): Tensor {
    return E.add(this, E.div(t1, t2), value);
  }

  // ---- in-place -----------------------------------------------------------------------------

  add_(other: TensorOrScalar, alpha?: number): this {
    E.inplaceBinary(this, "add", other, alpha, "add_");
    return this;
  }
  sub_(other: TensorOrScalar, alpha?: number): this {
    E.inplaceBinary(this, "sub", other, alpha, "sub_");
    return this;
  }
  mul_(other: TensorOrScalar): this {
    E.inplaceBinary(this, "mul", other, undefined, "mul_");
    return this;
  }
  div_(other: TensorOrScalar): this {
    E.inplaceBinary(this, "div", other, undefined, "div_");
    return this;
  }
  pow_(exponent: TensorOrScalar): this {
    E.inplaceBinary(this, "pow", exponent, undefined, "pow_");
    return this;
  }
  addcmul_(t1: Tensor, t2: Tensor, value = 1): this {
    E.inplace(this, () => this.addcmul(t1, t2, value), "addcmul_");
    return this;
  }
  addcdiv_(t1: Tensor, t2: Tensor, value = 1): this {
    E.inplace(this, () => this.addcdiv(t1, t2, value), "addcdiv_");
    return this;
  }
  lerp_(end: Tensor, weight: TensorOrScalar): this {
    E.inplace(this, () => this.lerp(end, weight), "lerp_");
    return this;
  }
  neg_(): this {
    E.inplaceUnary(this, "neg");
    return this;
  }
  abs_(): this {
    E.inplaceUnary(this, "abs");
    return this;
  }
  exp_(): this {
    E.inplaceUnary(this, "exp");
    return this;
  }
  log_(): this {
    E.inplaceUnary(this, "log");
    return this;
  }
  sqrt_(): this {
    E.inplaceUnary(this, "sqrt");
    return this;
  }
  tanh_(): this {
    E.inplaceUnary(this, "tanh");
    return this;
  }
  floor_(): this {
    E.inplaceUnary(this, "floor");
    return this;
  }
  round_(): this {
    E.inplaceUnary(this, "round");
    return this;
  }
  sigmoid_(): this {
    E.inplace(this, () => N.activation("sigmoid", this), "sigmoid_");
    return this;
  }
  relu_(): this {
    E.inplace(this, () => N.activation("relu", this), "relu_");
    return this;
  }
  /** In-place `tril`: zeroes the elements above diagonal `diagonal`. */
  tril_(diagonal = 0): this {
    E.inplace(this, (self) => X.tril(self, diagonal), "tril_");
    return this;
  }
  /** In-place `triu`: zeroes the elements below diagonal `diagonal`. */
  triu_(diagonal = 0): this {
    E.inplace(this, (self) => X.triu(self, diagonal), "triu_");
    return this;
  }
  clamp_(min?: TensorOrScalar | null, max?: TensorOrScalar | null): this {
    E.inplace(this, () => E.clamp(this, min, max), "clamp_");
    return this;
  }
  /** Sets every element to `value`. */
  fill_(value: TensorOrScalar): this {
    E.fill_(this, value);
    return this;
  }
  zero_(): this {
    E.fill_(this, 0);
    return this;
  }
  /** Copies `src` (broadcast, converted) into this tensor. */
  copy_(src: Tensor): this {
    E.copy_(this, src);
    return this;
  }
  /** Fills with samples from U(low, high). */
  uniform_(low = 0, high = 1, options: { generator?: import("./random.js").Generator } = {}): this {
    C.randomFill_(this, "uniform", low, high, options.generator);
    return this;
  }
  /** Fills with samples from N(mean, std²). */
  normal_(mean = 0, std = 1, options: { generator?: import("./random.js").Generator } = {}): this {
    C.randomFill_(this, "normal", mean, std, options.generator);
    return this;
  }
  /** Fills with 1 with probability p, else 0. */
  bernoulli_(p = 0.5, options: { generator?: import("./random.js").Generator } = {}): this {
    C.randomFill_(this, "bernoulli", p, 0, options.generator);
    return this;
  }

  // ---- reductions ---------------------------------------------------------------------------

  sum(dim?: number | readonly number[] | null, keepdim = false): Tensor {
    return R.sum(this, dim, keepdim);
  }
  mean(dim?: number | readonly number[] | null, keepdim = false): Tensor {
    return R.mean(this, dim, keepdim);
  }
  prod(dim?: number | null, keepdim = false): Tensor {
    return R.prod(this, dim, keepdim);
  }
  /** `max()` → the largest value; `max(dim)` → `{ values, indices }`. */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  max(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    return dim === undefined ? R.amax(this, null, false) : R.maxWithIndices(this, "max", dim, keepdim);
  }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  min(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    return dim === undefined ? R.amin(this, null, false) : R.maxWithIndices(this, "min", dim, keepdim);
  }
  /** Maximum over dims; ties share the gradient evenly. */
  amax(dim?: number | readonly number[] | null, keepdim = false): Tensor {
    return R.amax(this, dim, keepdim);
  }
  amin(dim?: number | readonly number[] | null, keepdim = false): Tensor {
    return R.amin(this, dim, keepdim);
  }
  argmax(dim?: number | null, keepdim = false): Tensor {
    return R.argReduce("argmax", this, dim, keepdim);
  }
  argmin(dim?: number | null, keepdim = false): Tensor {
    return R.argReduce("argmin", this, dim, keepdim);
  }
  /** Variance with Bessel's correction by default (`correction` = 1). */
  var(dim?: number | readonly number[] | null, options: { correction?: number; keepdim?: boolean } = {}): Tensor {
    return R.variance(this, dim, options.correction ?? 1, options.keepdim ?? false);
  }
  std(dim?: number | readonly number[] | null, options: { correction?: number; keepdim?: boolean } = {}): Tensor {
    return R.std(this, dim, options.correction ?? 1, options.keepdim ?? false);
  }
  logsumexp(dim: number | readonly number[], keepdim = false): Tensor {
    return R.logsumexp(this, dim, keepdim);
  }
  /** p-norm over dims (p = 2 by default; "fro", Infinity, 1 also accepted). */
  norm(p: number | "fro" = 2, dim?: number | readonly number[] | null, keepdim = false): Tensor {
    return R.norm(this, p, dim, keepdim);
  }
  any(dim?: number | null, keepdim = false): Tensor {
    return R.any(this, dim, keepdim);
  }
  all(dim?: number | null, keepdim = false): Tensor {
    return R.all(this, dim, keepdim);
  }
  countNonzero(dim?: number | null): Tensor {
    return R.sum(E.binary("ne", this, 0), dim, false);
  }
  cumsum(dim: number): Tensor {
    return R.cumsum(this, dim);
  }
  /** Inclusive cumulative product along dim (exact gradients also with zeros). */
  cumprod(dim: number): Tensor {
    return X.cumprod(this, dim);
  }
  /** log Σ_{i ≤ j} exp(x_i) along dim. */
  logcumsumexp(dim: number): Tensor {
    return X.logcumsumexp(this, dim);
  }
  /** Running maximum along dim with the indices where it was attained. */
  cummax(dim: number): { values: Tensor; indices: Tensor } {
    return X.cummax(this, dim);
  }
  /** Running minimum along dim with the indices where it was attained. */
  cummin(dim: number): { values: Tensor; indices: Tensor } {
    return X.cummin(this, dim);
  }
  /** Lower median of all elements, or `{ values, indices }` along dim. */
  median(): Tensor;
  median(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  median(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    return dim === undefined ? X.median(this) : X.median(this, dim, keepdim);
  }
  /** The k-th smallest value (1-based) along dim and its index. */
  kthvalue(k: number, dim = -1, keepdim = false): { values: Tensor; indices: Tensor } {
    return X.kthvalue(this, k, dim, keepdim);
  }
  /** Quantiles q ∈ [0, 1] along dim (all elements when dim is null). */
  quantile(q: number | readonly number[] | Tensor, dim: number | null = null, keepdim = false, interpolation: X.QuantileInterpolation = "linear"): Tensor {
    return X.quantile(this, q, dim, keepdim, interpolation);
  }
  /** Sum treating NaN as zero. */
  nansum(dim?: number | readonly number[] | null, keepdim = false): Tensor {
    return X.nansum(this, dim, keepdim);
  }
  /** Mean over the non-NaN elements. */
  nanmean(dim?: number | readonly number[] | null, keepdim = false): Tensor {
    return X.nanmean(this, dim, keepdim);
  }
  /** Unique elements (or slices along `dim`), sorted. */
  unique(options: X.UniqueOptions = {}): { values: Tensor; inverse?: Tensor; counts?: Tensor } {
    return X.unique(this, options);
  }
  /** Counts of each non-negative integer (weighted sums with `weights`). */
  bincount(weights: Tensor | null = null, minlength = 0): Tensor {
    return X.bincount(this, weights, minlength);
  }
  /** Sorted values and their original indices along dim (stable). */
  sort(dim = -1, descending = false): { values: Tensor; indices: Tensor } {
    return I.sort(this, dim, descending);
  }
  argsort(dim = -1, descending = false): Tensor {
    const { values, indices } = I.sort(this, dim, descending);
    values.dispose();
    return indices;
  }
  /** The k largest (or smallest) values along dim and their indices, sorted. */
  topk(k: number, dim = -1, largest = true): { values: Tensor; indices: Tensor } {
    return I.topk(this, k, dim, largest);
  }

  // ---- linear algebra and network ops -------------------------------------------------------

  matmul(other: Tensor): Tensor {
    return L.matmul(this, other);
  }
  mm(other: Tensor): Tensor {
    return L.mm(this, other);
  }
  bmm(other: Tensor): Tensor {
    return L.bmm(this, other);
  }
  dot(other: Tensor): Tensor {
    return L.dot(this, other);
  }
  mv(vector: Tensor): Tensor {
    return L.mv(this, vector);
  }
  outer(other: Tensor): Tensor {
    return L.outer(this, other);
  }
  /** Lower triangle of the last two dims (`col - row <= diagonal`); the rest are 0. */
  tril(diagonal = 0): Tensor {
    return X.tril(this, diagonal);
  }
  /** Upper triangle of the last two dims (`col - row >= diagonal`); the rest are 0. */
  triu(diagonal = 0): Tensor {
    return X.triu(this, diagonal);
  }
  /** 1-d → a square matrix with this on diagonal `offset`; 2-d → a copy of diagonal `offset`. */
  diag(offset = 0): Tensor {
    return X.diag(this, offset);
  }
  /** Sum of the main diagonal of a 2-d tensor. */
  trace(): Tensor {
    return X.trace(this);
  }
  /** `beta * this + alpha * (mat1 @ mat2)`. */
  addmm(mat1: Tensor, mat2: Tensor, options: { beta?: number; alpha?: number } = {}): Tensor {
    return X.addmm(this, mat1, mat2, options);
  }
  /** `beta * this + alpha * (batch1 @ batch2)`. */
  baddbmm(batch1: Tensor, batch2: Tensor, options: { beta?: number; alpha?: number } = {}): Tensor {
    return X.baddbmm(this, batch1, batch2, options);
  }
  /** Kronecker product with `other`. */
  kron(other: Tensor): Tensor {
    return X.kron(this, other);
  }
  softmax(dim: number): Tensor {
    return N.softmax(this, dim);
  }
  logSoftmax(dim: number): Tensor {
    return N.logSoftmax(this, dim);
  }
}

class ShapeItemError extends RangeError {
  override name = "ShapeError";
}

function disposedError(op: string): DisposedError {
  return new DisposedError(`${op}: the tensor was disposed (after dispose() or at the end of its scope)`);
}

// ---- construction helpers used by every op --------------------------------------------------

/** A new contiguous tensor whose contents are unspecified (every caller overwrites them). */
export function emptyTensor(shape: Shape, dtype: DType, device: string): Tensor {
  const backend = getBackend(device);
  const numel = shapeNumel(shape);
  if (backend.supportsDType && !backend.supportsDType(dtype)) {
    throw new DTypeError(`The ${backend.name} backend does not support dtype ${dtype}`);
  }
  const buffer = backend.alloc(dtype, numel);
  const storage = new Storage(backend, device, buffer, dtype, numel);
  return new Tensor(storage, dtype, shape.slice(), contiguousStrides(shape), 0);
}

/** A new tensor handle over `base`'s storage with other view metadata (zero copy). */
export function viewOf(base: Tensor, shape: readonly number[], strides: readonly number[], offset: number, keepBase = true): Tensor {
  base._check("view");
  base._storage.retain();
  const view = new Tensor(base._storage, base.dtype, shape, strides, offset);
  if (keepBase) view._base = base._base ?? base;
  return view;
}

/** Resolves a device option (default device when omitted). */
export function resolveDevice(device: string | undefined): string {
  return device ?? getDefaultDevice();
}

/** Throws unless all tensors live on the same device; returns their backend. */
export function sameDevice(op: string, a: Tensor, b?: Tensor | null, c?: Tensor | null): Backend {
  a._check(op);
  if (b) {
    b._check(op);
    if (b._storage.device !== a._storage.device) throw mixedDevices(op, a, b);
  }
  if (c) {
    c._check(op);
    if (c._storage.device !== a._storage.device) throw mixedDevices(op, a, c);
  }
  return a._storage.backend;
}

function mixedDevices(op: string, a: Tensor, b: Tensor): DeviceError {
  return new DeviceError(
    `${op}: expected all tensors on the same device, got ${a.device} and ${b.device}; move one with .to("${a.device}")`,
  );
}

/** Whether a value is a Tensor. */
export function isTensor(value: unknown): value is Tensor {
  return value instanceof Tensor;
}
