import { describe, expect, it } from "vitest";
import { manualSeed, memory, registerBackend } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { fitByHand, fitWithNn, lineData, polynomialGradient } from "../src/autograd-basics.js";

registerBackend("cpu", () => new CpuBackend());

describe("autograd-basics example", () => {
  it("differentiates y = x² + 3x + 5 (dy/dx = 2x + 3)", async () => {
    expect(await polynomialGradient(2)).toEqual({ y: 15, dydx: 7 });
    expect(await polynomialGradient(-1.5)).toEqual({ y: 2.75, dydx: 0 });
  });

  it("both training loops recover the line y = 2x + 1 and do not leak", async () => {
    manualSeed(0);
    const { x, y } = lineData(200, 2, 1);
    const before = memory().tensors;
    const byHand = await fitByHand(x, y);
    const withNn = await fitWithNn(x, y);
    expect(memory().tensors).toBe(before);
    for (const fitted of [byHand, withNn]) {
      expect(fitted.weight).toBeCloseTo(2, 1);
      expect(fitted.bias).toBeCloseTo(1, 1);
      expect(fitted.loss).toBeLessThan(0.02); // the noise variance is 0.01
    }
  });
});
