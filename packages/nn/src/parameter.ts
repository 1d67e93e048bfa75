/** Parameter: a tensor that a Module owns and trains. */
import { Tensor, isFloatingPoint, keep } from "@trek/tensor";

/**
 * A tensor registered as a trainable weight of a {@link Module}, like `torch.nn.Parameter`.
 *
 * It is another handle on `data`'s memory (no copy, no autograd history), requires a gradient by
 * default, and survives `scope()` (parameters outlive any single step). Modules find parameters
 * by looking at their fields, so assigning `this.weight = new Parameter(…)` registers it.
 */
export class Parameter extends Tensor {
  /**
   * @param data the initial value; the parameter shares its memory.
   * @param requiresGrad whether gradients flow to it (only floating-point tensors can require them).
   */
  constructor(data: Tensor, requiresGrad = true) {
    super(data);
    if (requiresGrad && isFloatingPoint(data.dtype)) this.requiresGrad_(true);
    keep(this);
  }

  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}

/** Wraps a freshly created tensor in a Parameter and releases the temporary handle. */
export function ownedParameter(data: Tensor, requiresGrad = true): Parameter {
  const parameter = new Parameter(data, requiresGrad);
  data.dispose();
  return parameter;
}
