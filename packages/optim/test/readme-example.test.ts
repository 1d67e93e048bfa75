import { expect, it } from "vitest";
// The example of packages/optim/README.md and docs/optim.md, as a test.
import "@trek/autograd";
import { Generator, randn, registerBackend, scope, tensor, zeros } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { Adam, lrScheduler } from "@trek/optim";

registerBackend("cpu", () => new CpuBackend());

it("the README example fits y = x·[2, −1, 0.5] + 1", () => {
  const x = randn([64, 3], { generator: new Generator().manualSeed(0) });
  const y = x.matmul(tensor([[2], [-1], [0.5]])).add(1);
  const w = zeros([3, 1], { requiresGrad: true });
  const b = zeros([1], { requiresGrad: true });
  const optimizer = new Adam([w, b], { lr: 0.1 });
  const scheduler = new lrScheduler.StepLR(optimizer, { stepSize: 100, gamma: 0.5 });
  for (let step = 0; step < 300; step++) {
    scope(() => {
      optimizer.zeroGrad();
      x.matmul(w).add(b).sub(y).pow(2).mean().backward();
      optimizer.step();
      scheduler.step();
    });
  }
  expect(Array.from(w.dataSync() as Float32Array).map((v) => Math.round(v * 100) / 100)).toEqual([2, -1, 0.5]);
  expect(Math.round(b.itemSync() * 100) / 100).toBe(1);
  expect(scheduler.getLastLr()).toEqual([0.0125]);
});
