/**
 * Fused optimizer steps (FastKernels.sgdStep / adamStep / rmspropStep): one dispatch updates a
 * parameter and its optimizer state in place, instead of the ~10 elementwise ops (and
 * temporaries) of the decomposition in @trek/tensor, whose math this follows (PyTorch's
 * SGD / Adam / AdamW / RMSprop). Operands: one float dtype, contiguous, same shape; float16 and
 * bfloat16 state is updated in float32 and rounded on store.
 */
import type { AdamHyper, RmspropHyper, SgdHyper, View } from "@trek/tensor";
import type { GpuRuntime } from "../runtime.js";
import { storageFormat } from "../storage-format.js";
import { floatWord, isLinear, numelOf, word } from "../strided-layout.js";
import { groupsFor, globalIndexCode, MAIN_SIGNATURE } from "../wgsl/kernel-source.js";

const GROUP = 64;

function check(op: string, views: readonly (View | null)[]): number {
  const present = views.filter((v): v is View => v !== null);
  const numel = numelOf(present[0]!.shape);
  for (const v of present) {
    if (storageFormat(v.dtype).family !== "float") throw new TypeError(`${op}: fused optimizer steps take float tensors, got ${v.dtype}`);
    if (numelOf(v.shape) !== numel) throw new RangeError(`${op}: every tensor must have ${numel} elements, got [${v.shape.join(", ")}]`);
    if (!isLinear(v.shape, v.strides)) throw new RangeError(`${op}: fused optimizer steps need contiguous tensors`);
  }
  return numel;
}

interface StepOperand {
  name: string;
  view: View;
  write?: boolean;
}

/**
 * Records one step. In `code`, `Hk` is the k-th hyperparameter (float uniform) and `@name` the
 * element index of operand `name` for this invocation.
 */
function launch(runtime: GpuRuntime, key: string, numel: number, operands: StepOperand[], hyper: number[], code: string): void {
  if (numel === 0) return;
  const words = [numel, ...operands.map((o) => word(o.view.offset)), ...hyper.map(floatWord)];
  const hyperAt = 1 + operands.length;
  const offsetOf = new Map(operands.map((o, i) => [o.name, i + 1]));
  const body = code
    .replace(/\bH(\d+)\b/g, (_, k: string) => `pf(${hyperAt + Number(k)}u)`)
    .replace(/@(\w+)/g, (_, name: string) => `u32(pi(${offsetOf.get(name)}u) + i32(gid))`);
  runtime.run({
    key,
    operands,
    params: Uint32Array.from(words),
    groups: groupsFor(numel, GROUP),
    body: () => `
@compute @workgroup_size(${GROUP})
${MAIN_SIGNATURE} {
  let gid = ${globalIndexCode(GROUP)};
  if (gid >= p(0u)) { return; }
${body}
}`,
  });
}

export function sgdStep(runtime: GpuRuntime, param: View, grad: View, buffer: View | null, h: SgdHyper): void {
  const numel = check("sgdStep", [param, grad, buffer]);
  const useBuffer = h.momentum !== 0;
  if (useBuffer && buffer === null) throw new TypeError("sgdStep: momentum needs a momentum buffer");
  const operands: StepOperand[] = [
    { name: "param", view: param, write: true },
    { name: "grad", view: grad },
    ...(useBuffer ? [{ name: "buf", view: buffer!, write: true }] : []),
  ];
  // H0 lr, H1 momentum, H2 dampening, H3 weight decay, H4 gradient sign (−1: maximize),
  // H5 first step, H6 nesterov
  const hyper = [h.lr, h.momentum, h.dampening, h.weightDecay, h.maximize ? -1 : 1, h.firstStep ? 1 : 0, h.nesterov ? 1 : 0];
  const momentum = `
  var b = ld_buf(@buf);
  if (H5 == 1.0) { b = g; } else { b = H1 * b + (1.0 - H2) * g; }
  st_buf(@buf, b);
  if (H6 == 1.0) { g = g + H1 * b; } else { g = b; }`;
  launch(runtime, `sgdStep:${useBuffer ? "momentum" : "plain"}`, numel, operands, hyper, `
  let p0 = ld_param(@param);
  var g = ld_grad(@grad) * H4 + H3 * p0;${useBuffer ? momentum : ""}
  st_param(@param, p0 - H0 * g);`);
}

export function adamStep(
  runtime: GpuRuntime,
  param: View,
  grad: View,
  expAvg: View,
  expAvgSq: View,
  maxExpAvgSq: View | null,
  h: AdamHyper,
): void {
  const numel = check("adamStep", [param, grad, expAvg, expAvgSq, maxExpAvgSq]);
  if (h.amsgrad && maxExpAvgSq === null) throw new TypeError("adamStep: amsgrad needs a maxExpAvgSq buffer");
  const operands: StepOperand[] = [
    { name: "param", view: param, write: true },
    { name: "grad", view: grad },
    { name: "m", view: expAvg, write: true },
    { name: "v", view: expAvgSq, write: true },
    ...(h.amsgrad ? [{ name: "vmax", view: maxExpAvgSq!, write: true }] : []),
  ];
  const biasCorrection1 = 1 - h.beta1 ** h.step;
  const biasCorrection2Sqrt = Math.sqrt(1 - h.beta2 ** h.step);
  const decoupled = h.decoupledWeightDecay;
  // H0 lr, H1 beta1, H2 beta2, H3 eps, H4 L2 weight decay (Adam), H5 parameter scale (AdamW:
  // 1 − lr·weightDecay), H6 gradient sign, H7 step size lr / (1 − beta1^t), H8 sqrt(1 − beta2^t)
  const hyper = [
    h.lr, h.beta1, h.beta2, h.eps, decoupled ? 0 : h.weightDecay, decoupled ? 1 - h.lr * h.weightDecay : 1,
    h.maximize ? -1 : 1, h.lr / biasCorrection1, biasCorrection2Sqrt,
  ];
  const second = h.amsgrad
    ? `
  let vmax = max(ld_vmax(@vmax), v);
  st_vmax(@vmax, vmax);
  let denom = sqrt(vmax) / H8 + H3;`
    : `
  let denom = sqrt(v) / H8 + H3;`;
  launch(runtime, `adamStep:${h.amsgrad ? "amsgrad" : "plain"}`, numel, operands, hyper, `
  let original = ld_param(@param);
  let g = ld_grad(@grad) * H6 + H4 * original;
  let m = H1 * ld_m(@m) + (1.0 - H1) * g;
  let v = H2 * ld_v(@v) + (1.0 - H2) * g * g;
  st_m(@m, m);
  st_v(@v, v);${second}
  st_param(@param, original * H5 - H7 * m / denom);`);
}

export function rmspropStep(
  runtime: GpuRuntime,
  param: View,
  grad: View,
  squareAvg: View,
  buffer: View | null,
  gradAvg: View | null,
  h: RmspropHyper,
): void {
  const numel = check("rmspropStep", [param, grad, squareAvg, buffer, gradAvg]);
  const useMomentum = h.momentum > 0;
  if (useMomentum && buffer === null) throw new TypeError("rmspropStep: momentum needs a momentum buffer");
  if (h.centered && gradAvg === null) throw new TypeError("rmspropStep: centered needs a gradAvg buffer");
  const operands: StepOperand[] = [
    { name: "param", view: param, write: true },
    { name: "grad", view: grad },
    { name: "sq", view: squareAvg, write: true },
    ...(useMomentum ? [{ name: "buf", view: buffer!, write: true }] : []),
    ...(h.centered ? [{ name: "gavg", view: gradAvg!, write: true }] : []),
  ];
  // H0 lr, H1 alpha, H2 eps, H3 weight decay, H4 momentum, H5 gradient sign
  const hyper = [h.lr, h.alpha, h.eps, h.weightDecay, h.momentum, h.maximize ? -1 : 1];
  const average = h.centered
    ? `
  let ga = H1 * ld_gavg(@gavg) + (1.0 - H1) * g;
  st_gavg(@gavg, ga);
  let avg = sqrt(sq - ga * ga) + H2;`
    : `
  let avg = sqrt(sq) + H2;`;
  const update = useMomentum
    ? `
  let b = H4 * ld_buf(@buf) + g / avg;
  st_buf(@buf, b);
  st_param(@param, p0 - H0 * b);`
    : `
  st_param(@param, p0 - H0 * g / avg);`;
  launch(runtime, `rmspropStep:${useMomentum ? "m" : ""}${h.centered ? "c" : ""}`, numel, operands, hyper, `
  let p0 = ld_param(@param);
  let g = ld_grad(@grad) * H5 + H3 * p0;
  let sq = H1 * ld_sq(@sq) + (1.0 - H1) * g * g;
  st_sq(@sq, sq);${average}${update}`);
}
