/** Gradient rules of linear algebra and network ops (matmul, conv, pooling, softmax, layer norm). */
import {
  avgPool2dBackward,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  logSoftmaxBackward,
  maxPool2dBackward,
  softmaxBackward,
} from "@trek/tensor";
import type { Conv2dParams, Pool2dParams } from "@trek/tensor";
import { rule, type GradRules } from "./types.js";

function noDoubleBackward(op: string): Error {
  return new Error(
    `${op}: double backward (createGraph: true) through ${op} is not supported; ` +
      `its gradient kernels are not themselves differentiable`,
  );
}

export const networkRules: GradRules = {
  matmul: rule("x", ({ dy, inputs: [a, b], needs }) => [
    needs[0] ? dy.matmul(b!.mT) : null,
    needs[1] ? a!.mT.matmul(dy) : null,
  ]),
  conv2d: rule("x", ({ dy, inputs: [x, w], attrs, needs, createGraph }) => {
    if (createGraph) throw noDoubleBackward("conv2d");
    const params = attrs.params as Conv2dParams;
    return [
      needs[0] ? conv2dBackwardInput(dy, w!, x!.shape, params) : null,
      needs[1] ? conv2dBackwardWeight(dy, x!, w!.shape, params) : null,
      attrs.hasBias && needs[2] ? dy.sum([0, 2, 3]) : null,
    ];
  }),
  maxPool2d: rule("y", ({ dy, outputs, attrs, createGraph }) => {
    if (createGraph) throw noDoubleBackward("maxPool2d");
    return [maxPool2dBackward(dy, outputs[1]!, attrs.inputShape as number[], attrs.params as Pool2dParams)];
  }),
  avgPool2d: rule("", ({ dy, attrs, createGraph }) => {
    if (createGraph) throw noDoubleBackward("avgPool2d");
    return [avgPool2dBackward(dy, attrs.inputShape as number[], attrs.params as Pool2dParams)];
  }),
  softmax: rule("y", ({ dy, y, attrs, createGraph }) => {
    const dim = attrs.dim as number;
    if (!createGraph) return [softmaxBackward(y, dy, dim)];
    return [y.mul(dy.sub(dy.mul(y).sum(dim, true)))];
  }),
  logSoftmax: rule("y", ({ dy, y, attrs, createGraph }) => {
    const dim = attrs.dim as number;
    if (!createGraph) return [logSoftmaxBackward(y, dy, dim)];
    return [dy.sub(y.exp().mul(dy.sum(dim, true)))];
  }),
  layerNorm: rule("x", ({ dy, inputs, attrs, needs }) => {
    const normalizedShape = attrs.normalizedShape as number[];
    const eps = attrs.eps as number;
    const x = inputs[0]!;
    const weight = attrs.hasWeight ? inputs[1]! : null;
    const k = normalizedShape.length;
    const dims = Array.from({ length: k }, (_, i) => x.ndim - k + i);
    const leading = Array.from({ length: x.ndim - k }, (_, i) => i);
    const mean = x.mean(dims, true);
    const centered = x.sub(mean);
    const rstd = centered.mul(centered).mean(dims, true).add(eps).rsqrt();
    const normalized = centered.mul(rstd);
    const dNormalized = weight ? dy.mul(weight) : dy;
    // dx = rstd · (dx̂ − mean(dx̂) − x̂ · mean(dx̂ ⊙ x̂))
    const dx = needs[0]
      ? dNormalized
          .sub(dNormalized.mean(dims, true))
          .sub(normalized.mul(dNormalized.mul(normalized).mean(dims, true)))
          .mul(rstd)
      : null;
    const grads: (import("@trek/tensor").Tensor | null)[] = [dx];
    const sumLeading = (t: import("@trek/tensor").Tensor) => (leading.length ? t.sum(leading) : t);
    if (attrs.hasWeight) grads.push(needs[1] ? sumLeading(dy.mul(normalized)) : null);
    if (attrs.hasBias) grads.push(needs[attrs.hasWeight ? 2 : 1] ? sumLeading(dy) : null);
    return grads;
  }),
};
