import { describe, expect, it } from "vitest";
import { registerBackend, randn, tensor, zeros, type DType, type Tensor } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { Module, functional as F, type GridSampleMode, type GridSamplePaddingMode } from "@trek/nn";
import { gradcheck } from "@trek/autograd";
import { checkAgainstFixture, loadFixtures } from "./helpers.js";

registerBackend("cpu", () => new CpuBackend());

const cases = loadFixtures("grid");
const DTYPES: DType[] = ["float32", "float64"];

interface GridConfig {
  kind: "gridSample" | "affineGrid" | "spatialTransformer";
  mode?: GridSampleMode;
  paddingMode?: GridSamplePaddingMode;
  alignCorners: boolean;
  size?: number[];
}

/** A stateless module around a function of the fixture's inputs. */
class Lambda extends Module {
  constructor(private readonly fn: (inputs: Record<string, Tensor>) => Tensor) {
    super();
  }

  forward(inputs: Record<string, Tensor>): Tensor {
    return this.fn(inputs);
  }
}

function build(m: GridConfig): Lambda {
  const sampleOptions = { mode: m.mode, paddingMode: m.paddingMode, alignCorners: m.alignCorners };
  switch (m.kind) {
    case "gridSample":
      return new Lambda((a) => F.gridSample(a.x!, a.grid!, sampleOptions));
    case "affineGrid":
      return new Lambda((a) => F.affineGrid(a.theta!, m.size!, { alignCorners: m.alignCorners }));
    case "spatialTransformer":
      return new Lambda((a) => F.gridSample(a.x!, F.affineGrid(a.theta!, m.size!, { alignCorners: m.alignCorners }), sampleOptions));
  }
}

describe("affineGrid and gridSample match PyTorch (values and gradients)", () => {
  for (const dtype of DTYPES) {
    for (const [name, c] of Object.entries(cases)) {
      it(`${name} (${dtype})`, () => {
        const layer = build(c.module as unknown as GridConfig);
        checkAgainstFixture(name, c, dtype, layer, (inputs) => layer.call(inputs));
      });
    }
  }
});

describe("gridSample", () => {
  const x = randn([1, 2, 3, 4], { dtype: "float64" });

  it("passes gradcheck with respect to input and grid in every mode and padding mode", () => {
    const input = randn([1, 2, 3, 4], { dtype: "float64", requiresGrad: true });
    // Positions away from pixel centers and borders, where the sampling is smooth.
    const grid = tensor(
      [
        [
          [[-0.83, 0.41], [0.27, -0.62], [1.37, 0.13]],
          [[0.56, 0.88], [-1.21, -0.34], [0.07, 1.46]],
        ],
      ],
      { dtype: "float64", requiresGrad: true },
    );
    for (const mode of ["bilinear", "bicubic"] as const) {
      for (const paddingMode of ["zeros", "border", "reflection"] as const) {
        for (const alignCorners of [false, true]) {
          const ok = gradcheck((a: Tensor, g: Tensor) => F.gridSample(a, g, { mode, paddingMode, alignCorners }), [input, grid]);
          expect(ok, `${mode} ${paddingMode} alignCorners=${alignCorners}`).toBe(true);
        }
      }
    }
    expect(gradcheck((a: Tensor) => F.gridSample(a, grid.detach(), { mode: "nearest" }), [input])).toBe(true);
  });

  it("gives no gradient to the grid in nearest mode", () => {
    const grid = tensor([[[[0.3, -0.2], [0.9, 0.7]]]], { dtype: "float64", requiresGrad: true });
    F.gridSample(x, grid, { mode: "nearest" }).sum().backward();
    expect(Array.from(grid.grad!.dataSync() as Float64Array)).toEqual([0, 0, 0, 0]);
  });

  it("rounds half to even in nearest mode", () => {
    const row = tensor([[[[0, 10, 20, 30, 40]]]], { dtype: "float64" });
    // With alignCorners, x = −0.5 is pixel 1 exactly, and ±0.25 steps are half pixels: 0.5 → 0, 1.5 → 2, 2.5 → 2.
    const grid = tensor([[[[-0.75, 0], [-0.25, 0], [0.25, 0]]]], { dtype: "float64" });
    const out = F.gridSample(row, grid, { mode: "nearest", alignCorners: true });
    expect(Array.from(out.dataSync() as Float64Array)).toEqual([0, 20, 20]);
  });

  it("with the identity affine grid reproduces the input", () => {
    for (const alignCorners of [false, true]) {
      const theta = tensor([[[1, 0, 0], [0, 1, 0]]], { dtype: "float64" });
      const grid = F.affineGrid(theta, [1, 2, 3, 4], { alignCorners });
      const out = F.gridSample(x, grid, { alignCorners });
      const a = out.dataSync() as Float64Array;
      const b = x.dataSync() as Float64Array;
      for (let i = 0; i < b.length; i++) expect(a[i]).toBeCloseTo(b[i]!, 12);
    }
  });

  it("rejects bad shapes, modes and dtypes, naming the function", () => {
    const grid = zeros([1, 2, 2, 2], { dtype: "float64" });
    expect(() => F.gridSample(x.reshape(2, 3, 4), grid)).toThrow(/gridSample: expected input \[N, C, H, W\], got \[2, 3, 4\]/);
    expect(() => F.gridSample(x, zeros([1, 2, 2, 3], { dtype: "float64" }))).toThrow(/gridSample: expected grid \[N, Ho, Wo, 2\].*\[1, 2, 2, 3\]/);
    expect(() => F.gridSample(x, zeros([2, 2, 2, 2], { dtype: "float64" }))).toThrow(/gridSample: .*different batch sizes/);
    expect(() => F.gridSample(x, grid, { mode: "area" as GridSampleMode })).toThrow(/gridSample: unknown mode 'area'/);
    expect(() => F.gridSample(x, grid, { paddingMode: "circular" as GridSamplePaddingMode })).toThrow(/gridSample: unknown paddingMode 'circular'/);
    expect(() => F.gridSample(x, grid.float())).toThrow(/gridSample: input and grid must have the same floating-point dtype, got float64 and float32/);
  });
});

describe("affineGrid", () => {
  it("passes gradcheck with respect to theta (2-d and 3-d)", () => {
    const theta2 = randn([2, 2, 3], { dtype: "float64", requiresGrad: true });
    expect(gradcheck((t: Tensor) => F.affineGrid(t, [2, 1, 3, 4]), [theta2])).toBe(true);
    const theta3 = randn([1, 3, 4], { dtype: "float64", requiresGrad: true });
    expect(gradcheck((t: Tensor) => F.affineGrid(t, [1, 1, 2, 3, 2], { alignCorners: true }), [theta3])).toBe(true);
  });

  it("rejects bad theta and size, naming the function", () => {
    const theta = zeros([1, 2, 3]);
    expect(() => F.affineGrid(theta, [1, 1, 4])).toThrow(/affineGrid: size must be 4.*\[1,1,4\]/);
    expect(() => F.affineGrid(theta, [1, 1, 0, 4])).toThrow(/affineGrid: size must be/);
    expect(() => F.affineGrid(theta, [1, 1, 2, 2, 2])).toThrow(/affineGrid: a 5-d size needs theta \[N, 3, 4\], got \[1, 2, 3\]/);
    expect(() => F.affineGrid(zeros([1, 3, 4]), [1, 1, 2, 2])).toThrow(/affineGrid: a 4-d size needs theta \[N, 2, 3\], got \[1, 3, 4\]/);
    expect(() => F.affineGrid(theta, [2, 1, 2, 2])).toThrow(/affineGrid: theta \[1, 2, 3\] has batch size 1, but size \[2,1,2,2\] has 2/);
  });
});
