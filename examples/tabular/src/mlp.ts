/**
 * A one-hidden-layer classifier written with tensor ops and @trek/autograd. It stands in for
 * @trek/nn (Linear, ReLU, CrossEntropyLoss) and @trek/optim (SGD), which do not exist yet.
 */
import { noGrad } from "@trek/autograd";
import { randn, zeros, type Generator, type Tensor } from "@trek/tensor";

export class Mlp {
  readonly parameters: Tensor[];

  constructor(inputs: number, hidden: number, classes: number, generator: Generator) {
    // He initialisation for the ReLU layer, Glorot-like for the output layer.
    const w1 = randn([inputs, hidden], { generator }).mul(Math.sqrt(2 / inputs)).requiresGrad_();
    const w2 = randn([hidden, classes], { generator }).mul(Math.sqrt(1 / hidden)).requiresGrad_();
    this.parameters = [w1, zeros([hidden]).requiresGrad_(), w2, zeros([classes]).requiresGrad_()];
  }

  /** Class scores (logits) for a batch of feature rows. */
  forward(x: Tensor): Tensor {
    const [w1, b1, w2, b2] = this.parameters as [Tensor, Tensor, Tensor, Tensor];
    return x.matmul(w1).add(b1).relu().matmul(w2).add(b2);
  }

  /** Mean cross-entropy of the logits against int64 class labels. */
  static crossEntropy(logits: Tensor, labels: Tensor): Tensor {
    return logits.logSoftmax(1).gather(1, labels.unsqueeze(1)).neg().mean();
  }

  /** Plain SGD with momentum: v ← μ·v + g; p ← p − lr·v. */
  sgdStep(lr: number, momentum: number, velocity: Tensor[]): void {
    noGrad(() => {
      this.parameters.forEach((p, i) => {
        velocity[i]!.mul_(momentum).add_(p.grad!);
        p.sub_(velocity[i]!.mul(lr));
        p.grad = null;
      });
    });
  }
}
