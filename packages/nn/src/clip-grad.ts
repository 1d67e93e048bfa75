/** Gradient clipping, like `torch.nn.utils.clip_grad_norm_` / `clip_grad_value_`. */
import { Tensor, stack, zeros } from "@trek/tensor";
import { noGrad } from "@trek/autograd";

function gradientsOf(parameters: Iterable<Tensor> | Tensor): Tensor[] {
  const list = parameters instanceof Tensor ? [parameters] : [...parameters];
  return list.map((p) => p.grad).filter((g): g is Tensor => g !== null);
}

/** Options of `clipGradNorm_`. */
export interface ClipGradNormOptions {
  /** The p of the p-norm (default 2; Infinity for the max norm). */
  normType?: number;
  /** Throw when the total norm is NaN or infinite (reads it back: synchronous backends only). */
  errorIfNonfinite?: boolean;
}

/**
 * Scales the gradients of `parameters` in place so that their combined norm (as if all were one
 * vector) is at most `maxNorm`. Returns the total norm before clipping, as a 0-d tensor. The
 * scaling is computed on the device (no read back), as min(1, maxNorm / (norm + 1e-6)).
 */
export function clipGradNorm_(parameters: Iterable<Tensor> | Tensor, maxNorm: number, options: ClipGradNormOptions = {}): Tensor {
  const normType = options.normType ?? 2;
  if (!(maxNorm >= 0)) throw new RangeError(`clipGradNorm_: maxNorm must be non-negative, got ${maxNorm}`);
  if (!(normType > 0)) throw new RangeError(`clipGradNorm_: normType must be positive, got ${normType}`);
  const grads = gradientsOf(parameters);
  if (grads.length === 0) return zeros([]);
  return noGrad(() => {
    const norms = grads.map((g) => g.norm(normType));
    const stacked = stack(norms, 0);
    const total = stacked.norm(normType);
    for (const t of [...norms, stacked]) t.dispose();
    if (options.errorIfNonfinite) {
      const value = total.itemSync();
      if (!Number.isFinite(value)) {
        total.dispose();
        throw new Error(
          `clipGradNorm_: the total norm of the gradients is ${value}; they cannot be clipped. ` +
            "Lower the learning rate or check the loss for NaN/Inf, or pass errorIfNonfinite: false.",
        );
      }
    }
    const denominator = total.add(1e-6);
    const ratio = denominator.reciprocal().mul(maxNorm);
    const coefficient = ratio.clampMax(1);
    for (const g of grads) g.mul_(coefficient.to(g.dtype));
    for (const t of [denominator, ratio, coefficient]) t.dispose();
    return total;
  });
}

/** Clamps every gradient of `parameters` into [−clipValue, clipValue] in place. */
export function clipGradValue_(parameters: Iterable<Tensor> | Tensor, clipValue: number): void {
  if (!(clipValue >= 0)) throw new RangeError(`clipGradValue_: clipValue must be non-negative, got ${clipValue}`);
  noGrad(() => {
    for (const g of gradientsOf(parameters)) g.clamp_(-clipValue, clipValue);
  });
}
