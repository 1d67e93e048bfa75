/** Gradient rules of elementwise ops, written as tensor ops so they differentiate again. */
import { zeros, where, erf, softplus } from "@trek/tensor";
import type { Tensor } from "@trek/tensor";
import { rule, type GradContext, type GradRules } from "./types.js";

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

const zerosFor = (ctx: GradContext): Tensor => zeros(ctx.inputMeta[0]!.shape, { dtype: ctx.inputMeta[0]!.dtype, device: ctx.inputMeta[0]!.device });

export const unaryRules: GradRules = {
  neg: rule("", ({ dy }) => [dy.neg()]),
  abs: rule("x", ({ dy, x }) => [dy.mul(x.sign())]),
  sign: rule("", (ctx) => [zerosFor(ctx)]),
  floor: rule("", (ctx) => [zerosFor(ctx)]),
  ceil: rule("", (ctx) => [zerosFor(ctx)]),
  round: rule("", (ctx) => [zerosFor(ctx)]),
  trunc: rule("", (ctx) => [zerosFor(ctx)]),
  exp: rule("y", ({ dy, y }) => [dy.mul(y)]),
  expm1: rule("y", ({ dy, y }) => [dy.mul(y.add(1))]),
  log: rule("x", ({ dy, x }) => [dy.div(x)]),
  log1p: rule("x", ({ dy, x }) => [dy.div(x.add(1))]),
  sqrt: rule("y", ({ dy, y }) => [dy.div(y.mul(2))]),
  rsqrt: rule("y", ({ dy, y }) => [dy.mul(y.pow(3)).mul(-0.5)]),
  recip: rule("y", ({ dy, y }) => [dy.mul(y.mul(y)).neg()]),
  sin: rule("x", ({ dy, x }) => [dy.mul(x.cos())]),
  cos: rule("x", ({ dy, x }) => [dy.mul(x.sin()).neg()]),
  tan: rule("y", ({ dy, y }) => [dy.mul(y.mul(y).add(1))]),
  tanh: rule("y", ({ dy, y }) => [dy.mul(y.mul(y).neg().add(1))]),
  erf: rule("x", ({ dy, x }) => [dy.mul(x.mul(x).neg().exp().mul(TWO_OVER_SQRT_PI))]),
};

function sigmoidOf(t: Tensor): Tensor {
  return t.sigmoid();
}

export const activationRules: GradRules = {
  // Like PyTorch's threshold_backward: the gradient passes where x > 0 (and at NaN).
  relu: rule("x", ({ dy, x }) => [where(x.le(0), 0, dy)]),
  sigmoid: rule("y", ({ dy, y }) => [dy.mul(y).mul(y.neg().add(1))]),
  silu: rule("x", ({ dy, x }) => {
    const s = sigmoidOf(x);
    return [dy.mul(s.mul(x.mul(s.neg().add(1)).add(1)))];
  }),
  gelu: rule("x", ({ dy, x }) => {
    const cdf = erf(x.mul(Math.SQRT1_2)).add(1).mul(0.5);
    const pdf = x.mul(x).mul(-0.5).exp().mul(INV_SQRT_2PI);
    return [dy.mul(cdf.add(x.mul(pdf)))];
  }),
  geluTanh: rule("x", ({ dy, x }) => {
    const x2 = x.mul(x);
    const inner = x.add(x2.mul(x).mul(0.044715)).mul(SQRT_2_OVER_PI);
    const t = inner.tanh();
    const dInner = x2.mul(3 * 0.044715).add(1).mul(SQRT_2_OVER_PI);
    const grad = t.add(1).mul(0.5).add(x.mul(0.5).mul(t.mul(t).neg().add(1)).mul(dInner));
    return [dy.mul(grad)];
  }),
  softplus: rule("x", ({ dy, x, attrs }) => {
    const beta = attrs.alpha as number;
    const z = x.mul(beta);
    return [where(z.gt(20), dy, dy.mul(sigmoidOf(z)))];
  }),
  elu: rule("xy", ({ dy, x, y, attrs }) => [where(x.gt(0), dy, dy.mul(y.add(attrs.alpha as number)))]),
  selu: rule("x", ({ dy, x }) => [where(x.gt(0), dy.mul(SELU_SCALE), dy.mul(x.exp().mul(SELU_SCALE * SELU_ALPHA)))]),
  leakyRelu: rule("x", ({ dy, x, attrs }) => [where(x.gt(0), dy, dy.mul(attrs.alpha as number))]),
  hardtanh: rule("x", ({ dy, x }) => [where(x.gt(-1).logicalAnd(x.lt(1)), dy, 0)]),
  mish: rule("x", ({ dy, x }) => {
    const t = softplus(x, 1).tanh();
    return [dy.mul(t.add(x.mul(t.mul(t).neg().add(1)).mul(sigmoidOf(x))))];
  }),
};

export const binaryRules: GradRules = {
  add: rule("", ({ dy }) => [dy, dy]),
  sub: rule("", ({ dy }) => [dy, dy.neg()]),
  mul: rule("x", ({ dy, inputs: [a, b], needs }) => [needs[0] ? dy.mul(b!) : null, needs[1] ? dy.mul(a!) : null]),
  div: rule("x", ({ dy, inputs: [a, b], needs }) => [
    needs[0] ? dy.div(b!) : null,
    needs[1] ? dy.mul(a!).div(b!.mul(b!)).neg() : null,
  ]),
  pow: rule("xy", ({ dy, inputs: [a, b], y, needs }) => {
    // d/da = b·a^(b−1); d/db = y·log(a), taken as 0 where a = 0 and b ≥ 0 (like PyTorch).
    const da = needs[0] ? where(b!.eq(0), 0, dy.mul(b!).mul(a!.pow(b!.sub(1)))) : null;
    const db = needs[1] ? where(a!.eq(0).logicalAnd(b!.ge(0)), 0, dy.mul(y).mul(a!.log())) : null;
    return [da, db];
  }),
  // Ties split the gradient evenly, like PyTorch.
  maximum: rule("x", ({ dy, inputs: [a, b] }) => {
    const tie = a!.eq(b!).to(dy.dtype).mul(0.5);
    return [dy.mul(a!.gt(b!).to(dy.dtype).add(tie)), dy.mul(b!.gt(a!).to(dy.dtype).add(tie))];
  }),
  minimum: rule("x", ({ dy, inputs: [a, b] }) => {
    const tie = a!.eq(b!).to(dy.dtype).mul(0.5);
    return [dy.mul(a!.lt(b!).to(dy.dtype).add(tie)), dy.mul(b!.lt(a!).to(dy.dtype).add(tie))];
  }),
  mod: rule("x", ({ dy, inputs: [a, b], needs }) => [dy, needs[1] ? dy.mul(a!.div(b!).floor()).neg() : null]),
  atan2: rule("x", ({ dy, inputs: [a, b] }) => {
    const denominator = a!.mul(a!).add(b!.mul(b!));
    return [dy.mul(b!).div(denominator), dy.mul(a!).div(denominator).neg()];
  }),
};
