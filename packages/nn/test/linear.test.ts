import { describe, expect, it } from "vitest";
import { registerBackend, randn, zeros, type DType } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { Bilinear, Linear } from "@trek/nn";
import { checkAgainstFixture, loadFixtures } from "./helpers.js";

registerBackend("cpu", () => new CpuBackend());

const cases = loadFixtures("linear");
const DTYPES: DType[] = ["float32", "float64"];

describe("Linear and Bilinear match PyTorch (forward and backward)", () => {
  for (const dtype of DTYPES) {
    for (const name of ["linear_2d", "linear_3d", "linear_nobias"]) {
      it(`${name} (${dtype})`, () => {
        const c = cases[name]!;
        const m = c.module as { in: number; out: number; bias?: boolean };
        const layer = new Linear(m.in, m.out, { bias: m.bias ?? true });
        checkAgainstFixture(name, c, dtype, layer, (x) => layer.call(x.x!));
      });
    }
    it(`bilinear (${dtype})`, () => {
      const c = cases.bilinear!;
      const layer = new Bilinear(3, 4, 2);
      checkAgainstFixture("bilinear", c, dtype, layer, (x) => layer.call(x.x1!, x.x2!));
    });
  }
});

describe("Linear", () => {
  it("names the layer, the expected and the actual shape, and suggests Flatten", () => {
    const layer = new Linear(784, 512);
    expect(() => layer.call(zeros([128, 28, 28]))).toThrow(
      "Linear(in=784, out=512): expected input [..., 784], got [128, 28, 28]. Did you forget Flatten()?",
    );
    expect(() => layer.call(zeros([4, 100]))).toThrow("Linear(in=784, out=512): expected input [..., 784], got [4, 100]");
  });

  it("initializes weight and bias within ±1/√in like PyTorch", () => {
    const layer = new Linear(400, 50);
    const bound = 1 / Math.sqrt(400);
    for (const p of [layer.weight, layer.bias!]) {
      const values = Array.from(p.dataSync() as Float32Array);
      expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(bound);
      // Uniform on [−b, b] has standard deviation b/√3.
      const std = Math.sqrt(values.reduce((s, v) => s + v * v, 0) / values.length);
      if (values.length > 1000) expect(std).toBeCloseTo(bound / Math.sqrt(3), 3);
    }
  });

  it("keeps leading dims and handles non-contiguous input", () => {
    const layer = new Linear(3, 2);
    const x = randn([4, 5, 3]);
    const y = layer.call(x.transpose(0, 1));
    expect(y.shape).toEqual([5, 4, 2]);
    const direct = layer.call(x).transpose(0, 1);
    expect(y.allclose(direct.contiguous())).toBe(true);
  });
});
