/**
 * The seeds' autograd walk-through: the derivative of a polynomial, then a linear model fitted
 * by gradient descent written by hand, then the same model with `nn` and `optim`.
 */
import { Generator, randn, rand, scope, tensor, zeros, type Tensor } from "@trek/tensor";
import { noGrad } from "@trek/autograd";
import { Linear, MSELoss } from "@trek/nn";
import { SGD } from "@trek/optim";

/** y = x² + 3x + 5 at `x`, and dy/dx from backward (analytically 2x + 3). */
export async function polynomialGradient(x: number): Promise<{ y: number; dydx: number }> {
  const input = tensor(x, { requiresGrad: true });
  const y = input.pow(2).add(input.mul(3)).add(5);
  y.backward();
  const result = { y: await y.item(), dydx: await input.grad!.item() };
  input.dispose();
  y.dispose();
  return result;
}

/** Noisy samples of y = trueWeight · x + trueBias. */
export function lineData(count: number, trueWeight: number, trueBias: number, seed = 0): { x: Tensor; y: Tensor } {
  const generator = new Generator(seed);
  const x = rand([count, 1], { generator }).mul(4).sub(2);
  const noise = randn([count, 1], { generator }).mul(0.1);
  const y = x.mul(trueWeight).add(trueBias).add(noise);
  noise.dispose();
  return { x, y };
}

/** Gradient descent by hand: w ← w − lr·∂L/∂w, b ← b − lr·∂L/∂b, no optimizer. */
export async function fitByHand(x: Tensor, y: Tensor, steps = 100, lr = 0.1): Promise<{ weight: number; bias: number; loss: number }> {
  const weight = zeros([1], { requiresGrad: true });
  const bias = zeros([1], { requiresGrad: true });
  let loss = Number.NaN;
  for (let step = 0; step < steps; step++) {
    loss = scope(() => {
      const prediction = x.mul(weight).add(bias);
      const mse = prediction.sub(y).pow(2).mean();
      mse.backward();
      noGrad(() => {
        weight.sub_(weight.grad!.mul(lr));
        bias.sub_(bias.grad!.mul(lr));
      });
      weight.grad!.zero_();
      bias.grad!.zero_();
      return mse.itemSync();
    });
  }
  const result = { weight: await weight.item(), bias: await bias.item(), loss };
  weight.dispose();
  bias.dispose();
  return result;
}

/** The same fit with a Linear layer, MSELoss and SGD. */
export async function fitWithNn(x: Tensor, y: Tensor, steps = 100, lr = 0.1): Promise<{ weight: number; bias: number; loss: number }> {
  const model = new Linear(1, 1);
  const lossFn = new MSELoss();
  const optimizer = new SGD(model.parameters(), { lr });
  let loss = Number.NaN;
  for (let step = 0; step < steps; step++) {
    loss = scope(() => {
      optimizer.zeroGrad();
      const value = lossFn.call(model.call(x), y);
      value.backward();
      optimizer.step();
      return value.itemSync();
    });
  }
  const result = { weight: await model.weight.item(), bias: await model.bias!.item(), loss };
  model.dispose();
  return result;
}
