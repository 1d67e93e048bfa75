/** Affine maps: linear and bilinear. */
import { ShapeError, formatShape, type Tensor } from "@trek/tensor";

/**
 * y = x·Wᵀ + b over the last dim of `x` (`weight` is [out, in], `bias` [out]).
 * Leading dims of a contiguous input are folded into one matrix product without copying.
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  if (weight.ndim !== 2) throw new ShapeError(`linear: weight must be [out, in], got ${formatShape(weight.shape)}`);
  const [outFeatures, inFeatures] = weight.shape as [number, number];
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== inFeatures) {
    throw new ShapeError(`linear: expected input [..., ${inFeatures}], got ${formatShape(x.shape)}`);
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== outFeatures)) {
    throw new ShapeError(`linear: bias must be [${outFeatures}], got ${formatShape(bias.shape)}`);
  }
  const weightT = weight.mT;
  if (x.ndim > 2 && x.isContiguous()) {
    const flat = x.reshape(-1, inFeatures);
    const product = flat.matmul(weightT);
    const affine = bias ? product.add(bias) : product;
    const out = affine.reshape([...x.shape.slice(0, -1), outFeatures]);
    flat.dispose();
    weightT.dispose();
    product.dispose();
    if (affine !== product) affine.dispose();
    return out;
  }
  const product = x.matmul(weightT);
  weightT.dispose();
  if (!bias) return product;
  const out = product.add(bias);
  product.dispose();
  return out;
}

/**
 * y_k = x1ᵀ·W_k·x2 + b_k over the last dims (`weight` is [out, in1, in2], `bias` [out]); the
 * leading dims of `x1` and `x2` must match.
 */
export function bilinear(x1: Tensor, x2: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  if (weight.ndim !== 3) throw new ShapeError(`bilinear: weight must be [out, in1, in2], got ${formatShape(weight.shape)}`);
  const [outFeatures, in1, in2] = weight.shape as [number, number, number];
  const lead = x1.shape.slice(0, -1);
  if (x1.ndim === 0 || x1.shape[x1.ndim - 1] !== in1 || x2.ndim !== x1.ndim || x2.shape[x2.ndim - 1] !== in2 ||
    x2.shape.slice(0, -1).some((s, i) => s !== lead[i])) {
    throw new ShapeError(
      `bilinear: expected inputs [..., ${in1}] and [..., ${in2}] with the same leading dims, got ${formatShape(x1.shape)} and ${formatShape(x2.shape)}`,
    );
  }
  const a = x1.reshape(-1, in1);
  const b = x2.reshape(-1, in2);
  // (x1 · W reshaped to [in1, out·in2]) then a row-wise dot product with x2.
  const arranged = weight.permute(1, 0, 2).reshape(in1, outFeatures * in2);
  const left = a.matmul(arranged).reshape(-1, outFeatures, in2);
  const products = left.mul(b.unsqueeze(1));
  let out = products.sum(-1);
  if (bias) {
    const biased = out.add(bias);
    out.dispose();
    out = biased;
  }
  const shaped = out.reshape([...lead, outFeatures]);
  for (const t of [a, b, arranged, left, products, out]) if (t !== shaped) t.dispose();
  return shaped;
}
