import { describe, expect, it } from "vitest";
import { registerBackend, tensor } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { Parameter, clipGradNorm_, clipGradValue_ } from "@trek/nn";

registerBackend("cpu", () => new CpuBackend());

function withGrad(values: number[]): Parameter {
  const p = new Parameter(tensor(values.map(() => 0), { dtype: "float64" }));
  p.grad = tensor(values, { dtype: "float64" });
  return p;
}

describe("gradient clipping", () => {
  it("clipGradNorm_ scales all gradients together to the max norm and returns the old norm", () => {
    const a = withGrad([3, 0]);
    const b = withGrad([0, 4]);
    const norm = clipGradNorm_([a, b], 1);
    expect(norm.itemSync()).toBeCloseTo(5, 12);
    const scale = 1 / (5 + 1e-6);
    expect(a.grad!.tolistSync()).toEqual([3 * scale, 0]);
    expect(b.grad!.tolistSync()).toEqual([0, 4 * scale]);
  });

  it("leaves small gradients alone, and supports the infinity norm", () => {
    const a = withGrad([0.1, -0.2]);
    expect(clipGradNorm_([a], 10).itemSync()).toBeCloseTo(Math.sqrt(0.05), 12);
    expect(a.grad!.tolistSync()).toEqual([0.1, -0.2]);
    const b = withGrad([1, -6, 2]);
    expect(clipGradNorm_([b], 3, { normType: Infinity }).itemSync()).toBe(6);
    expect((b.grad!.tolistSync() as number[])[1]).toBeCloseTo(-3, 5);
  });

  it("can refuse non-finite norms", () => {
    expect(() => clipGradNorm_([withGrad([NaN, 1])], 1, { errorIfNonfinite: true })).toThrow("the total norm of the gradients is NaN");
  });

  it("clipGradValue_ clamps elementwise", () => {
    const a = withGrad([-3, 0.5, 2]);
    clipGradValue_([a], 1);
    expect(a.grad!.tolistSync()).toEqual([-1, 0.5, 1]);
  });
});
