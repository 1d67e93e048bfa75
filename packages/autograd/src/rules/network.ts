/** Gradient rules of linear algebra and network ops (matmul, conv, pooling, softmax, layer norm). */
import {
  avgPool2d,
  avgPool2dBackward,
  conv2d,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  logSoftmaxBackward,
  maxPool2dBackward,
  softmaxBackward,
} from "@trek/tensor";
import type { Conv2dParams, Pool2dParams, Tensor } from "@trek/tensor";
import { rule, type GradRules } from "./types.js";

/**
 * `t` cut to `shape`'s trailing spatial size: the convolution that is the adjoint of a
 * transposed convolution can yield extra rows or columns (output padding) that no input fed.
 */
function cropSpatial(t: Tensor, shape: readonly number[]): Tensor {
  const [h, w] = [shape[2]!, shape[3]!];
  if (t.shape[2] === h && t.shape[3] === w) return t;
  return t.narrow(2, 0, h).narrow(3, 0, w);
}

export const networkRules: GradRules = {
  matmul: rule("x", ({ dy, inputs: [a, b], needs }) => [
    needs[0] ? dy.matmul(b!.mT) : null,
    needs[1] ? a!.mT.matmul(dy) : null,
  ]),
  // The gradient ops below are recorded too, so with createGraph the same rules give gradients
  // of gradients: conv2d's two gradients are bilinear, the pooling gradients linear in dy.
  conv2d: rule("x", ({ dy, inputs: [x, w], attrs, needs }) => {
    const params = attrs.params as Conv2dParams;
    return [
      needs[0] ? conv2dBackwardInput(dy, w!, x!.shape, params) : null,
      needs[1] ? conv2dBackwardWeight(dy, x!, w!.shape, params) : null,
      attrs.hasBias && needs[2] ? dy.sum([0, 2, 3]) : null,
    ];
  }),
  // dx = Jᵀ(w)·d: ⟨g, dx⟩ = ⟨conv2d(g, w), d⟩.
  conv2dBackwardInput: rule("x", ({ dy: g, inputs: [d, w], attrs, needs }) => {
    const params = attrs.params as Conv2dParams;
    return [
      needs[0] ? cropSpatial(conv2d(g, w!, null, params), d!.shape) : null,
      needs[1] ? conv2dBackwardWeight(d!, g, w!.shape, params) : null,
    ];
  }),
  // dw = ∂⟨d, conv2d(x, w)⟩/∂w: ⟨h, dw⟩ = ⟨d, conv2d(x, h)⟩.
  conv2dBackwardWeight: rule("x", ({ dy: h, inputs: [d, x], attrs, needs }) => {
    const params = attrs.params as Conv2dParams;
    return [
      needs[0] ? cropSpatial(conv2d(x!, h, null, params), d!.shape) : null,
      needs[1] ? conv2dBackwardInput(d!, h, x!.shape, params) : null,
    ];
  }),
  maxPool2d: rule("y", ({ dy, outputs, attrs }) => [
    maxPool2dBackward(dy, outputs[1]!, attrs.inputShape as number[], attrs.params as Pool2dParams),
  ]),
  // dx scatters d to each window's argmax, so the gradient of d gathers from there.
  maxPool2dBackward: rule("x", ({ dy: g, inputs: [d, indices] }) => {
    const [n, c, oh, ow] = d!.shape as [number, number, number, number];
    const planes = g.reshape([n, c, -1]);
    return [planes.gather(2, indices!.reshape([n, c, oh * ow]).long()).reshape([n, c, oh, ow]), null];
  }),
  avgPool2d: rule("", ({ dy, attrs }) => [avgPool2dBackward(dy, attrs.inputShape as number[], attrs.params as Pool2dParams)]),
  // avgPool2dBackward is the adjoint of avgPool2d, so its own adjoint is avgPool2d.
  avgPool2dBackward: rule("", ({ dy: g, inputMeta, attrs }) => {
    const [, , oh, ow] = inputMeta[0]!.shape as [number, number, number, number];
    return [avgPool2d(g, attrs.params as Pool2dParams, oh, ow)];
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
