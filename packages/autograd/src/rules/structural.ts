/** Gradient rules of reductions, views/movement, and indexing ops. */
import { asStrided, zeros } from "@trek/tensor";
import type { Tensor } from "@trek/tensor";
import { rule, type GradContext, type GradRules, type TensorMeta } from "./types.js";

function zerosOf(meta: TensorMeta, like: Tensor): Tensor {
  return zeros(meta.shape, { dtype: like.dtype, device: meta.device });
}

/** A zero tensor of the input's shape with `dy` written into the region `region(z)` selects. */
function embed(ctx: GradContext, region: (z: Tensor) => Tensor): Tensor {
  const z = zerosOf(ctx.inputMeta[0]!, ctx.dy);
  const view = region(z);
  view.copy_(ctx.dy);
  view.dispose();
  return z;
}

/** dy with reduced dims restored as size 1 (a view). */
function kept(dy: Tensor, dims: readonly number[], keepdim: boolean, inputShape: readonly number[]): Tensor {
  if (keepdim) return dy;
  return dy.reshape(inputShape.map((s, i) => (dims.includes(i) ? 1 : s)));
}

function inverse(dims: readonly number[]): number[] {
  const out = new Array<number>(dims.length);
  dims.forEach((d, i) => (out[d] = i));
  return out;
}

export const reductionRules: GradRules = {
  sum: rule("", ({ dy, attrs }) => {
    const inputShape = attrs.inputShape as number[];
    return [kept(dy, attrs.dims as number[], attrs.keepdim as boolean, inputShape).expand(inputShape)];
  }),
  amax: rule("xy", ({ dy, x, y, attrs }) => extremumGrad(dy, x, y, attrs)),
  amin: rule("xy", ({ dy, x, y, attrs }) => extremumGrad(dy, x, y, attrs)),
  prod: rule("xy", ({ dy, x, y, attrs }) => {
    const dims = attrs.dims as number[];
    const keepdim = attrs.keepdim as boolean;
    const inputShape = attrs.inputShape as number[];
    const dyKept = kept(dy, dims, keepdim, inputShape);
    // ∂(Πx)/∂x_i = Π_{j≠i} x_j, computed without dividing by zero: with no zero in the slice it
    // is y/x_i; with exactly one zero only that element gets the product of the others.
    const isZero = x.eq(0);
    const zeroCount = isZero.sum(dims, true);
    const nonZero = x.maskedFill(isZero, 1);
    const productOfNonZero = nonZero.prod(dims.length === 1 ? dims[0]! : null, true);
    void y;
    const noZeros = productOfNonZero.div(nonZero);
    const oneZero = productOfNonZero.mul(isZero.to(x.dtype));
    const grad = noZeros.mul(zeroCount.eq(0).to(x.dtype)).add(oneZero.mul(zeroCount.eq(1).to(x.dtype)));
    return [grad.mul(dyKept)];
  }),
  cumsum: rule("", ({ dy, attrs }) => {
    const dim = attrs.dim as number;
    return [dy.flip(dim).cumsum(dim).flip(dim)];
  }),
};

function extremumGrad(dy: Tensor, x: Tensor, y: Tensor, attrs: Record<string, unknown>): Tensor[] {
  const dims = attrs.dims as number[];
  const keepdim = attrs.keepdim as boolean;
  const inputShape = attrs.inputShape as number[];
  const yKept = kept(y, dims, keepdim, inputShape);
  const mask = x.eq(yKept).to(dy.dtype);
  const count = mask.sum(dims, true);
  return [mask.mul(kept(dy, dims, keepdim, inputShape)).div(count)];
}

export const shapeRules: GradRules = {
  reshape: rule("", ({ dy, attrs }) => [dy.reshape(attrs.inputShape as number[])]),
  permute: rule("", ({ dy, attrs }) => [dy.permute(inverse(attrs.dims as number[]))]),
  // The engine sums broadcast gradients down to the input's shape.
  expand: rule("", ({ dy }) => [dy]),
  slice: rule("", (ctx) => {
    const { dim, start, step } = ctx.attrs as { dim: number; start: number; step: number };
    const length = ctx.dy.shape[dim]!;
    return [embed(ctx, (z) => z.slice(dim, start, start + Math.max(length - 1, 0) * step + 1, step))];
  }),
  select: rule("", (ctx) => {
    const { dim, index } = ctx.attrs as { dim: number; index: number };
    return [embed(ctx, (z) => z.select(dim, index))];
  }),
  unfold: rule("", ({ dy, attrs, inputMeta }) => {
    const { dim, size, step } = attrs as { dim: number; size: number; step: number };
    const windows = dy.shape[dim]!;
    const z = zerosOf(inputMeta[0]!, dy);
    // Windows overlap when step < size, so each window position is added separately.
    for (let k = 0; k < size; k++) {
      const target = z.slice(dim, k, k + (windows - 1) * step + 1, step);
      const part = dy.select(dy.ndim - 1, k);
      target.add_(part);
      target.dispose();
      part.dispose();
    }
    return [z];
  }),
  flip: rule("", ({ dy, attrs }) => [dy.flip(attrs.dims as number[])]),
  asStrided: rule("", (ctx) => {
    const { shape, strides, offset } = ctx.attrs as { shape: number[]; strides: number[]; offset: number };
    return [embed(ctx, (z) => asStrided(z, shape, strides, offset))];
  }),
  viewScatter: rule("", ({ dy, attrs }) => {
    const { shape, strides, offset } = attrs as { shape: number[]; strides: number[]; offset: number };
    const source = dy.contiguous();
    const srcGrad = asStrided(source, shape, strides, offset).clone();
    const baseGrad = dy.clone();
    const region = asStrided(baseGrad, shape, strides, offset);
    region.zero_();
    region.dispose();
    return [baseGrad, srcGrad];
  }),
  cat: rule("", ({ dy, attrs }) => {
    const dim = attrs.dim as number;
    return dy.split(attrs.sizes as number[], dim);
  }),
  pad: rule("", ({ dy, attrs }) => {
    const before = attrs.before as number[];
    const inputShape = attrs.inputShape as number[];
    let g = dy;
    for (let d = 0; d < inputShape.length; d++) {
      if (g.shape[d] !== inputShape[d]) g = g.narrow(d, before[d]!, inputShape[d]!);
    }
    return [g];
  }),
  clone: rule("", ({ dy }) => [dy]),
  cast: rule("", ({ dy, attrs }) => [dy.to(attrs.from as import("@trek/tensor").DType)]),
  toDevice: rule("", ({ dy, attrs }) => [dy.to(attrs.from as string)]),
};

export const indexingRules: GradRules = {
  gather: rule("x", ({ dy, inputs: [, index], attrs, inputMeta }) => [
    zerosOf(inputMeta[0]!, dy).scatterAdd(attrs.dim as number, index!, dy),
    null,
  ]),
  scatter: rule("x", ({ dy, inputs: [, index], attrs, needs }) => {
    const dim = attrs.dim as number;
    return [needs[0] ? dy.scatter(dim, index!, 0) : null, null, needs[2] ? dy.gather(dim, index!) : null];
  }),
  scatterAdd: rule("x", ({ dy, inputs: [, index], attrs, needs }) => [dy, null, needs[2] ? dy.gather(attrs.dim as number, index!) : null]),
  indexSelect: rule("x", ({ dy, inputs: [, index], attrs, inputMeta }) => {
    const dim = attrs.dim as number;
    const spread = index!.reshape(dy.shape.map((s, i) => (i === dim ? s : 1))).expand(dy.shape);
    return [zerosOf(inputMeta[0]!, dy).scatterAdd(dim, spread, dy), null];
  }),
  sort: rule("y", ({ dy, outputs, attrs, inputMeta }) => [zerosOf(inputMeta[0]!, dy).scatterAdd(attrs.dim as number, outputs[1]!, dy)]),
  topk: rule("y", ({ dy, outputs, attrs, inputMeta }) => [zerosOf(inputMeta[0]!, dy).scatterAdd(attrs.dim as number, outputs[1]!, dy)]),
};
