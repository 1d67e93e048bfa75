import { expect, it } from "vitest";
import * as trek from "torchtrek";

it("one import gives tensors, autograd and a registered CPU backend", async () => {
  expect(trek.listBackends()).toContain("cpu");
  const x = trek.tensor(2, { requiresGrad: true });
  x.pow(2).add(x.mul(3)).add(5).backward();
  expect(await x.grad!.item()).toBe(7);
  expect(trek.noGrad(() => x.mul(2)).requiresGrad).toBe(false);
});
