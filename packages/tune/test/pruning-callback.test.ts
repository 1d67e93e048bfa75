import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { MedianPruner, TrialPruned, TrialState, createStudy, pruningCallback, setLogLevel } from "../src/index.js";

/** What @trek/train's callbacks look like (duck-typed: optional, sync or async methods). */
interface TrainingCallback {
  onTrainBegin?(logs: Record<string, number>): unknown;
  onEpochEnd?(epoch: number, logs: Record<string, number>): unknown;
  onTrainEnd?(logs: Record<string, number>): unknown;
}

/** A stand-in for `fit`: epochs are 0-based and callback errors propagate out. */
async function fit(epochs: number, validationLoss: (epoch: number) => number, callbacks: TrainingCallback[]): Promise<number> {
  for (const callback of callbacks) await callback.onTrainBegin?.({});
  let last = Number.NaN;
  for (let epoch = 0; epoch < epochs; epoch++) {
    last = validationLoss(epoch);
    for (const callback of callbacks) await callback.onEpochEnd?.(epoch, { loss: last * 0.9, valLoss: last });
  }
  for (const callback of callbacks) await callback.onTrainEnd?.({ valLoss: last });
  return last;
}

beforeAll(() => setLogLevel("warning"));
afterEach(() => vi.restoreAllMocks());

describe("pruningCallback", () => {
  it("reports the monitored value per epoch and prunes through fit", async () => {
    const study = await createStudy({ pruner: new MedianPruner({ nStartupTrials: 2 }) });
    for (const offset of [0, 0.1]) await study.enqueueTrial({ offset });
    await study.enqueueTrial({ offset: 5 }); // far worse than the median from epoch 0 on
    await study.optimize(
      (trial) => {
        const offset = trial.suggestFloat("offset", 0, 10);
        return fit(6, (epoch) => offset + 1 / (epoch + 1), [pruningCallback(trial, { monitor: "valLoss" })]);
      },
      { nTrials: 3 },
    );
    const [first, second, third] = study.trials;
    expect(first!.state).toBe(TrialState.Complete);
    expect([...first!.intermediateValues.keys()]).toEqual([0, 1, 2, 3, 4, 5]);
    expect(first!.intermediateValues.get(0)).toBe(1); // 0 + 1/(0+1), reported at epoch 0
    expect(second!.state).toBe(TrialState.Complete);
    expect(third!.state).toBe(TrialState.Pruned);
    // Median at epoch 0 of {1, 1.1} is 1.05 < 6: pruned right after the first epoch.
    expect([...third!.intermediateValues]).toEqual([[0, 6]]);
    expect(third!.value).toBe(6);
  });

  it("throws TrialPruned from onEpochEnd", async () => {
    const study = await createStudy({ pruner: { prune: () => true } });
    const trial = await study.ask();
    const callback = pruningCallback(trial);
    expect(() => callback.onEpochEnd(3, { valLoss: 0.5 })).toThrow(TrialPruned);
    expect(() => callback.onEpochEnd(4, { valLoss: 0.5 })).toThrow("trial 0 was pruned at epoch 4 (valLoss = 0.5)");
  });

  it("skips epochs without the monitored key, warning once with the keys present", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const study = await createStudy({ pruner: { prune: () => true } });
    const trial = await study.ask();
    const callback = pruningCallback(trial, { monitor: "valAccuracy" });
    expect(() => callback.onEpochEnd(0, { loss: 1, valLoss: 2 })).not.toThrow();
    callback.onEpochEnd(1, { loss: 1 });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toContain('no "valAccuracy" (keys: loss, valLoss)');
    expect(trial.intermediateValues.size).toBe(0);
  });
});
