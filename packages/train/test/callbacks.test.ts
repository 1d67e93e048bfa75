import { afterAll, describe, expect, it, vi } from "vitest";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { registerBackend } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { CrossEntropyLoss, load } from "@trek/nn";
import { SGD } from "@trek/optim";
import {
  CSVLogger,
  EarlyStopping,
  JsonLinesLogger,
  ModelCheckpoint,
  TrialPrunedError,
  fit,
  formatCheckpointPath,
  reportingCallback,
  type Callback,
  type Logs,
} from "@trek/train";
import { MedianPruner, TrialState, createStudy, pruningCallback, setLogLevel } from "@trek/tune";
import { blobs, loaderOf, smallClassifier, snapshotWeights } from "./helpers.js";

registerBackend("cpu", () => new CpuBackend());

const directory = mkdtempSync(join(tmpdir(), "trek-train-callbacks-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const { x, y } = blobs(64, 21);

/** Overwrites `valLoss` with scripted values (callbacks share the epoch's logs object). */
function scriptedValidation(values: readonly number[]): Callback {
  return { onEpochEnd: (epoch: number, logs: Logs) => void (logs.valLoss = values[epoch]!) };
}

/** Records the model's weights at the end of every epoch. */
function weightRecorder(model: ReturnType<typeof smallClassifier>, into: Record<string, number[]>[]): Callback {
  return { onEpochEnd: async () => void into.push(await snapshotWeights(model)) };
}

describe("callback contract", () => {
  it("calls every hook in order with 0-based epochs and awaits async hooks", async () => {
    const calls: string[] = [];
    const model = smallClassifier(0);
    const recorder: Callback = {
      setContext: (context) => void calls.push(`context ${context.epochs} ${context.stepsPerEpoch} ${context.logKeys.join(",")}`),
      onTrainBegin: () => void calls.push("trainBegin"),
      onEpochBegin: (epoch) => void calls.push(`epochBegin ${epoch}`),
      onBatchBegin: (batch) => void calls.push(`batchBegin ${batch}`),
      onBatchEnd: async (batch, logs) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        calls.push(`batchEnd ${batch} ${Object.keys(logs).join(",")}`);
      },
      onEpochEnd: (epoch, logs) => void calls.push(`epochEnd ${epoch} ${Object.keys(logs).join(",")}`),
      onTrainEnd: (logs) => void calls.push(`trainEnd ${Object.keys(logs).join(",")}`),
    };
    await fit(model, loaderOf(x, y, 32), { epochs: 2, optimizer: new SGD(model.parameters(), { lr: 0.1 }), loss: "crossEntropy", metrics: ["accuracy"], verbose: 0, callbacks: [recorder] });
    expect(calls).toEqual([
      "context 2 2 loss,accuracy,lr,time",
      "trainBegin",
      "epochBegin 0",
      "batchBegin 0",
      "batchEnd 0 size,loss,accuracy",
      "batchBegin 1",
      "batchEnd 1 size,loss,accuracy",
      "epochEnd 0 loss,accuracy,lr,time",
      "epochBegin 1",
      "batchBegin 0",
      "batchEnd 0 size,loss,accuracy",
      "batchBegin 1",
      "batchEnd 1 size,loss,accuracy",
      "epochEnd 1 loss,accuracy,lr,time",
      "trainEnd loss,accuracy,lr,time",
    ]);
  });

  it("an exception from a callback propagates out of fit after cleanup", async () => {
    const model = smallClassifier(0).eval();
    const aborted: unknown[] = [];
    const failing: Callback = {
      onEpochEnd: (epoch) => {
        if (epoch === 1) throw new Error("callback failed at epoch 1");
      },
      onTrainAbort: (error) => void aborted.push(error),
      onTrainEnd: () => void aborted.push("trainEnd must not run"),
    };
    await expect(
      fit(model, loaderOf(x, y, 32), { epochs: 5, optimizer: new SGD(model.parameters(), { lr: 0.1 }), loss: new CrossEntropyLoss(), verbose: 0, callbacks: [failing] }),
    ).rejects.toThrow("callback failed at epoch 1");
    expect(aborted).toHaveLength(1);
    expect((aborted[0] as Error).message).toBe("callback failed at epoch 1");
    expect(model.training).toBe(false); // the mode the model had before fit
  });

  it("@trek/tune's pruningCallback plugs into fit: reports per epoch and prunes through the study", async () => {
    setLogLevel("warning");
    const study = await createStudy({ pruner: new MedianPruner({ nStartupTrials: 1, nWarmupSteps: 0 }) });
    const epochsRun: number[] = [];
    await study.optimize(
      async (trial) => {
        const lr = trial.suggestFloat("lr", 1e-4, 1, { log: true });
        const model = smallClassifier(0);
        let epochs = 0;
        const history = await fit(model, loaderOf(x, y, 16), {
          epochs: 4,
          optimizer: new SGD(model.parameters(), { lr }),
          loss: "crossEntropy",
          valLoader: loaderOf(x, y, 64),
          verbose: 0,
          // The second trial is scored far worse than the first from its first epoch on.
          callbacks: [scriptedValidation(trial.number === 0 ? [1, 0.9, 0.8, 0.7] : [5, 5, 5, 5]), { onEpochEnd: () => void epochs++ }, pruningCallback(trial, { monitor: "valLoss" })],
        }).finally(() => epochsRun.push(epochs));
        return history.valLoss.at(-1)!;
      },
      { nTrials: 2 },
    );
    const [first, second] = study.trials;
    expect(first!.state).toBe(TrialState.Complete);
    expect([...first!.intermediateValues.entries()]).toEqual([
      [0, 1],
      [1, 0.9],
      [2, 0.8],
      [3, 0.7],
    ]);
    expect(second!.state).toBe(TrialState.Pruned);
    expect([...second!.intermediateValues.entries()]).toEqual([[0, 5]]);
    expect(epochsRun).toEqual([4, 1]);
  });

  it("reportingCallback reports to any trial-like object and throws a TrialPruned error or stops quietly", async () => {
    const reported: [number, number][] = [];
    const trial = { report: (value: number, step: number) => void reported.push([value, step]), shouldPrune: () => reported.length >= 2 };
    const model = smallClassifier(0);
    const options = { epochs: 5, optimizer: new SGD(model.parameters(), { lr: 0.1 }), loss: "crossEntropy" as const, verbose: 0 as const };
    const thrown = await fit(model, loaderOf(x, y, 32), { ...options, callbacks: [scriptedValidation([3, 2, 1, 0, 0]), reportingCallback(trial)] }).catch((e) => e);
    expect(thrown).toBeInstanceOf(TrialPrunedError);
    expect(thrown.name).toBe("TrialPruned");
    expect(thrown.message).toBe("trial pruned at epoch 1 (valLoss = 2)");
    expect(reported).toEqual([
      [3, 0],
      [2, 1],
    ]);
    reported.length = 0;
    const history = await fit(model, loaderOf(x, y, 32), { ...options, callbacks: [scriptedValidation([3, 2, 1, 0, 0]), reportingCallback(trial, { onPrune: "stop" })] });
    expect(history.loss).toHaveLength(2);
  });
});

describe("EarlyStopping", () => {
  it("stops after `patience` epochs without improvement and restores the best epoch's weights", async () => {
    const model = smallClassifier(1);
    const weights: Record<string, number[]>[] = [];
    const stopper = new EarlyStopping({ monitor: "valLoss", patience: 2, restoreBestWeights: true });
    const history = await fit(model, loaderOf(x, y, 16), {
      epochs: 10,
      optimizer: new SGD(model.parameters(), { lr: 0.5 }),
      loss: "crossEntropy",
      verbose: 0,
      // best at epoch 1; epochs 2 and 3 do not improve → stop after epoch 3.
      callbacks: [scriptedValidation([1.0, 0.5, 0.7, 0.8, 0.1]), weightRecorder(model, weights), stopper],
    });
    expect(history.loss).toHaveLength(4);
    expect(stopper.bestEpoch).toBe(1);
    expect(stopper.best).toBe(0.5);
    expect(stopper.stoppedEpoch).toBe(3);
    expect(weights[3]).not.toEqual(weights[1]); // training did change the weights after the best epoch
    expect(await snapshotWeights(model)).toEqual(weights[1]);
  });

  it("without restoreBestWeights the last weights stay; minDelta and mode 'max' are honoured", async () => {
    const model = smallClassifier(2);
    const weights: Record<string, number[]>[] = [];
    const accuracyScript: Callback = { onEpochEnd: (epoch, logs) => void (logs.valAccuracy = [0.5, 0.6, 0.605, 0.61, 0.9][epoch]!) };
    const stopper = new EarlyStopping({ monitor: "valAccuracy", patience: 1, minDelta: 0.02 });
    const history = await fit(model, loaderOf(x, y, 16), {
      epochs: 10,
      optimizer: new SGD(model.parameters(), { lr: 0.5 }),
      loss: "crossEntropy",
      verbose: 0,
      callbacks: [accuracyScript, weightRecorder(model, weights), stopper],
    });
    // 0.605 is not 0.02 better than 0.6: patience 1 stops at epoch 2.
    expect(history.loss).toHaveLength(3);
    expect(stopper.bestEpoch).toBe(1);
    expect(await snapshotWeights(model)).toEqual(weights[2]);
  });

  it("warns once when the monitored key is missing", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const model = smallClassifier(0);
    await fit(model, loaderOf(x, y, 32), { epochs: 2, optimizer: new SGD(model.parameters(), { lr: 0.1 }), loss: "crossEntropy", verbose: 0, callbacks: [new EarlyStopping()] });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toMatch(/EarlyStopping: the logs of epoch 0 have no "valLoss" \(keys: loss, lr, time\) \(pass valLoader to fit for validation values\)/);
    warn.mockRestore();
  });
});

describe("ModelCheckpoint", () => {
  it("with saveBestOnly writes only on improvement, and the file holds that epoch's weights", async () => {
    const folder = join(directory, "best-only");
    const model = smallClassifier(3);
    const weights: Record<string, number[]>[] = [];
    const checkpoint = new ModelCheckpoint({ filepath: join(folder, "model-{epoch}-{valLoss:.2f}.safetensors"), saveBestOnly: true });
    await fit(model, loaderOf(x, y, 16), {
      epochs: 5,
      optimizer: new SGD(model.parameters(), { lr: 0.5 }),
      loss: "crossEntropy",
      verbose: 0,
      // improvements at epochs 0, 1 and 3 (1-based file names 1, 2, 4).
      callbacks: [scriptedValidation([1.0, 0.8, 0.9, 0.7, 0.75]), weightRecorder(model, weights), checkpoint],
    });
    expect(readdirSync(folder).sort()).toEqual(["model-1-1.00.safetensors", "model-2-0.80.safetensors", "model-4-0.70.safetensors"]);
    expect(checkpoint.best).toBe(0.7);
    const saved = load(join(folder, "model-4-0.70.safetensors"));
    for (const [name, values] of Object.entries(weights[3]!)) expect(Array.from(saved[name]!.dataSync(), Number)).toEqual(values);
  });

  it("without saveBestOnly writes every epoch, overwriting a fixed path atomically", async () => {
    const folder = join(directory, "every-epoch");
    const model = smallClassifier(4);
    const checkpoint = new ModelCheckpoint({ filepath: join(folder, "last.safetensors") });
    await fit(model, loaderOf(x, y, 32), { epochs: 3, optimizer: new SGD(model.parameters(), { lr: 0.1 }), loss: "crossEntropy", verbose: 0, callbacks: [checkpoint] });
    expect(checkpoint.saved).toHaveLength(3);
    expect(readdirSync(folder)).toEqual(["last.safetensors"]); // no temporary files left behind
    const saved = load(join(folder, "last.safetensors"));
    expect(Object.keys(saved).sort()).toEqual(["0.bias", "0.weight", "2.bias", "2.weight"]);
    expect(Array.from(saved["2.bias"]!.dataSync(), Number)).toEqual(Array.from(model.getParameter("2.bias").dataSync(), Number));
  });

  it("formats paths and names missing keys", () => {
    expect(formatCheckpointPath("m-{epoch}-{valAccuracy:.3f}.st", 4, { valAccuracy: 0.91234 })).toBe("m-5-0.912.st");
    expect(() => formatCheckpointPath("m-{valLoss}.st", 0, { loss: 1 })).toThrow('ModelCheckpoint: the file path uses {valLoss}, but the logs have no "valLoss" (keys: loss)');
  });
});

describe("loggers", () => {
  it("CSVLogger writes a header and one row per epoch; JsonLinesLogger one object per line", async () => {
    const csvPath = join(directory, "logs", "train.csv");
    const jsonPath = join(directory, "logs", "train.jsonl");
    const model = smallClassifier(5);
    const history = await fit(model, loaderOf(x, y, 32), {
      epochs: 2,
      optimizer: new SGD(model.parameters(), { lr: 0.1 }),
      loss: "crossEntropy",
      metrics: ["accuracy"],
      valLoader: loaderOf(x, y, 64),
      verbose: 0,
      callbacks: [new CSVLogger(csvPath), new JsonLinesLogger(jsonPath)],
    });
    const rows = readFileSync(csvPath, "utf8").trim().split("\n");
    expect(rows[0]).toBe("epoch,loss,accuracy,valLoss,valAccuracy,lr,time");
    expect(rows).toHaveLength(3);
    expect(rows[2]!.split(",").slice(0, 5).map(Number)).toEqual([1, history.loss[1], history.accuracy[1], history.valLoss[1], history.valAccuracy[1]]);
    const lines = readFileSync(jsonPath, "utf8").trim().split("\n").map((line) => JSON.parse(line));
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ epoch: 1, loss: history.loss[1], valAccuracy: history.valAccuracy[1] });
    expect(existsSync(csvPath)).toBe(true);
  });
});
