/**
 * @trek/autograd — reverse-mode automatic differentiation for every TorchTrek op on every
 * backend. Importing this package installs the engine into @trek/tensor, after which
 * `y.backward()`, `.grad` and `gradFn` work:
 *
 * ```ts
 * import "@trek/autograd";
 * const x = tensor(2, { requiresGrad: true });
 * x.pow(2).add(x.mul(3)).add(5).backward();
 * x.grad.item(); // 7
 * ```
 * @packageDocumentation
 */
import { installAutograd } from "@trek/tensor";
import { engine } from "./engine.js";

installAutograd(engine);

export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from "./grad-mode.js";
export { grad } from "./engine.js";
export type { GradOptions, Hook } from "./engine.js";
export { AutogradFunction, FunctionContext } from "./function.js";
export { gradcheck, gradgradcheck, GradcheckError } from "./gradcheck.js";
export type { GradcheckOptions } from "./gradcheck.js";
export { gradRules } from "./rules/index.js";
export type { GradRule, GradRules, GradContext, TensorMeta } from "./rules/index.js";

/** Installs the engine again (e.g. after another copy replaced it); importing does this already. */
export function install(): void {
  installAutograd(engine);
}
