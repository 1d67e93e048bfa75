import { describe, expect, it } from "vitest";
import "@trek/autograd";
import { registerBackend, scope, tensor, zeros, type DType, type Tensor } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { Adam, SGD, type Optimizer, type OptimizerStateDict } from "@trek/optim";
import { OPTIMIZERS, loadFixture, makeProblem, objective, type OptimizerFixtures, type Problem } from "./support.js";

registerBackend("cpu", () => new CpuBackend());

const { problem: data } = loadFixture<OptimizerFixtures>("optimizers.json");

const CONFIGS: [string, Record<string, unknown>][] = [
  ["SGD", { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01 }],
  ["Adam", { lr: 0.05, amsgrad: true, weightDecay: 0.1 }],
  ["AdamW", { lr: 0.05 }],
  ["RMSprop", { lr: 0.01, momentum: 0.9, centered: true }],
  ["Adagrad", { lr: 0.1, lrDecay: 0.01, initialAccumulatorValue: 0.1 }],
  ["Adadelta", { lr: 1, eps: 1e-3 }],
  ["Adamax", { lr: 0.05 }],
  ["NAdam", { lr: 0.05 }],
  ["RAdam", { lr: 0.05, weightDecay: 0.1 }],
  ["Rprop", { lr: 0.05, etas: [0.25, 1.5] }],
  ["ASGD", { lr: 0.05, lambd: 0.01, t0: 3 }],
];

interface StoredTensor {
  dtype: DType;
  shape: number[];
  data: number[];
}

/** What a checkpoint file would hold: plain JSON, tensors as numbers. */
function save(problem: Problem, optimizer: Optimizer): string {
  const stored = (t: Tensor): StoredTensor => ({ dtype: t.dtype, shape: [...t.shape], data: Array.from(t.dataSync() as Float32Array) });
  const { state, paramGroups } = optimizer.stateDict();
  const packedState = Object.fromEntries(
    Object.entries(state).map(([id, entries]) => [
      id,
      Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, typeof v === "number" ? v : stored(v)])),
    ]),
  );
  return JSON.stringify({ w: stored(problem.w), b: stored(problem.b), optimizer: { state: packedState, paramGroups } });
}

function restoreTensor(s: StoredTensor, requiresGrad = false): Tensor {
  const data = s.dtype === "float64" ? Float64Array.from(s.data) : Float32Array.from(s.data);
  return tensor(data, { shape: s.shape, dtype: s.dtype, requiresGrad });
}

function load(text: string): { w: Tensor; b: Tensor; optimizer: OptimizerStateDict } {
  const file = JSON.parse(text);
  const state = Object.fromEntries(
    Object.entries(file.optimizer.state as Record<string, Record<string, number | StoredTensor>>).map(([id, entries]) => [
      id,
      Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, typeof v === "number" ? v : restoreTensor(v)])),
    ]),
  );
  return { w: restoreTensor(file.w, true), b: restoreTensor(file.b, true), optimizer: { state, paramGroups: file.optimizer.paramGroups } };
}

function train(optimizer: Optimizer, problem: Problem, steps: number): void {
  for (let k = 0; k < steps; k++) {
    scope(() => {
      optimizer.zeroGrad();
      objective(problem).backward();
      optimizer.step();
    });
  }
}

const bits = (t: Tensor): number[] => Array.from(new Uint32Array((t.dataSync() as Float32Array).slice().buffer));

describe("stateDict / loadStateDict", () => {
  for (const [name, options] of CONFIGS) {
    it(`${name}: a run resumed from a saved checkpoint continues bit-identically`, () => {
      const Ctor = OPTIMIZERS[name] as unknown as new (params: Tensor[], options: unknown) => Optimizer;
      const problem = makeProblem(data, "float32");
      const optimizer = new Ctor([problem.w, problem.b], options);
      train(optimizer, problem, 5);
      const checkpoint = save(problem, optimizer);
      train(optimizer, problem, 5);

      const restored = load(checkpoint);
      const fresh: Problem = { ...makeProblem(data, "float32"), w: restored.w, b: restored.b };
      const resumed = new Ctor([fresh.w, fresh.b], options);
      resumed.loadStateDict(restored.optimizer);
      train(resumed, fresh, 5);

      expect(bits(fresh.w)).toEqual(bits(problem.w));
      expect(bits(fresh.b)).toEqual(bits(problem.b));
      // The state matches too, so the runs stay together for good.
      const [a, b] = [optimizer.stateDict().state, resumed.stateDict().state];
      for (const id of Object.keys(a)) {
        for (const [key, value] of Object.entries(a[Number(id)]!)) {
          const other = b[Number(id)]![key]!;
          if (typeof value === "number") expect(other).toBe(value);
          else expect(bits(other as Tensor)).toEqual(bits(value));
        }
      }
    });
  }

  it("loading copies the tensors: the dict and the optimizer do not share buffers", () => {
    const problem = makeProblem(data, "float32");
    const optimizer = new Adam([problem.w, problem.b], { lr: 0.05 });
    train(optimizer, problem, 2);
    const other = makeProblem(data, "float32");
    const resumed = new Adam([other.w, other.b], { lr: 0.05 });
    const dict = optimizer.stateDict();
    resumed.loadStateDict(dict);
    const before = bits(dict.state[0]!.expAvg as Tensor);
    train(resumed, other, 1);
    expect(bits(dict.state[0]!.expAvg as Tensor)).toEqual(before);
    expect(bits(resumed.state.get(other.w)!.expAvg as Tensor)).not.toEqual(before);
  });

  it("restores group options (e.g. a learning rate changed by a scheduler) and moves state to the parameter's dtype", () => {
    const problem = makeProblem(data, "float32");
    const optimizer = new SGD([problem.w, problem.b], { lr: 0.1, momentum: 0.9 });
    train(optimizer, problem, 1);
    optimizer.paramGroups[0]!.lr = 0.025;
    const dict = optimizer.stateDict();
    expect(dict.paramGroups).toEqual([
      { lr: 0.025, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, params: [0, 1] },
    ]);
    const double = makeProblem(data, "float64");
    const resumed = new SGD([double.w, double.b], { lr: 0.1 });
    resumed.loadStateDict(dict);
    expect(resumed.paramGroups[0]!.lr).toBe(0.025);
    expect(resumed.paramGroups[0]!.momentum).toBe(0.9);
    expect((resumed.state.get(double.w)!.momentumBuffer as Tensor).dtype).toBe("float64");
  });

  it("rejects a state dict of another group layout, naming both layouts", () => {
    const [w, b] = [zeros([2, 3], { requiresGrad: true }), zeros([3], { requiresGrad: true })];
    const saved = new Adam([w, b]).stateDict();
    const twoGroups = new Adam([{ params: [w] }, { params: [b] }]);
    expect(() => twoGroups.loadStateDict(saved)).toThrow(
      "Adam.loadStateDict: the state dict has 1 parameter group(s) with [2] parameters, but this optimizer has 2 group(s) with [1, 1]",
    );
    const three = new Adam([w, b, zeros([1], { requiresGrad: true })]);
    expect(() => three.loadStateDict(saved)).toThrow(/has 1 parameter group\(s\) with \[2\] parameters, but this optimizer has 1 group\(s\) with \[3\]/);
  });

  it("rejects state of another optimizer and state of the wrong shape", () => {
    const problem = makeProblem(data, "float32");
    const sgd = new SGD([problem.w, problem.b], { lr: 0.1, momentum: 0.9 });
    train(sgd, problem, 1);
    const other = makeProblem(data, "float32");
    expect(() => new Adam([other.w, other.b]).loadStateDict(sgd.stateDict())).toThrow(
      /Adam.loadStateDict: state of parameter 0 has an entry "momentumBuffer" that Adam does not use/,
    );
    const swapped = new SGD([other.b, other.w], { lr: 0.1, momentum: 0.9 });
    expect(() => swapped.loadStateDict(sgd.stateDict())).toThrow(
      'SGD.loadStateDict: state "momentumBuffer" of parameter 0 has shape [2, 3], but the parameter has [3]',
    );
    expect(() => swapped.loadStateDict({} as never)).toThrow(/SGD.loadStateDict: expected \{ state, paramGroups \}/);
  });

  it("a failed load leaves the optimizer unchanged", () => {
    const problem = makeProblem(data, "float32");
    const optimizer = new SGD([problem.w, problem.b], { lr: 0.1, momentum: 0.9 });
    train(optimizer, problem, 1);
    const buffer = optimizer.state.get(problem.w)!.momentumBuffer as Tensor;
    const bad = optimizer.stateDict();
    bad.paramGroups[0]!.lr = -1;
    expect(() => optimizer.loadStateDict(bad)).toThrow(/SGD: invalid learning rate: -1 .*parameter group 0 of the state dict/);
    expect(optimizer.paramGroups[0]!.lr).toBe(0.1);
    expect(optimizer.state.get(problem.w)!.momentumBuffer).toBe(buffer);
    expect(buffer.isDisposed).toBe(false);
  });
});
