/**
 * @trek/tensor — tensors, dtypes, views, the Backend contract, the backend registry, op
 * dispatch with decompositions, seeded random numbers and memory scopes.
 * @packageDocumentation
 */
export { Tensor, isTensor } from "./tensor.js";
export type { IndexSpec } from "./ops/indexing.js";
export type { TensorOrScalar } from "./ops/dispatch.js";
export type { Conv2dOptions, Pool2dOptions } from "./ops/nn.js";
export type { PadMode } from "./ops/movement.js";

export {
  tensor,
  zeros,
  ones,
  empty,
  full,
  arange,
  linspace,
  eye,
  rand,
  randn,
  randint,
  randperm,
  bernoulli,
  zerosLike,
  onesLike,
  fullLike,
  emptyLike,
  randLike,
  randnLike,
} from "./creation.js";
export type { TensorOptions, RandomOptions, NestedArray } from "./creation.js";

export * from "./functions.js";
export { linalg, inverse, det } from "./ops/torch-linalg.js";
export type { MatrixNormOrd, SolveOptions, CholeskyOptions, SolveTriangularOptions, QrOptions, EighOptions, SvdOptions, RankToleranceOptions } from "./ops/torch-linalg.js";

export {
  DTYPES,
  itemSize,
  isFloatingPoint,
  isIntegral,
  isDType,
  promoteTypes,
  resultType,
  getDefaultDType,
  setDefaultDType,
  storageArrayType,
  float32ToFloat16Bits,
  float16BitsToFloat32,
  float32ToBFloat16Bits,
  bfloat16BitsToFloat32,
} from "./dtype.js";
export type { DType, TypedArray, DataArray } from "./dtype.js";

export {
  broadcastShapes,
  contiguousStrides,
  isContiguousLayout,
  shapeNumel,
  formatShape,
  shapesEqual,
  collapseDims,
} from "./shape.js";
export type { Shape, CollapsedDims } from "./shape.js";

export { UNARY_OPS, BINARY_OPS, REDUCE_OPS, ACTIVATION_OPS, COMPARISON_OPS, LOGICAL_OPS } from "./backend.js";
export type {
  Backend,
  View,
  UnaryOp,
  BinaryOp,
  ReduceOp,
  ActivationOp,
  FastKernels,
  Conv2dParams,
  Pool2dParams,
  SgdHyper,
  AdamHyper,
  RmspropHyper,
} from "./backend.js";
export { sgdStep_, adamStep_, rmspropStep_ } from "./ops/optimizer.js";
export { withoutRecording } from "./ops/no-record.js";

export {
  registerBackend,
  removeBackend,
  getBackend,
  initBackend,
  ready,
  listBackends,
  hasBackend,
  setDefaultDevice,
  getDefaultDevice,
  disposeBackends,
} from "./registry.js";
export type { RegisterOptions } from "./registry.js";

export { memory, scope, scopeAsync, keep, isKept, dispose, trackGraphNode, untracked } from "./memory.js";
export type { MemoryInfo, AsyncScope, ScopedGraphNode } from "./memory.js";

export { Generator, manualSeed, defaultGenerator, seedFrom } from "./random.js";

export { installAutograd, getAutogradEngine, DIFFERENTIABLE_OPS } from "./autograd-hooks.js";
export type { AutogradEngine, BackwardOptions, GradNode, OpAttrs, DifferentiableOp } from "./autograd-hooks.js";

export { ShapeError, DTypeError, IndexError, DeviceError, DisposedError, LinAlgError } from "./errors.js";
