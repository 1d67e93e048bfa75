import { describe, expect, it } from "vitest";
import "@trek/autograd";
import { registerBackend } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import {
  expectTrajectoryClose,
  loadFixture,
  makeOptimizer,
  makeProblem,
  trajectory,
  type OptimizerFixtures,
} from "./support.js";

registerBackend("cpu", () => new CpuBackend());

/** The CPU backend without its fused optimizer kernels: steps run the tensor-op decompositions. */
class DecomposedStepsBackend extends CpuBackend {
  override readonly name: string = "cpu-decomposed-steps";
  constructor() {
    super();
    const { sgdStep: _sgd, adamStep: _adam, rmspropStep: _rmsprop, ...others } = this.kernels ?? {};
    Object.defineProperty(this, "kernels", { value: others });
  }
}
registerBackend("cpu-decomposed-steps", () => new DecomposedStepsBackend());
const FUSED = new Set(["SGD", "Adam", "AdamW", "RMSprop"]);

const fixtures = loadFixture<OptimizerFixtures>("optimizers.json");
// float64 agrees to rounding; float32 to its precision over 20 steps.
const TOLERANCE = { float64: { atol: 1e-13, rtol: 1e-12 }, float32: { atol: 1e-6, rtol: 2e-6 } };

describe("optimizer trajectories match PyTorch", () => {
  it("the fixtures cover every optimizer in both float dtypes", () => {
    const names = new Set(fixtures.cases.map((c) => `${c.optimizer}/${c.dtype}`));
    for (const optimizer of ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "Rprop", "ASGD"]) {
      expect(names.has(`${optimizer}/float64`) && names.has(`${optimizer}/float32`)).toBe(true);
    }
    expect(fixtures.cases.every((c) => c.trajectory.length === fixtures.steps)).toBe(true);
  });

  for (const c of fixtures.cases) {
    // SGD, Adam(W) and RMSprop run a backend's fused kernel when it has one: check both paths.
    for (const device of FUSED.has(c.optimizer) ? ["cpu", "cpu-decomposed-steps"] : ["cpu"]) {
      const how = device === "cpu" ? "" : ", tensor-op decomposition";
      it(`${c.name} (${c.dtype}${how}) follows PyTorch for ${fixtures.steps} steps`, () => {
        const problem = makeProblem(fixtures.problem, c.dtype, device);
        const optimizer = makeOptimizer(c, problem);
        const { atol, rtol } = TOLERANCE[c.dtype];
        expectTrajectoryClose(trajectory(optimizer, problem, fixtures.steps), c.trajectory, atol, rtol);
      });
    }
  }

  it("the decomposition device really lacks the fused kernels", () => {
    const problem = makeProblem(fixtures.problem, "float32", "cpu-decomposed-steps");
    expect(problem.w.device).toBe("cpu-decomposed-steps");
    expect(problem.w.backend.kernels?.adamStep).toBeUndefined();
    expect(problem.w.backend.kernels?.matmul).toBeDefined();
  });

  // PyTorch 1.13's NAdam and RAdam have no `maximize`: maximizing −f must retrace minimizing f.
  for (const c of fixtures.cases.filter((c) => c.optimizer === "NAdam" || c.optimizer === "RAdam")) {
    it(`${c.name} (${c.dtype}) with maximize on the negated objective follows PyTorch`, () => {
      const problem = makeProblem(fixtures.problem, c.dtype);
      const optimizer = makeOptimizer(c, problem, { maximize: true });
      const { atol, rtol } = TOLERANCE[c.dtype];
      expectTrajectoryClose(trajectory(optimizer, problem, fixtures.steps, -1), c.trajectory, atol, rtol);
    });
  }

  it("a wrong update rule is caught (the comparison can fail)", () => {
    const c = fixtures.cases.find((c) => c.name === "adam" && c.dtype === "float64")!;
    const problem = makeProblem(fixtures.problem, "float64");
    const optimizer = makeOptimizer(c, problem, { betas: [0.9, 0.99] });
    expect(() => expectTrajectoryClose(trajectory(optimizer, problem, fixtures.steps), c.trajectory, 1e-13, 1e-12)).toThrow(/PyTorch/);
  });
});
