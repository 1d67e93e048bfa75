/**
 * Shared test code: the PyTorch fixtures written by scripts/fixtures/torch_optim.py, the
 * objective they were computed on, and a comparison that reports where values differ.
 */
import { readFileSync } from "node:fs";
import { scope, tensor, type DType, type Tensor } from "@trek/tensor";
import {
  Adadelta,
  Adagrad,
  Adam,
  Adamax,
  AdamW,
  ASGD,
  NAdam,
  RAdam,
  RMSprop,
  Rprop,
  SGD,
  type Optimizer,
  type ParamGroupInput,
} from "@trek/optim";

export interface OptimizerCase {
  name: string;
  optimizer: string;
  options: Record<string, unknown>;
  groups?: (Record<string, unknown> & { params: ("w" | "b")[] })[];
  dtype: "float32" | "float64";
  trajectory: [number[], number[]][];
}

export interface OptimizerFixtures {
  about: string;
  problem: { x: number[][]; y: number[][]; w0: number[][]; b0: number[] };
  steps: number;
  cases: OptimizerCase[];
  /** LBFGS, which needs a closure: its own cases, each with the losses and counters after every step. */
  lbfgs: { steps: number; cases: LBFGSCase[] };
}

export interface LBFGSCase {
  name: string;
  options: Record<string, unknown>;
  dtype: "float32" | "float64";
  trajectory: [number[], number[]][];
  losses: number[];
  funcEvals: number[];
  nIter: number[];
}

export interface SchedulerCase {
  name: string;
  scheduler: string;
  options: Record<string, unknown>;
  optimizer: string;
  steps?: number;
  epochs?: number[];
  metrics?: number[];
  lrs: number[][];
  momentums?: number[][];
}

export function loadFixture<T>(file: string): T {
  return JSON.parse(readFileSync(new URL(`./fixtures/${file}`, import.meta.url), "utf8")) as T;
}

export const OPTIMIZERS: Record<string, new (params: never, options?: never) => Optimizer> = {
  SGD,
  Adam,
  AdamW,
  RMSprop,
  Adagrad,
  Adadelta,
  Adamax,
  NAdam,
  RAdam,
  Rprop,
  ASGD,
} as never;

/** The fixtures' problem: parameters w [2, 3], b [3] and the data of the objective. */
export interface Problem {
  w: Tensor;
  b: Tensor;
  x: Tensor;
  y: Tensor;
}

export function makeProblem(p: OptimizerFixtures["problem"], dtype: DType, device = "cpu"): Problem {
  return {
    w: tensor(p.w0, { dtype, device, requiresGrad: true }),
    b: tensor(p.b0, { dtype, device, requiresGrad: true }),
    x: tensor(p.x, { dtype, device }),
    y: tensor(p.y, { dtype, device }),
  };
}

/** mean((x @ w + b − y)²) + 0.05 · Σ (w² − 0.25)², the objective of the fixtures. */
export function objective({ w, b, x, y }: Problem): Tensor {
  const residual = x.matmul(w).add(b).sub(y);
  return residual.pow(2).mean().add(w.mul(w).sub(0.25).pow(2).sum().mul(0.05));
}

/** Builds the optimizer of a fixture case over the problem's parameters. */
export function makeOptimizer(c: OptimizerCase, problem: Problem, overrides: Record<string, unknown> = {}): Optimizer {
  const Ctor = OPTIMIZERS[c.optimizer] as unknown as new (params: unknown, options: unknown) => Optimizer;
  const options = { ...c.options, ...overrides };
  if (!c.groups) return new Ctor([problem.w, problem.b], options);
  const groups: ParamGroupInput[] = c.groups.map(({ params, ...rest }) => ({
    ...rest,
    params: params.map((name) => problem[name]),
  })) as ParamGroupInput[];
  return new Ctor(groups, options);
}

/** Runs `steps` optimizer steps and returns the flattened parameters after each. */
export function trajectory(optimizer: Optimizer, problem: Problem, steps: number, sign = 1): [number[], number[]][] {
  const out: [number[], number[]][] = [];
  for (let k = 0; k < steps; k++) {
    scope(() => {
      optimizer.zeroGrad();
      const loss = objective(problem);
      (sign === 1 ? loss : loss.neg()).backward();
      optimizer.step();
    });
    out.push([Array.from(problem.w.dataSync() as Float64Array), Array.from(problem.b.dataSync() as Float64Array)]);
  }
  return out;
}

/**
 * Checks |actual − expected| ≤ atol + rtol·|expected| everywhere and throws a message naming
 * the first step and element that differ.
 */
export function expectTrajectoryClose(actual: [number[], number[]][], expected: [number[], number[]][], atol: number, rtol: number): void {
  if (actual.length !== expected.length) throw new Error(`expected ${expected.length} steps, got ${actual.length}`);
  let worst = 0;
  for (let step = 0; step < expected.length; step++) {
    for (const [t, name] of [[0, "w"], [1, "b"]] as const) {
      const a = actual[step]![t];
      const e = expected[step]![t];
      for (let i = 0; i < e.length; i++) {
        const diff = Math.abs(a[i]! - e[i]!);
        worst = Math.max(worst, diff);
        if (!(diff <= atol + rtol * Math.abs(e[i]!))) {
          throw new Error(`step ${step + 1}, ${name}[${i}]: got ${a[i]}, PyTorch ${e[i]} (difference ${diff.toExponential(2)})`);
        }
      }
    }
  }
}

/** Element-wise closeness of two number lists (schedulers). */
export function expectListsClose(actual: number[][], expected: number[][], rtol = 1e-12): void {
  if (actual.length !== expected.length) throw new Error(`expected ${expected.length} entries, got ${actual.length}`);
  expected.forEach((row, k) => {
    row.forEach((e, i) => {
      const a = actual[k]![i]!;
      if (!(Math.abs(a - e) <= rtol * Math.abs(e) + 1e-15)) throw new Error(`entry ${k}, group ${i}: got ${a}, PyTorch ${e}`);
    });
  });
}
