import { describe, expect, it } from "vitest";
import { memory, registerBackend, scope, tensor } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { functional as F } from "@trek/nn";
import { Adam, ReduceLROnPlateau, SGD, StepLR } from "@trek/optim";
import { DataLoader, TensorDataset } from "@trek/data";
import { Accuracy, LRSchedulerCallback, compile, evaluate, fit, predict, type Callback } from "@trek/train";
import { blobs, loaderOf, smallClassifier, snapshotWeights } from "./helpers.js";

registerBackend("cpu", () => new CpuBackend());

describe("fit", () => {
  it("learns a separable problem and returns per-epoch history with camelCase keys", async () => {
    const { x, y } = blobs(256, 1);
    const model = smallClassifier(0);
    const history = await fit(model, loaderOf(x, y, 32, { shuffle: true }), {
      epochs: 4,
      optimizer: new Adam(model.parameters(), { lr: 0.05 }),
      loss: "crossEntropy",
      metrics: ["accuracy"],
      valLoader: loaderOf(x, y, 64),
      verbose: 0,
    });
    expect(Object.keys(history)).toEqual(["loss", "accuracy", "valLoss", "valAccuracy", "lr", "time"]);
    expect(history.loss).toHaveLength(4);
    expect(history.loss[3]!).toBeLessThan(history.loss[0]!);
    expect(history.valAccuracy[3]!).toBeGreaterThan(0.95);
    expect(history.lr).toEqual([0.05, 0.05, 0.05, 0.05]);
  });

  it("performs exactly the steps of a hand-written PyTorch-style loop", async () => {
    const { x, y } = blobs(96, 2);
    const byFit = smallClassifier(7);
    const history = await fit(byFit, loaderOf(x, y, 32), { epochs: 2, optimizer: new SGD(byFit.parameters(), { lr: 0.1, momentum: 0.9 }), loss: "crossEntropy", verbose: 0 });

    const byHand = smallClassifier(7);
    const optimizer = new SGD(byHand.parameters(), { lr: 0.1, momentum: 0.9 });
    const epochLosses: number[] = [];
    for (let epoch = 0; epoch < 2; epoch++) {
      let sum = 0;
      for (let start = 0; start < 96; start += 32) {
        sum += scope(() => {
          optimizer.zeroGrad();
          const loss = F.crossEntropy(byHand.call(x.narrow(0, start, 32)), y.narrow(0, start, 32));
          loss.backward();
          optimizer.step();
          return loss.itemSync();
        });
      }
      epochLosses.push(sum / 3);
    }
    expect(await snapshotWeights(byFit)).toEqual(await snapshotWeights(byHand));
    expect(history.loss[0]).toBeCloseTo(epochLosses[0]!, 6);
    expect(history.loss[1]).toBeCloseTo(epochLosses[1]!, 6);
  });

  it("does not leak tensors across epochs or after the run", async () => {
    const { x, y } = blobs(128, 3);
    const model = smallClassifier(1);
    const optimizer = new Adam(model.parameters(), { lr: 0.01 });
    const perEpoch: number[] = [];
    const loader = loaderOf(x, y, 16, { shuffle: true });
    const valLoader = loaderOf(x, y, 64);
    // A first run creates the optimizer state; later runs must leave the count where it was.
    await fit(model, loader, { epochs: 1, optimizer, loss: "crossEntropy", verbose: 0 });
    const before = memory().tensors;
    await fit(model, loader, {
      epochs: 3,
      optimizer,
      loss: "crossEntropy",
      metrics: ["accuracy", "top1Accuracy", "f1"],
      valLoader,
      verbose: 0,
      callbacks: [{ onEpochEnd: () => void perEpoch.push(memory().tensors) }],
    });
    expect(perEpoch[1]).toBe(perEpoch[0]);
    expect(perEpoch[2]).toBe(perEpoch[0]);
    expect(memory().tensors).toBe(before);
  });

  it("moves batches to the model's device and restores the model's mode", async () => {
    const { x, y } = blobs(64, 4);
    const model = smallClassifier(2).eval();
    await fit(model, loaderOf(x, y, 32), { epochs: 1, optimizer: new SGD(model.parameters(), { lr: 0.1 }), loss: "crossEntropy", device: "cpu", verbose: 0 });
    expect(model.training).toBe(false);
  });

  it("accepts plain arrays of batches, loss functions and loss modules, and stepsPerEpoch", async () => {
    const { x, y } = blobs(64, 5);
    const batches = [
      [x.narrow(0, 0, 32), y.narrow(0, 0, 32)],
      [x.narrow(0, 32, 32), y.narrow(0, 32, 32)],
    ];
    const model = smallClassifier(3);
    let seen = 0;
    const history = await fit(model, batches, {
      epochs: 2,
      optimizer: new SGD(model.parameters(), { lr: 0.1 }),
      loss: (output, target) => F.crossEntropy(output, target),
      stepsPerEpoch: 1,
      verbose: 0,
      callbacks: [{ onBatchEnd: () => void seen++ }],
    });
    expect(seen).toBe(2); // one batch per epoch
    expect(history.loss).toHaveLength(2);
    // The caller's batches survive: fit only disposes batches a DataLoader made.
    expect(batches[0]![0]!.isDisposed).toBe(false);
  });

  it("runs the Keras workflow through compile", async () => {
    const { x, y } = blobs(128, 6);
    const model = smallClassifier(4);
    const trainer = compile(model, { optimizer: new Adam(model.parameters(), { lr: 0.05 }), loss: "crossEntropy", metrics: ["accuracy"] });
    await trainer.fit(loaderOf(x, y, 32, { shuffle: true }), { epochs: 3, verbose: 0 });
    const result = await trainer.evaluate(loaderOf(x, y, 64));
    expect(Object.keys(result)).toEqual(["loss", "accuracy"]);
    expect(result.accuracy).toBeGreaterThan(0.9);
    const probabilities = await trainer.predict(x.narrow(0, 0, 3));
    expect(probabilities.shape).toEqual([3, 2]);
    expect(trainer.histories).toHaveLength(1);
  });
});

describe("evaluate and predict", () => {
  it("evaluate: sample-weighted mean loss and accuracy equal direct computation", async () => {
    const { x, y } = blobs(100, 7);
    const model = smallClassifier(5);
    // Batches of 32 leave a last batch of 4: a plain mean of batch means would be wrong.
    const result = await evaluate(model, loaderOf(x, y, 32), { loss: "crossEntropy", metrics: [new Accuracy()] });
    const expectedLoss = scope(() => F.crossEntropy(model.call(x), y).itemSync());
    const predicted = scope(() => model.call(x).argmax(1).dataSync() as BigInt64Array);
    const labels = y.dataSync() as BigInt64Array;
    let correct = 0;
    for (let i = 0; i < 100; i++) if (predicted[i] === labels[i]) correct++;
    expect(result.loss).toBeCloseTo(expectedLoss, 5);
    expect(result.accuracy).toBe(correct / 100);
    expect(model.training).toBe(true);
  });

  it("predict: softmax probabilities by default, raw outputs on request, from tensors and loaders", async () => {
    const { x, y } = blobs(10, 8);
    const model = smallClassifier(6);
    const probabilities = await predict(model, x, { batchSize: 4 });
    const logits = scope(() => model.call(x));
    const expected = scope(() => logits.softmax(1));
    expect(Array.from(await probabilities.data(), Number)).toEqual(Array.from(await expected.data(), Number).map((v) => expect.closeTo(v, 6)));
    const sums = await probabilities.sum(1).data();
    for (const s of sums) expect(s).toBeCloseTo(1, 6);
    const raw = await predict(model, new DataLoader(new TensorDataset(x, y), { batchSize: 3 }), { activation: "none" });
    expect(Array.from(await raw.data(), Number)).toEqual(Array.from(await logits.data(), Number).map((v) => expect.closeTo(v, 6)));
  });
});

describe("errors a user can act on", () => {
  const { x, y } = blobs(16, 9);

  it("names the option, the batch and the shapes", async () => {
    const model = smallClassifier(0);
    const optimizer = new SGD(model.parameters(), { lr: 0.1 });
    await expect(fit(model, loaderOf(x, y, 8), { epochs: 0, optimizer, loss: "crossEntropy" })).rejects.toThrow("fit: epochs must be a positive integer, got 0");
    await expect(fit(model, loaderOf(x, y, 8), { epochs: 1, optimizer, loss: "crossEntropi" as never })).rejects.toThrow(/fit: unknown loss "crossEntropi"/);
    await expect(fit(model, loaderOf(x, y, 8), { epochs: 1, optimizer, loss: (o) => o, verbose: 0 })).rejects.toThrow(
      /fit: the loss \(loss\) returned shape \[8, 2\]; it must be a scalar/,
    );
    await expect(fit(model, [[x.reshape(16, 2, 1), y]], { epochs: 1, optimizer, loss: "crossEntropy", verbose: 0 })).rejects.toThrow(
      /fit: batch 0 \(inputs \[16, 2, 1\], target \[16\] int64\): /,
    );
    await expect(fit(model, ["not a batch"], { epochs: 1, optimizer, loss: "crossEntropy", verbose: 0 })).rejects.toThrow(
      /fit: batch 0: expected a batch \[inputs…, target\], a tensor, or \{ input, target \}, got string/,
    );
    await expect(fit(model, [x], { epochs: 1, optimizer, loss: "crossEntropy", verbose: 0 })).rejects.toThrow(/fit: batch 0 has no target/);
    await expect(fit(model, [], { epochs: 1, optimizer, loss: "crossEntropy", verbose: 0 })).rejects.toThrow(/fit: the training loader yielded no batches in epoch 0/);
  });

  it("stops with a clear error when the loss becomes NaN instead of training on", async () => {
    const model = smallClassifier(0);
    const poisoned = tensor([[Number.NaN, 0]]);
    await expect(
      fit(model, [[poisoned, tensor([1], { dtype: "int64" })]], { epochs: 1, optimizer: new SGD(model.parameters(), { lr: 0.1 }), loss: "crossEntropy", verbose: 0 }),
    ).rejects.toThrow(/fit: the loss became NaN at epoch 0, batch 0 \(learning rate 0.1\)/);
  });
});

describe("learning-rate schedules", () => {
  it("LRSchedulerCallback steps per epoch and fit logs the rate each epoch used", async () => {
    const { x, y } = blobs(32, 10);
    const model = smallClassifier(0);
    const optimizer = new SGD(model.parameters(), { lr: 0.1 });
    const history = await fit(model, loaderOf(x, y, 16), {
      epochs: 3,
      optimizer,
      loss: "crossEntropy",
      verbose: 0,
      callbacks: [new LRSchedulerCallback(new StepLR(optimizer, { stepSize: 1, gamma: 0.5 }))],
    });
    expect(history.lr).toEqual([0.1, 0.05, 0.025]);
  });

  it("ReduceLROnPlateau receives the monitored value and halves the rate after a plateau", async () => {
    const { x, y } = blobs(32, 12);
    const model = smallClassifier(0);
    const optimizer = new SGD(model.parameters(), { lr: 0.1 });
    const plateau: Callback = { onEpochEnd: (epoch, logs) => void (logs.valLoss = [1, 1, 1, 0.5][epoch]!) };
    const history = await fit(model, loaderOf(x, y, 16), {
      epochs: 4,
      optimizer,
      loss: "crossEntropy",
      verbose: 0,
      // patience 0: the first epoch without improvement (epoch 1) halves the rate for epoch 2.
      callbacks: [plateau, new LRSchedulerCallback(new ReduceLROnPlateau(optimizer, { patience: 0, factor: 0.5 }))],
    });
    expect(history.lr).toEqual([0.1, 0.1, 0.05, 0.025]);
  });

  it("interval 'batch' steps after every batch", async () => {
    const { x, y } = blobs(32, 11);
    const model = smallClassifier(0);
    const optimizer = new SGD(model.parameters(), { lr: 1 });
    const rates: number[] = [];
    const callbacks: Callback[] = [
      new LRSchedulerCallback(new StepLR(optimizer, { stepSize: 1, gamma: 0.5 }), { interval: "batch" }),
      { onBatchEnd: () => void rates.push(optimizer.paramGroups[0]!.lr) },
    ];
    await fit(model, loaderOf(x, y, 8), { epochs: 1, optimizer, loss: "crossEntropy", verbose: 0, callbacks });
    expect(rates).toEqual([0.5, 0.25, 0.125, 0.0625]);
  });
});
