import { describe, expect, it } from "vitest";
import { registerBackend, tensor, type DType } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import {
  ELU,
  GELU,
  Hardtanh,
  LeakyReLU,
  LogSoftmax,
  Mish,
  PReLU,
  ReLU,
  SELU,
  SiLU,
  Sigmoid,
  Softmax,
  Softplus,
  Tanh,
  functional as F,
  type Module,
} from "@trek/nn";
import { checkAgainstFixture, loadFixtures } from "./helpers.js";

registerBackend("cpu", () => new CpuBackend());

const cases = loadFixtures("activation");
const DTYPES: DType[] = ["float32", "float64"];

function build(m: Record<string, unknown>): Module {
  switch (m.kind) {
    case "ReLU":
      return new ReLU();
    case "LeakyReLU":
      return new LeakyReLU(m.slope as number);
    case "PReLU":
      return new PReLU({ numParameters: (m.channels as number) ?? 1, init: (m.init as number) ?? 0.25 });
    case "ELU":
      return new ELU(m.alpha as number);
    case "SELU":
      return new SELU();
    case "GELU":
      return new GELU((m.approximate as "tanh") ?? "none");
    case "SiLU":
      return new SiLU();
    case "Mish":
      return new Mish();
    case "Sigmoid":
      return new Sigmoid();
    case "Tanh":
      return new Tanh();
    case "Hardtanh":
      return new Hardtanh((m.min as number) ?? -1, (m.max as number) ?? 1);
    case "Softplus":
      return new Softplus((m.beta as number) ?? 1, (m.threshold as number) ?? 20);
    case "Softmax":
      return new Softmax(m.dim as number);
    case "LogSoftmax":
      return new LogSoftmax(m.dim as number);
  }
  throw new Error(`unknown activation ${String(m.kind)}`);
}

describe("activations match PyTorch (forward and backward)", () => {
  for (const dtype of DTYPES) {
    for (const [name, c] of Object.entries(cases)) {
      it(`${name} (${dtype})`, () => {
        const layer = build(c.module);
        checkAgainstFixture(name, c, dtype, layer, (x) => layer.call(x.x!));
      });
    }
  }
});

describe("activation edge cases", () => {
  it("softplus is linear above the threshold and never overflows", () => {
    const y = F.softplus(tensor([100, 1000, -1000]));
    expect(Array.from(y.dataSync() as Float32Array)).toEqual([100, 1000, 0]);
  });

  it("logsigmoid is stable for large negative inputs", () => {
    const y = F.logsigmoid(tensor([-200, 0, 50], { dtype: "float64" }));
    const values = Array.from(y.dataSync() as Float64Array);
    expect(values[0]).toBeCloseTo(-200, 10);
    expect(values[1]).toBeCloseTo(-Math.LN2, 12);
    expect(values[2]).toBeCloseTo(0, 12);
  });

  it("PReLU checks its channel count", () => {
    expect(() => new PReLU({ numParameters: 3 }).call(tensor([[1, 2]]))).toThrow("prelu: weight [3] must have 1 element or one per channel");
  });
});
