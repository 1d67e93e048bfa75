/** The demo's network: small enough to train in about a minute on two CPU cores. */
import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from "@trek/nn";

/** [N, 1, 28, 28] → logits [N, 10]: two Conv-ReLU-MaxPool blocks and a linear classifier. */
export function buildDemoModel(): Sequential {
  return new Sequential(
    new Conv2d(1, 8, 3, { padding: 1 }),
    new ReLU(),
    new MaxPool2d(2),
    new Conv2d(8, 16, 3, { padding: 1 }),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    new Linear(16 * 7 * 7, 10),
  );
}
