import { describe, expect, it } from "vitest";
import "@trek/autograd";
import { registerBackend, scope, type Tensor } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { LBFGS, type LBFGSOptions } from "@trek/optim";
import { expectListsClose, expectTrajectoryClose, loadFixture, makeProblem, objective, type LBFGSCase, type OptimizerFixtures, type Problem } from "./support.js";

registerBackend("cpu", () => new CpuBackend());

const fixtures = loadFixture<OptimizerFixtures>("optimizers.json");
const { steps, cases } = fixtures.lbfgs;

interface LBFGSRun {
  trajectory: [number[], number[]][];
  losses: number[];
  funcEvals: number[];
  nIter: number[];
}

/** Runs LBFGS steps with the usual closure; returns the parameters, losses and counters after each. */
function runLBFGS(optimizer: LBFGS, problem: Problem, count: number): LBFGSRun {
  const run: LBFGSRun = { trajectory: [], losses: [], funcEvals: [], nIter: [] };
  const closure = (): Tensor => {
    optimizer.zeroGrad();
    const loss = objective(problem);
    loss.backward();
    return loss;
  };
  for (let k = 0; k < count; k++) {
    scope(() => run.losses.push((optimizer.step(closure) as Tensor).itemSync()));
    run.trajectory.push([Array.from(problem.w.dataSync(), Number), Array.from(problem.b.dataSync(), Number)]);
    const state = optimizer.stateDict().state[0]!;
    run.funcEvals.push(state.funcEvals as number);
    run.nIter.push(state.nIter as number);
  }
  return run;
}

/**
 * float64 agrees to ~1e-12 (LBFGS divides by curvature estimates, which amplifies rounding).
 * In float32 the objective itself rounds differently from PyTorch's by an ulp or two; fixed
 * steps stay within float32 precision, while the line search's cubic interpolation divides loss
 * differences by step differences, so its step lengths agree to ~1e-5 relative.
 */
function tolerance(c: LBFGSCase): { atol: number; rtol: number } {
  if (c.dtype === "float64") return { atol: 1e-10, rtol: 1e-10 };
  return c.options.lineSearchFn === "strong_wolfe" ? { atol: 1e-4, rtol: 1e-4 } : { atol: 1e-6, rtol: 2e-6 };
}

describe("LBFGS trajectories match PyTorch", () => {
  it("the fixtures cover fixed steps and the strong-Wolfe line search in both float dtypes", () => {
    const names = new Set(cases.map((c) => `${(c.options.lineSearchFn as string | undefined) ?? "fixed"}/${c.dtype}`));
    expect([...names].sort()).toEqual(["fixed/float32", "fixed/float64", "strong_wolfe/float32", "strong_wolfe/float64"]);
    expect(cases.every((c) => c.trajectory.length === steps)).toBe(true);
  });

  for (const c of cases) {
    it(`${c.name} (${c.dtype}) follows PyTorch for ${steps} steps, with the same evaluation and iteration counts`, () => {
      const problem = makeProblem(fixtures.problem, c.dtype);
      const optimizer = new LBFGS([problem.w, problem.b], c.options as Partial<LBFGSOptions>);
      const run = runLBFGS(optimizer, problem, steps);
      const { atol, rtol } = tolerance(c);
      expectTrajectoryClose(run.trajectory, c.trajectory, atol, rtol);
      expectListsClose([run.losses], [c.losses], c.dtype === "float64" ? 1e-12 : 1e-6);
      expect(run.funcEvals).toEqual(c.funcEvals);
      expect(run.nIter).toEqual(c.nIter);
    });
  }

  it("a wrong history size is caught (the comparison can fail)", () => {
    const c = cases.find((c) => c.name === "lbfgs_short_history" && c.dtype === "float64")!;
    const problem = makeProblem(fixtures.problem, "float64");
    const optimizer = new LBFGS([problem.w, problem.b], { ...(c.options as Partial<LBFGSOptions>), historySize: 3 });
    expect(() => expectTrajectoryClose(runLBFGS(optimizer, problem, steps).trajectory, c.trajectory, 1e-10, 1e-10)).toThrow(/PyTorch/);
  });
});
