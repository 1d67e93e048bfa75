/**
 * Parameter updates of the common optimizers, in place. Each is the single definition of that
 * optimizer's math: a backend's fused kernel (FastKernels.sgdStep/adamStep/rmspropStep) runs
 * when present and applicable, otherwise the same math as in-place tensor ops. Never recorded.
 */
import type { AdamHyper, RmspropHyper, SgdHyper, View } from "../backend.js";
import { isFloatingPoint } from "../dtype.js";
import { DTypeError, ShapeError } from "../errors.js";
import { formatShape, shapesEqual } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { decompose } from "./no-record.js";

function checkOperands(op: string, param: Tensor, others: readonly (Tensor | null)[]): boolean {
  param._check(op);
  if (!isFloatingPoint(param.dtype)) throw new DTypeError(`${op}: parameters must be floating point, got ${param.dtype}`);
  let fusable = param.isContiguous();
  for (const t of others) {
    if (!t) continue;
    t._check(op);
    if (t.device !== param.device) throw new ShapeError(`${op}: all tensors must be on ${param.device}, got ${t.device}`);
    if (!shapesEqual(t.shape, param.shape)) {
      throw new ShapeError(`${op}: shape ${formatShape(t.shape)} does not match the parameter's ${formatShape(param.shape)}`);
    }
    if (t.dtype !== param.dtype || !t.isContiguous()) fusable = false;
  }
  return fusable;
}

function bump(...tensors: (Tensor | null)[]): void {
  for (const t of tensors) if (t) t._storage.version++;
}

/** Disposes temporaries created by a decomposition step. */
function using<T>(fn: (temps: Tensor[]) => T): T {
  const temps: Tensor[] = [];
  try {
    return decompose(() => fn(temps));
  } finally {
    for (const t of temps) t.dispose();
  }
}

/**
 * SGD with momentum/dampening/nesterov and L2 weight decay (PyTorch semantics).
 * `momentumBuffer` is required when momentum > 0; on the first step it is overwritten.
 */
export function sgdStep_(param: Tensor, grad: Tensor, momentumBuffer: Tensor | null, h: SgdHyper): void {
  const fusable = checkOperands("sgdStep_", param, [grad, momentumBuffer]);
  if (h.momentum !== 0 && !momentumBuffer) throw new Error("sgdStep_: momentum > 0 needs a momentum buffer");
  const kernel = param.backend.kernels?.sgdStep;
  if (kernel && fusable) {
    kernel.call(param.backend.kernels, param, grad, momentumBuffer as View | null, h);
    bump(param, momentumBuffer);
    return;
  }
  using((temps) => {
    const keep = (t: Tensor): Tensor => (temps.push(t), t);
    let d = h.maximize ? keep(grad.neg()) : grad;
    if (h.weightDecay !== 0) d = keep(d.add(param, h.weightDecay));
    if (h.momentum !== 0) {
      const buffer = momentumBuffer!;
      if (h.firstStep) buffer.copy_(d);
      else buffer.mul_(h.momentum).add_(d, 1 - h.dampening);
      d = h.nesterov ? keep(d.add(buffer, h.momentum)) : buffer;
    }
    param.sub_(d, h.lr);
  });
}

/** Adam / AdamW (decoupled weight decay) with optional AMSGrad; `h.step` counts from 1. */
export function adamStep_(
  param: Tensor,
  grad: Tensor,
  expAvg: Tensor,
  expAvgSq: Tensor,
  maxExpAvgSq: Tensor | null,
  h: AdamHyper,
): void {
  const fusable = checkOperands("adamStep_", param, [grad, expAvg, expAvgSq, maxExpAvgSq]);
  if (h.amsgrad && !maxExpAvgSq) throw new Error("adamStep_: amsgrad needs a maxExpAvgSq buffer");
  const kernel = param.backend.kernels?.adamStep;
  if (kernel && fusable) {
    kernel.call(param.backend.kernels, param, grad, expAvg, expAvgSq, maxExpAvgSq, h);
    bump(param, expAvg, expAvgSq, maxExpAvgSq);
    return;
  }
  using((temps) => {
    const keep = (t: Tensor): Tensor => (temps.push(t), t);
    let g = h.maximize ? keep(grad.neg()) : grad;
    if (h.weightDecay !== 0) {
      if (h.decoupledWeightDecay) param.mul_(1 - h.lr * h.weightDecay);
      else g = keep(g.add(param, h.weightDecay));
    }
    expAvg.mul_(h.beta1).add_(g, 1 - h.beta1);
    expAvgSq.mul_(h.beta2).addcmul_(g, g, 1 - h.beta2);
    const biasCorrection1 = 1 - h.beta1 ** h.step;
    const biasCorrection2Sqrt = Math.sqrt(1 - h.beta2 ** h.step);
    let second = expAvgSq;
    if (h.amsgrad) {
      const larger = keep(maxExpAvgSq!.maximum(expAvgSq));
      maxExpAvgSq!.copy_(larger);
      second = maxExpAvgSq!;
    }
    const denominator = keep(keep(second.sqrt()).div_(biasCorrection2Sqrt).add_(h.eps));
    param.addcdiv_(expAvg, denominator, -h.lr / biasCorrection1);
  });
}

/** RMSprop with optional momentum and centering (PyTorch semantics). */
export function rmspropStep_(
  param: Tensor,
  grad: Tensor,
  squareAvg: Tensor,
  momentumBuffer: Tensor | null,
  gradAvg: Tensor | null,
  h: RmspropHyper,
): void {
  const fusable = checkOperands("rmspropStep_", param, [grad, squareAvg, momentumBuffer, gradAvg]);
  if (h.momentum > 0 && !momentumBuffer) throw new Error("rmspropStep_: momentum > 0 needs a momentum buffer");
  if (h.centered && !gradAvg) throw new Error("rmspropStep_: centered needs a gradAvg buffer");
  const kernel = param.backend.kernels?.rmspropStep;
  if (kernel && fusable) {
    kernel.call(param.backend.kernels, param, grad, squareAvg, momentumBuffer, gradAvg, h);
    bump(param, squareAvg, momentumBuffer, gradAvg);
    return;
  }
  using((temps) => {
    const keep = (t: Tensor): Tensor => (temps.push(t), t);
    let g = h.maximize ? keep(grad.neg()) : grad;
    if (h.weightDecay !== 0) g = keep(g.add(param, h.weightDecay));
    squareAvg.mul_(h.alpha).addcmul_(g, g, 1 - h.alpha);
    let average: Tensor;
    if (h.centered) {
      gradAvg!.mul_(h.alpha).add_(g, 1 - h.alpha);
      average = keep(keep(squareAvg.addcmul(gradAvg!, gradAvg!, -1)).sqrt_().add_(h.eps));
    } else {
      average = keep(keep(squareAvg.sqrt()).add_(h.eps));
    }
    if (h.momentum > 0) {
      momentumBuffer!.mul_(h.momentum).addcdiv_(g, average);
      param.sub_(momentumBuffer!, h.lr);
    } else {
      param.addcdiv_(g, average, -h.lr);
    }
  });
}
