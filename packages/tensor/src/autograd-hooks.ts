/**
 * The seam between @trek/tensor and @trek/autograd. The tensor package does not import autograd:
 * ops call `recordOp`, which does nothing until an engine is installed (importing
 * @trek/autograd installs it). Gradient rules live in autograd, keyed by the op names below.
 */
import type { Tensor } from "./tensor.js";
import type { ScopedGraphNode } from "./memory.js";

export interface BackwardOptions {
  retainGraph?: boolean;
  createGraph?: boolean;
  inputs?: readonly Tensor[];
}

/** What an autograd implementation provides to the tensor layer. */
export interface AutogradEngine {
  isGradEnabled(): boolean;
  /** Records an op whose output(s) depend differentiably on inputs; sets outputs' gradFn. */
  record(op: string, inputs: readonly Tensor[], outputs: readonly Tensor[], attrs: OpAttrs): void;
  /** `t.backward(gradient, options)`. */
  backward(t: Tensor, gradient: Tensor | undefined, options: BackwardOptions): void;
  retainGrad(t: Tensor): void;
  registerHook(t: Tensor, hook: (grad: Tensor) => Tensor | void): () => void;
}

/** Op parameters a gradient rule needs (dims, shapes, scalars…). */
export type OpAttrs = Readonly<Record<string, unknown>>;

/** The node a non-leaf tensor's `gradFn` points to. */
export interface GradNode extends ScopedGraphNode {
  /** The op's name, e.g. "mul"; `gradFn.name` reads like PyTorch's `MulBackward`. */
  readonly name: string;
}

let engine: AutogradEngine | null = null;

/** Installs the autograd engine (done by importing @trek/autograd). */
export function installAutograd(e: AutogradEngine): void {
  engine = e;
}

export function getAutogradEngine(): AutogradEngine | null {
  return engine;
}

/** Whether an op on these inputs must be recorded. Hot path: keep it cheap. */
export function needsGrad(a: Tensor, b?: Tensor | null, c?: Tensor | null): boolean {
  if (engine === null) return false;
  if (!(a.requiresGrad || (b != null && b.requiresGrad) || (c != null && c.requiresGrad))) return false;
  return engine.isGradEnabled();
}

export function needsGradAny(inputs: readonly (Tensor | null | undefined)[]): boolean {
  if (engine === null) return false;
  let any = false;
  for (const t of inputs) if (t != null && t.requiresGrad) any = true;
  return any && engine.isGradEnabled();
}

/** Records an op if any input needs a gradient. */
export function recordOp(op: string, inputs: readonly Tensor[], outputs: readonly Tensor[], attrs: OpAttrs = EMPTY): void {
  if (engine === null || !needsGradAny(inputs)) return;
  engine.record(op, inputs, outputs, attrs);
}

const EMPTY: OpAttrs = Object.freeze({});

/**
 * Every op name `recordOp` is called with. @trek/autograd must have a gradient rule for each;
 * its test suite fails when one is missing.
 */
export const DIFFERENTIABLE_OPS = [
  // unary
  "neg", "abs", "sign", "exp", "expm1", "log", "log1p", "sqrt", "rsqrt", "recip", "sin", "cos", "tan",
  "tanh", "erf", "floor", "ceil", "round", "trunc",
  // activations
  "relu", "sigmoid", "silu", "gelu", "geluTanh", "softplus", "elu", "selu", "leakyRelu", "hardtanh", "mish",
  // binary
  "add", "sub", "mul", "div", "pow", "maximum", "minimum", "mod", "atan2",
  // selection, conversion
  "where", "cast", "toDevice", "clone",
  // reductions
  "sum", "prod", "amax", "amin", "cumsum",
  // views and movement
  "reshape", "permute", "expand", "slice", "select", "unfold", "flip", "asStrided", "viewScatter", "cat", "pad",
  // indexing
  "gather", "scatter", "scatterAdd", "indexSelect", "sort", "topk",
  // linear algebra and network ops
  "matmul", "conv2d", "maxPool2d", "avgPool2d", "softmax", "logSoftmax", "layerNorm",
  // gradients of network ops (for gradients of gradients)
  "conv2dBackwardInput", "conv2dBackwardWeight", "maxPool2dBackward", "avgPool2dBackward",
] as const;

export type DifferentiableOp = (typeof DIFFERENTIABLE_OPS)[number];
