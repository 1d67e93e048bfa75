import { describe, expect, it } from "vitest";
import "@trek/autograd";
import { Generator, randn, registerBackend, scope, type Tensor } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { AdamW, SGD, type Optimizer } from "@trek/optim";

registerBackend("cpu", () => new CpuBackend());

// An over-parameterized regression (20 weights, 8 samples of noise) that plain training
// overfits: it fits the noise and keeps every weight the data does not constrain at its random
// initial value. Weight decay is the remedy: it pulls all weights towards zero.
function fit(makeOptimizer: (params: Tensor[]) => Optimizer): { norm: number; loss: number } {
  const generator = new Generator().manualSeed(7);
  const x = randn([8, 20], { generator });
  const y = randn([8, 1], { generator });
  const w = randn([20, 1], { generator }).requiresGrad_();
  const optimizer = makeOptimizer([w]);
  for (let step = 0; step < 150; step++) {
    scope(() => {
      optimizer.zeroGrad();
      x.matmul(w).sub(y).pow(2).mean().backward();
      optimizer.step();
    });
  }
  return scope(() => ({ norm: w.norm().itemSync(), loss: x.matmul(w).sub(y).pow(2).mean().itemSync() }));
}

describe("weight decay", () => {
  it("SGD: the same training with weightDecay ends with smaller weights (and fits the noise less)", () => {
    const plain = fit((params) => new SGD(params, { lr: 0.05 }));
    const decayed = fit((params) => new SGD(params, { lr: 0.05, weightDecay: 0.5 }));
    expect(decayed.norm).toBeLessThan(0.5 * plain.norm);
    expect(decayed.loss).toBeGreaterThan(plain.loss);
  });

  it("AdamW: decoupled weight decay shrinks the weights too", () => {
    const plain = fit((params) => new AdamW(params, { lr: 0.01, weightDecay: 0 }));
    const decayed = fit((params) => new AdamW(params, { lr: 0.01, weightDecay: 1 }));
    expect(decayed.norm).toBeLessThan(0.5 * plain.norm);
  });
});
