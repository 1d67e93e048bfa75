/**
 * One training step of a small classifier, written once and run in Chromium (WebGPU on
 * SwiftShader) and in Node, so the browser test can compare the two.
 */
import { Generator, manualSeed, randint, randn } from "@trek/tensor";
import { noGrad } from "@trek/autograd";
import { CrossEntropyLoss, Linear, ReLU, Sequential } from "@trek/nn";

export interface StepResult {
  loss: number;
  /** Gradients of every parameter, flattened, in `parameters()` order. */
  gradients: number[][];
  /** The updated first-layer weights after one SGD step (lr 0.1), flattened. */
  updated: number[];
}

export async function trainingStep(device: string): Promise<StepResult> {
  manualSeed(3);
  const model = new Sequential(new Linear(20, 32), new ReLU(), new Linear(32, 5)).to(device);
  const data = new Generator(17);
  const x = randn([16, 20], { generator: data, device });
  const y = randint(0, 5, [16], { generator: data, device });
  const loss = new CrossEntropyLoss().call(model.call(x), y);
  loss.backward();
  const params = model.parameters();
  const gradients: number[][] = [];
  for (const p of params) gradients.push(Array.from((await p.grad!.data()) as Float32Array));
  const first = params[0]!;
  noGrad(() => first.sub_(first.grad!, 0.1));
  return { loss: await loss.item(), gradients, updated: Array.from((await first.data()) as Float32Array) };
}
