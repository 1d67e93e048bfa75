/**
 * @trek/tensor alone (this file never imports @trek/autograd): ops never record, and
 * backward() says which package to install and import.
 */
import { expect, it } from "vitest";
import { getAutogradEngine, registerBackend, tensor } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";

registerBackend("cpu", () => new CpuBackend());

it("backward() without autograd explains how to get it", () => {
  expect(getAutogradEngine()).toBe(null);
  const x = tensor(2, { requiresGrad: true });
  const y = x.mul(x);
  expect(y.gradFn).toBe(null);
  expect(() => y.backward()).toThrow(/autograd is not installed\. Install @trek\/autograd and import it once/);
  expect(() => x.retainGrad()).toThrow(/import @trek\/autograd/);
});
