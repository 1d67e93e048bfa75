import { describe, expect, it } from "vitest";
import { registerBackend, randn, tensor, type DType } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import {
  BCELoss,
  BCEWithLogitsLoss,
  CrossEntropyLoss,
  HuberLoss,
  KLDivLoss,
  L1Loss,
  MSELoss,
  NLLLoss,
  SmoothL1Loss,
  functional as F,
  type Module,
} from "@trek/nn";
import { checkAgainstFixture, fromFixture, loadFixtures, type FixtureTensor } from "./helpers.js";

registerBackend("cpu", () => new CpuBackend());

const cases = loadFixtures("loss");
const DTYPES: DType[] = ["float32", "float64"];

function build(m: Record<string, unknown>, dtype: DType): Module {
  const reduction = (m.reduction as "sum" | "none" | undefined) ?? "mean";
  const weight = m.weight ? fromFixture(m.weight as FixtureTensor, dtype) : null;
  switch (m.kind) {
    case "MSELoss":
      return new MSELoss({ reduction });
    case "L1Loss":
      return new L1Loss({ reduction });
    case "SmoothL1Loss":
      return new SmoothL1Loss({ reduction, beta: m.beta as number });
    case "HuberLoss":
      return new HuberLoss({ reduction, delta: m.delta as number });
    case "CrossEntropyLoss":
      return new CrossEntropyLoss({
        reduction,
        weight,
        ignoreIndex: m.ignoreIndex as number | undefined,
        labelSmoothing: m.labelSmoothing as number | undefined,
      });
    case "NLLLoss":
      return new NLLLoss({ reduction, weight, ignoreIndex: m.ignoreIndex as number | undefined });
    case "BCELoss":
      return new BCELoss({ reduction, weight });
    case "BCEWithLogitsLoss":
      return new BCEWithLogitsLoss({ reduction, weight, posWeight: m.posWeight ? fromFixture(m.posWeight as FixtureTensor, dtype) : null });
    case "KLDivLoss":
      return new KLDivLoss({ reduction: m.reduction as "batchmean", logTarget: m.logTarget as boolean | undefined });
  }
  throw new Error(`unknown loss ${String(m.kind)}`);
}

describe("losses match PyTorch (values and gradients)", () => {
  for (const dtype of DTYPES) {
    for (const [name, c] of Object.entries(cases)) {
      it(`${name} (${dtype})`, () => {
        const loss = build(c.module, dtype);
        // Weight buffers are configuration here, not part of the checked state.
        for (const [key] of loss.namedBuffers()) c.state[key] ??= c.module[key === "pos_weight" ? "posWeight" : key] as FixtureTensor;
        checkAgainstFixture(name, c, dtype, loss, (x) => loss.call(x.input!, x.target!));
      });
    }
  }
});

describe("loss input checks", () => {
  it("reject mismatched shapes instead of broadcasting silently", () => {
    expect(() => new MSELoss().call(randn([8, 1]), randn([8]))).toThrow("mseLoss: input [8, 1] and target [8] must have the same shape");
  });

  it("cross entropy explains bad targets", () => {
    const logits = randn([4, 3]);
    expect(() => F.crossEntropy(logits, tensor([0n, 1n, 2n]))).toThrow("crossEntropy: expected target [4] (class indices) for input [4, 3], got [3]");
    expect(() => F.crossEntropy(logits, tensor([0n, 1n, 5n, 2n]))).toThrow("crossEntropy: a target class index is out of range for 3 classes");
    expect(() => F.nllLoss(logits, tensor([0, 1, 2, 0]))).toThrow("nllLoss: class-index targets must be int64 or int32, got float32");
  });

  it("binary cross entropy refuses values outside [0, 1]", () => {
    expect(() => new BCELoss().call(tensor([0.5, 1.5]), tensor([0, 1]))).toThrow("binaryCrossEntropy: input must hold probabilities in [0, 1], got values in [0.5, 1.5]");
  });

  it("ignoreIndex excludes rows from the mean", () => {
    const logits = randn([3, 4], { dtype: "float64" });
    const all = F.crossEntropy(logits.narrow(0, 0, 2), tensor([1n, 2n]));
    const ignored = F.crossEntropy(logits, tensor([1n, 2n, -100n]));
    expect(ignored.itemSync()).toBeCloseTo(all.itemSync(), 12);
  });

  it("reductions relate as sum = mean · n", () => {
    const a = randn([5, 2], { dtype: "float64" });
    const b = randn([5, 2], { dtype: "float64" });
    const mean = F.l1Loss(a, b).itemSync();
    const sum = F.l1Loss(a, b, { reduction: "sum" }).itemSync();
    expect(sum).toBeCloseTo(mean * 10, 12);
    expect(F.l1Loss(a, b, { reduction: "none" }).shape).toEqual([5, 2]);
    expect(() => F.l1Loss(a, b, { reduction: "avg" as "mean" })).toThrow('l1Loss: reduction must be "none", "mean", "sum"');
  });
});
