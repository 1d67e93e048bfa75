/**
 * Fused optimizer steps (FastKernels.sgdStep / adamStep / rmspropStep) for float32 parameters:
 * one pass over memory instead of the ~10 elementwise kernels of the decomposition. Scalars are
 * rounded to float32 exactly as the decomposition's scalar operands are.
 */
import type { AdamHyper, RmspropHyper, SgdHyper, View } from "@trek/tensor";
import { numelOf } from "../strided.js";
import type { WasmRuntime } from "../wasm/runtime.js";
import { f32Address } from "./blocks.js";

function addresses(rt: WasmRuntime, views: readonly (View | null)[]): number[] | null {
  const out: number[] = [];
  for (const v of views) {
    if (!v) {
      out.push(0);
      continue;
    }
    const p = f32Address(rt, v);
    if (p < 0) return null;
    out.push(p);
  }
  return out;
}

export function sgdStepFast(rt: WasmRuntime, param: View, grad: View, buffer: View | null, h: SgdHyper): boolean {
  const p = addresses(rt, [param, grad, buffer]);
  if (!p || (h.momentum !== 0 && !buffer)) return false;
  const flags =
    (h.maximize ? 1 : 0) | (h.nesterov ? 2 : 0) | (h.firstStep ? 4 : 0) | (h.momentum !== 0 ? 8 : 0) | (h.weightDecay !== 0 ? 16 : 0);
  rt.exports.sgdStepF32(numelOf(param.shape), p[0]!, p[1]!, p[2]!, flags, h.lr, h.momentum, 1 - h.dampening, h.weightDecay);
  return true;
}

export function adamStepFast(
  rt: WasmRuntime, param: View, grad: View, expAvg: View, expAvgSq: View, maxExpAvgSq: View | null, h: AdamHyper,
): boolean {
  const p = addresses(rt, [param, grad, expAvg, expAvgSq, maxExpAvgSq]);
  if (!p || (h.amsgrad && !maxExpAvgSq)) return false;
  const flags = (h.maximize ? 1 : 0) | (h.amsgrad ? 2 : 0) | (h.decoupledWeightDecay ? 4 : 0) | (h.weightDecay !== 0 ? 8 : 0);
  const biasCorrection1 = 1 - h.beta1 ** h.step;
  const correction2 = Math.sqrt(1 - h.beta2 ** h.step);
  rt.exports.adamStepF32(
    numelOf(param.shape), p[0]!, p[1]!, p[2]!, p[3]!, p[4]!, flags,
    h.beta1, 1 - h.beta1, h.beta2, 1 - h.beta2, h.eps,
    h.weightDecay, 1 - h.lr * h.weightDecay, -h.lr / biasCorrection1, correction2,
  );
  return true;
}

export function rmspropStepFast(
  rt: WasmRuntime, param: View, grad: View, squareAvg: View, buffer: View | null, gradAvg: View | null, h: RmspropHyper,
): boolean {
  const p = addresses(rt, [param, grad, squareAvg, buffer, gradAvg]);
  if (!p || (h.momentum > 0 && !buffer) || (h.centered && !gradAvg)) return false;
  const flags = (h.maximize ? 1 : 0) | (h.centered ? 2 : 0) | (h.momentum > 0 ? 4 : 0) | (h.weightDecay !== 0 ? 8 : 0);
  rt.exports.rmspropStepF32(
    numelOf(param.shape), p[0]!, p[1]!, p[2]!, p[3]!, p[4]!, flags,
    h.lr, h.alpha, 1 - h.alpha, h.eps, h.weightDecay, h.momentum,
  );
  return true;
}
