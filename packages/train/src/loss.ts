/** Loss specs accepted by `fit`/`evaluate`: a name, a function, or an nn loss module. */
import { formatShape, isTensor, type Tensor } from "@trek/tensor";
import { functional as F } from "@trek/nn";

/** A loss by name, mapped to `@trek/nn`'s functional losses (mean reduction). */
export type LossName =
  | "crossEntropy"
  | "nll"
  | "mse"
  | "l1"
  | "smoothL1"
  | "huber"
  | "binaryCrossEntropy"
  | "binaryCrossEntropyWithLogits";

/** A loss function `(output, target) → scalar tensor`. */
export type LossFunction = (output: Tensor, target: Tensor) => Tensor;

/** A loss: a name, a function, or anything with `call(output, target)` (e.g. `new CrossEntropyLoss()`). */
export type LossSpec = LossName | LossFunction | { call(output: Tensor, target: Tensor): Tensor };

const byName: Record<LossName, LossFunction> = {
  crossEntropy: (o, t) => F.crossEntropy(o, t),
  nll: (o, t) => F.nllLoss(o, t),
  mse: (o, t) => F.mseLoss(o, t),
  l1: (o, t) => F.l1Loss(o, t),
  smoothL1: (o, t) => F.smoothL1Loss(o, t),
  huber: (o, t) => F.huberLoss(o, t),
  binaryCrossEntropy: (o, t) => F.binaryCrossEntropy(o, t),
  binaryCrossEntropyWithLogits: (o, t) => F.binaryCrossEntropyWithLogits(o, t),
};

/** Turns a {@link LossSpec} into a function that checks it returns a scalar. */
export function resolveLoss(spec: LossSpec, owner: string): LossFunction {
  let fn: LossFunction;
  if (typeof spec === "string") {
    const named = byName[spec];
    if (!named) throw new RangeError(`${owner}: unknown loss ${JSON.stringify(spec)} (known: ${Object.keys(byName).join(", ")}, or pass a function or loss module)`);
    fn = named;
  } else if (typeof spec === "function") {
    fn = spec;
  } else if (spec && typeof (spec as { call?: unknown }).call === "function") {
    const module = spec as { call(output: Tensor, target: Tensor): Tensor };
    fn = (o, t) => module.call(o, t);
  } else {
    throw new TypeError(`${owner}: loss must be a name, a function (output, target) => Tensor, or a loss module; got ${spec === null ? "null" : typeof spec}`);
  }
  const name = typeof spec === "string" ? spec : typeof spec === "function" ? spec.name || "loss function" : spec.constructor?.name ?? "loss module";
  return (output, target) => {
    const value = fn(output, target);
    if (!isTensor(value)) throw new TypeError(`${owner}: the loss (${name}) returned ${value === null ? "null" : typeof value}, not a Tensor`);
    if (value.numel() !== 1) {
      throw new RangeError(`${owner}: the loss (${name}) returned shape ${formatShape(value.shape)}; it must be a scalar (use reduction "mean" or "sum")`);
    }
    return value;
  };
}
