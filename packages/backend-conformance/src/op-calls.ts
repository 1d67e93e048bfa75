/** Each backend primitive reached through the public Tensor API, the way users call it. */
import type { ActivationOp, BinaryOp, ReduceOp, Tensor, UnaryOp } from "@trek/tensor";
import { activation } from "@trek/tensor";

export type Operand = Tensor | number | boolean;

/** Tensor method per unary primitive (typed as a Record so a new primitive fails to compile here). */
export const UNARY_CALLS: Readonly<Record<UnaryOp, (x: Tensor) => Tensor>> = {
  neg: (x) => x.neg(),
  abs: (x) => x.abs(),
  sign: (x) => x.sign(),
  exp: (x) => x.exp(),
  expm1: (x) => x.expm1(),
  log: (x) => x.log(),
  log1p: (x) => x.log1p(),
  sqrt: (x) => x.sqrt(),
  rsqrt: (x) => x.rsqrt(),
  recip: (x) => x.reciprocal(),
  sin: (x) => x.sin(),
  cos: (x) => x.cos(),
  tan: (x) => x.tan(),
  tanh: (x) => x.tanh(),
  erf: (x) => x.erf(),
  floor: (x) => x.floor(),
  ceil: (x) => x.ceil(),
  round: (x) => x.round(),
  trunc: (x) => x.trunc(),
  not: (x) => x.logicalNot(),
};

/** Tensor method per binary primitive. */
export const BINARY_CALLS: Readonly<Record<BinaryOp, (a: Tensor, b: Operand) => Tensor>> = {
  add: (a, b) => a.add(b),
  sub: (a, b) => a.sub(b),
  mul: (a, b) => a.mul(b),
  div: (a, b) => a.div(b),
  pow: (a, b) => a.pow(b),
  maximum: (a, b) => a.maximum(b),
  minimum: (a, b) => a.minimum(b),
  mod: (a, b) => a.remainder(b),
  atan2: (a, b) => a.atan2(b),
  eq: (a, b) => a.eq(b),
  ne: (a, b) => a.ne(b),
  lt: (a, b) => a.lt(b),
  le: (a, b) => a.le(b),
  gt: (a, b) => a.gt(b),
  ge: (a, b) => a.ge(b),
  and: (a, b) => a.logicalAnd(b),
  or: (a, b) => a.logicalOr(b),
  xor: (a, b) => a.logicalXor(b),
};

/** Binary ops built from the primitives in the tensor layer, checked like the primitives. */
export const DERIVED_BINARY_CALLS: Readonly<Record<string, (a: Tensor, b: Operand) => Tensor>> = {
  fmod: (a, b) => a.fmod(b),
  floorDivide: (a, b) => a.div(b, "floor"),
  truncDivide: (a, b) => a.div(b, "trunc"),
};

/** Tensor method per reduction primitive, over the given dims. */
export const REDUCE_CALLS: Readonly<Record<ReduceOp, (x: Tensor, dims: readonly number[] | null, keepdim: boolean) => Tensor>> = {
  sum: (x, dims, keepdim) => x.sum(dims, keepdim),
  prod: (x, dims, keepdim) => {
    if (dims !== null && dims.length > 1) throw new Error("prod reduces over one dim or all dims");
    return x.prod(dims === null ? null : dims[0]!, keepdim);
  },
  max: (x, dims, keepdim) => x.amax(dims, keepdim),
  min: (x, dims, keepdim) => x.amin(dims, keepdim),
};

/** Each activation with its default parameter, and a second parameter value where it has one. */
export const ACTIVATION_PARAMETERS: Readonly<Record<ActivationOp, readonly (number | undefined)[]>> = {
  relu: [undefined],
  sigmoid: [undefined],
  silu: [undefined],
  gelu: [undefined],
  geluTanh: [undefined],
  softplus: [undefined, 2],
  elu: [undefined, 0.5],
  selu: [undefined],
  leakyRelu: [undefined, 0.2],
  hardtanh: [undefined],
  mish: [undefined],
};

export function callActivation(op: ActivationOp, x: Tensor, alpha?: number): Tensor {
  return activation(op, x, alpha);
}
