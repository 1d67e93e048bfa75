/** The benchmark networks in TorchTrek (@trek/nn); torch_bench.py defines the same ones. */
import type { Tensor } from "@trek/tensor";
import { BatchNorm2d, Conv2d, Embedding, Flatten, LSTM, Linear, MaxPool2d, Module, ReLU, Sequential, functional as F } from "@trek/nn";

/** W2: 784 → 512 → 10 with ReLU. */
export function mlp(): Sequential {
  return new Sequential(new Linear(784, 512), new ReLU(), new Linear(512, 10));
}

/** W3/W4: conv3×3(32)-pool-conv3×3(64)-pool-fc128-fc10 on [N, 1, 28, 28]. */
export function cnn(): Sequential {
  return new Sequential(
    new Conv2d(1, 32, 3), new ReLU(), new MaxPool2d(2),
    new Conv2d(32, 64, 3), new ReLU(), new MaxPool2d(2),
    new Flatten(), new Linear(64 * 5 * 5, 128), new ReLU(), new Linear(128, 10),
  );
}

class BasicBlock extends Module {
  conv1: Conv2d;
  bn1: BatchNorm2d;
  conv2: Conv2d;
  bn2: BatchNorm2d;
  downsample: Sequential | null = null;

  constructor(cin: number, cout: number, stride: number) {
    super();
    this.conv1 = new Conv2d(cin, cout, 3, { stride, padding: 1, bias: false });
    this.bn1 = new BatchNorm2d(cout);
    this.conv2 = new Conv2d(cout, cout, 3, { padding: 1, bias: false });
    this.bn2 = new BatchNorm2d(cout);
    if (stride !== 1 || cin !== cout) {
      this.downsample = new Sequential(new Conv2d(cin, cout, 1, { stride, bias: false }), new BatchNorm2d(cout));
    }
  }

  forward(x: Tensor): Tensor {
    const identity = this.downsample ? this.downsample.call(x) : x;
    const y = this.bn2.call(this.conv2.call(this.bn1.call(this.conv1.call(x)).relu()));
    return y.add(identity).relu();
  }
}

/** W4: ResNet-18 (torchvision's layout) on [N, 3, 224, 224]. */
export class ResNet18 extends Module {
  conv1 = new Conv2d(3, 64, 7, { stride: 2, padding: 3, bias: false });
  bn1 = new BatchNorm2d(64);
  maxpool = new MaxPool2d(3, { stride: 2, padding: 1 });
  layers: Sequential;
  fc = new Linear(512, 1000);

  constructor() {
    super();
    const blocks: Module[] = [];
    let cin = 64;
    for (const [cout, stride] of [[64, 1], [128, 2], [256, 2], [512, 2]] as const) {
      blocks.push(new BasicBlock(cin, cout, stride), new BasicBlock(cout, cout, 1));
      cin = cout;
    }
    this.layers = new Sequential(...blocks);
  }

  forward(x: Tensor): Tensor {
    const stem = this.maxpool.call(this.bn1.call(this.conv1.call(x)).relu());
    return this.fc.call(F.adaptiveAvgPool2d(this.layers.call(stem), 1).flatten(1));
  }
}

/** W5: embedding 5000×100 → LSTM 150 → linear to 5000, over [T, B] token ids. */
export class LstmLanguageModel extends Module {
  embedding = new Embedding(5000, 100);
  lstm = new LSTM(100, 150);
  out = new Linear(150, 5000);

  forward(tokens: Tensor): Tensor {
    const [y] = this.lstm.call(this.embedding.call(tokens));
    return this.out.call(y);
  }
}
