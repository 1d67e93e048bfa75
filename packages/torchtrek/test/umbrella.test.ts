import { expect, it } from "vitest";
import * as trek from "torchtrek";

it("one import gives tensors, autograd and a registered CPU backend", async () => {
  expect(trek.listBackends()).toContain("cpu");
  const x = trek.tensor(2, { requiresGrad: true });
  x.pow(2).add(x.mul(3)).add(5).backward();
  expect(await x.grad!.item()).toBe(7);
  expect(trek.noGrad(() => x.mul(2)).requiresGrad).toBe(false);
});

it("the README quick start trains (nn + optim + scope from one import)", () => {
  trek.manualSeed(0);
  const { nn, optim } = trek;
  const x = trek.randn(256, 4);
  const y = x.matmul(trek.tensor([[1], [-2], [0.5], [3]])).add(0.1);
  const model = new nn.Sequential(new nn.Linear(4, 16), new nn.ReLU(), new nn.Linear(16, 1));
  const optimizer = new optim.Adam(model.parameters(), { lr: 1e-2 });
  const lossFn = new nn.MSELoss();
  const before = trek.memory().tensors;
  let first = 0;
  let last = 0;
  for (let step = 0; step < 500; step++) {
    last = trek.scope(() => {
      optimizer.zeroGrad();
      const loss = lossFn.call(model.call(x), y);
      loss.backward();
      optimizer.step();
      return loss.itemSync();
    });
    if (step === 0) first = last;
  }
  expect(last).toBeLessThan(first / 50);
  expect(trek.memory().tensors - before).toBeLessThan(20); // optimizer state and grads only
  expect(String(model)).toContain("Linear(in_features=4, out_features=16, bias=True)");
  const loader = new trek.data.DataLoader(new trek.data.TensorDataset(x, y), { batchSize: 64 });
  expect(loader.length).toBe(4);
});
