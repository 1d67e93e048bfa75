/**
 * torchtrek — the whole framework in one import, with the CPU backend registered:
 *
 * ```ts
 * import * as trek from "torchtrek";
 * const x = trek.tensor(2, { requiresGrad: true });
 * x.pow(2).add(x.mul(3)).add(5).backward();
 * console.log(await x.grad!.item()); // 7
 * ```
 * Tensor functions sit at the top level (like `torch.*`); `autograd` is a namespace too.
 * @packageDocumentation
 */
import { hasBackend, registerBackend } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import * as autograd from "@trek/autograd";

// The umbrella is the one place that registers a backend on import, as documented.
if (!hasBackend("cpu")) registerBackend("cpu", () => new CpuBackend(), { priority: 0 });

export * from "@trek/tensor";
export { noGrad, enableGrad, isGradEnabled, setGradEnabled, grad, gradcheck, gradgradcheck, AutogradFunction, FunctionContext } from "@trek/autograd";
export { CpuBackend } from "@trek/backend-cpu";
export { autograd };
