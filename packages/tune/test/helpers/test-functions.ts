import type { Trial } from "../../src/index.js";

/**
 * Standard minimization problems for comparing samplers. Each objective suggests its own
 * parameters; `optimum` is the known global minimum. `benchmarks/tune/optuna_reference.py`
 * defines the same functions for the comparison with Optuna — keep them identical.
 */
export interface TestFunction {
  name: string;
  optimum: number;
  objective: (trial: Trial) => number;
}

const SPHERE_SHIFT = [1.5, -2.0, 0.5, 2.5];

/** 4-dimensional sphere shifted away from the centre of [-5, 5]^4; minimum 0. */
export const shiftedSphere: TestFunction = {
  name: "shifted-sphere-4d",
  optimum: 0,
  objective: (trial) => {
    let sum = 0;
    for (let i = 0; i < SPHERE_SHIFT.length; i++) sum += (trial.suggestFloat(`x${i}`, -5, 5) - SPHERE_SHIFT[i]!) ** 2;
    return sum;
  },
};

/** Rosenbrock's banana valley on [-2, 2]^2; minimum 0 at (1, 1). */
export const rosenbrock: TestFunction = {
  name: "rosenbrock-2d",
  optimum: 0,
  objective: (trial) => {
    const x = trial.suggestFloat("x", -2, 2);
    const y = trial.suggestFloat("y", -2, 2);
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2;
  },
};

/** Branin–Hoo on [-5, 10] × [0, 15]; minimum 0.397887 at three points. */
export const branin: TestFunction = {
  name: "branin",
  optimum: 0.39788735772973816,
  objective: (trial) => {
    const x1 = trial.suggestFloat("x1", -5, 10);
    const x2 = trial.suggestFloat("x2", 0, 15);
    const b = 5.1 / (4 * Math.PI ** 2);
    const c = 5 / Math.PI;
    const t = 1 / (8 * Math.PI);
    return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10;
  },
};

const MIXED_CENTRES = [0.3, -1.2, 2.0, -0.5, 1.0];
const ACTIVATION_PENALTY: Record<string, number> = { relu: 0, tanh: 1, sigmoid: 2.5 };
const OPTIMIZER_PENALTY: Record<string, number> = { adam: 0, sgd: 1.5, rmsprop: 0.7, adagrad: 2 };

/**
 * A 10-parameter mixed space like a model's hyperparameters: five floats, a log-scaled float,
 * two integers and two categorical choices; minimum 0.
 */
export const mixed10d: TestFunction = {
  name: "mixed-10d",
  optimum: 0,
  objective: (trial) => {
    let sum = 0;
    for (let i = 0; i < MIXED_CENTRES.length; i++) sum += (trial.suggestFloat(`x${i}`, -3, 3) - MIXED_CENTRES[i]!) ** 2;
    const learningRate = trial.suggestFloat("lr", 1e-5, 1e-1, { log: true });
    sum += (Math.log10(learningRate) + 3) ** 2;
    const layers = trial.suggestInt("layers", 1, 12);
    sum += (layers - 7) ** 2 / 10;
    const units = trial.suggestInt("units", 8, 256, { log: true });
    sum += Math.log2(units / 64) ** 2;
    sum += ACTIVATION_PENALTY[trial.suggestCategorical("activation", ["relu", "tanh", "sigmoid"])]!;
    sum += OPTIMIZER_PENALTY[trial.suggestCategorical("optimizer", ["sgd", "adam", "rmsprop", "adagrad"])]!;
    return sum;
  },
};

export const TEST_FUNCTIONS: readonly TestFunction[] = [shiftedSphere, rosenbrock, branin, mixed10d];

/** The median of a list of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
