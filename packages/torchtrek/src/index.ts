/**
 * torchtrek — the whole framework in one import, with the CPU backend registered:
 *
 * ```ts
 * import * as trek from "torchtrek";
 * const x = trek.tensor(2, { requiresGrad: true });
 * x.pow(2).add(x.mul(3)).add(5).backward();
 * console.log(await x.grad!.item()); // 7
 *
 * const model = new trek.nn.Sequential(new trek.nn.Linear(4, 8), new trek.nn.ReLU(), new trek.nn.Linear(8, 1));
 * const optimizer = new trek.optim.Adam(model.parameters(), { lr: 1e-3 });
 * ```
 * Tensor functions sit at the top level (like `torch.*`); `nn`, `optim`, `data` and `autograd`
 * are namespaces, as in PyTorch (`torch.nn`, `torch.optim`, `torch.utils.data`).
 * @packageDocumentation
 */
import { hasBackend, registerBackend } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import * as autograd from "@trek/autograd";
import * as nn from "@trek/nn";
import * as optim from "@trek/optim";
import * as data from "@trek/data";

// The umbrella is the one place that registers a backend on import, as documented.
if (!hasBackend("cpu")) registerBackend("cpu", () => new CpuBackend(), { priority: 0 });

export * from "@trek/tensor";
export {
  noGrad,
  enableGrad,
  isGradEnabled,
  setGradEnabled,
  grad,
  gradcheck,
  gradgradcheck,
  AutogradFunction,
  FunctionContext,
} from "@trek/autograd";
export { CpuBackend } from "@trek/backend-cpu";
export { autograd, nn, optim, data };
