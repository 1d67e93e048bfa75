/**
 * A two-layer network's gradients against PyTorch's (fixture written by
 * scripts/fixtures/torch_autograd.py) and against hand-derived formulas.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { registerBackend, tensor, type Tensor } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import "@trek/autograd";

registerBackend("cpu", () => new CpuBackend());

interface Fixture {
  inputs: Record<"x" | "w1" | "b1" | "w2" | "b2", number[][] | number[]>;
  target: number[];
  loss: number;
  grads: Record<"x" | "w1" | "b1" | "w2" | "b2", number[][] | number[]>;
}

const fixture = JSON.parse(readFileSync(new URL("./fixtures/two_layer.json", import.meta.url), "utf8")) as Fixture;

function flat(values: number[][] | number[]): number[] {
  return (values as (number | number[])[]).flat() as number[];
}

function expectClose(t: Tensor, expected: number[][] | number[], tolerance = 1e-12): void {
  const got = Array.from(t.dataSync() as Float64Array);
  const want = flat(expected);
  expect(got.length).toBe(want.length);
  got.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(tolerance));
}

describe("two-layer network", () => {
  const leaf = (name: keyof Fixture["inputs"]): Tensor => tensor(fixture.inputs[name], { dtype: "float64", requiresGrad: true });

  it("matches PyTorch's loss and gradients (cross-entropy over a tanh MLP)", () => {
    const [x, w1, b1, w2, b2] = (["x", "w1", "b1", "w2", "b2"] as const).map(leaf);
    const target = tensor(fixture.target.map(BigInt));
    const hidden = x!.matmul(w1!.T).add(b1!).tanh();
    const logits = hidden.matmul(w2!.T).add(b2!);
    const loss = logits.logSoftmax(1).gather(1, target.unsqueeze(1)).mean().neg();
    expect(Math.abs(loss.itemSync() - fixture.loss)).toBeLessThan(1e-12);
    loss.backward();
    expectClose(x!.grad!, fixture.grads.x);
    expectClose(w1!.grad!, fixture.grads.w1);
    expectClose(b1!.grad!, fixture.grads.b1);
    expectClose(w2!.grad!, fixture.grads.w2);
    expectClose(b2!.grad!, fixture.grads.b2);
  });

  it("matches hand-derived formulas (squared error, linear output)", () => {
    // y = w2·tanh(w1·x), L = ½(y − t)²:  dL/dw2 = (y − t)·h,  dL/dw1 = (y − t)·w2·(1 − h²)·x
    const x = 0.7;
    const t = 0.2;
    const w1 = tensor(0.5, { dtype: "float64", requiresGrad: true });
    const w2 = tensor(-1.3, { dtype: "float64", requiresGrad: true });
    const h = Math.tanh(0.5 * x);
    const y = -1.3 * h;
    w2.mul(w1.mul(x).tanh()).sub(t).pow(2).mul(0.5).backward();
    expect(w2.grad!.itemSync()).toBeCloseTo((y - t) * h, 14);
    expect(w1.grad!.itemSync()).toBeCloseTo((y - t) * -1.3 * (1 - h * h) * x, 14);
  });
});
