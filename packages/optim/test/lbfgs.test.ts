import { describe, expect, it } from "vitest";
import "@trek/autograd";
import { memory, registerBackend, scope, tensor, zeros, type DType, type Tensor } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { LBFGS, type LBFGSOptions, type OptimizerStateDict } from "@trek/optim";
import { loadFixture, makeProblem, objective, type OptimizerFixtures, type Problem } from "./support.js";

registerBackend("cpu", () => new CpuBackend());

const { problem: data } = loadFixture<OptimizerFixtures>("optimizers.json");
const param = () => zeros([2, 3], { requiresGrad: true });

function closureOf(optimizer: LBFGS, problem: Problem): () => Tensor {
  return () => {
    optimizer.zeroGrad();
    const loss = objective(problem);
    loss.backward();
    return loss;
  };
}

function train(optimizer: LBFGS, problem: Problem, steps: number): void {
  for (let k = 0; k < steps; k++) {
    scope(() => {
      optimizer.step(closureOf(optimizer, problem));
    });
  }
}

interface StoredTensor {
  dtype: DType;
  shape: number[];
  data: number[];
}

/** A JSON checkpoint, as in state-dict.test.ts. */
function save(problem: Problem, optimizer: LBFGS): string {
  const stored = (t: Tensor): StoredTensor => ({ dtype: t.dtype, shape: [...t.shape], data: Array.from(t.dataSync() as Float32Array) });
  const { state, paramGroups } = optimizer.stateDict();
  const packed = Object.fromEntries(
    Object.entries(state).map(([id, entries]) => [id, Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, typeof v === "number" ? v : stored(v)]))]),
  );
  return JSON.stringify({ w: stored(problem.w), b: stored(problem.b), optimizer: { state: packed, paramGroups } });
}

function restore(s: StoredTensor, requiresGrad = false): Tensor {
  const values = s.dtype === "float64" ? Float64Array.from(s.data) : Float32Array.from(s.data);
  return tensor(values, { shape: s.shape, dtype: s.dtype, requiresGrad });
}

function load(text: string): { w: Tensor; b: Tensor; optimizer: OptimizerStateDict } {
  const file = JSON.parse(text);
  const state = Object.fromEntries(
    Object.entries(file.optimizer.state as Record<string, Record<string, number | StoredTensor>>).map(([id, entries]) => [
      id,
      Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, typeof v === "number" ? v : restore(v)])),
    ]),
  );
  return { w: restore(file.w, true), b: restore(file.b, true), optimizer: { state, paramGroups: file.optimizer.paramGroups } };
}

const bits = (t: Tensor): number[] => Array.from(new Uint32Array((t.dataSync() as Float32Array).slice().buffer));

describe("LBFGS", () => {
  const CONFIGS: [string, Partial<LBFGSOptions>][] = [
    ["fixed steps, history 2", { lr: 0.5, maxIter: 3, historySize: 2 }],
    ["strong Wolfe, history 3", { lr: 1, maxIter: 3, historySize: 3, lineSearchFn: "strong_wolfe", toleranceChange: 1e-6 }],
  ];
  for (const [what, options] of CONFIGS) {
    it(`${what}: a run resumed from a JSON checkpoint continues bit-identically`, () => {
      const problem = makeProblem(data, "float32");
      const optimizer = new LBFGS([problem.w, problem.b], options);
      train(optimizer, problem, 2);
      const checkpoint = save(problem, optimizer);
      train(optimizer, problem, 2);

      const restored = load(checkpoint);
      expect(Object.keys(restored.optimizer.state[0]!).sort()).toEqual(
        ["Hdiag", "al", "d", "funcEvals", "nIter", "oldDirs", "oldStps", "prevFlatGrad", "prevLoss", "ro", "t"].sort(),
      );
      const fresh: Problem = { ...makeProblem(data, "float32"), w: restored.w, b: restored.b };
      const resumed = new LBFGS([fresh.w, fresh.b], options);
      resumed.loadStateDict(restored.optimizer);
      train(resumed, fresh, 2);

      expect(bits(fresh.w)).toEqual(bits(problem.w));
      expect(bits(fresh.b)).toEqual(bits(problem.b));
      const [a, b] = [optimizer.stateDict().state[0]!, resumed.stateDict().state[0]!];
      for (const [key, value] of Object.entries(a)) {
        if (typeof value === "number") expect(b[key]).toBe(value);
        else expect(bits(b[key] as Tensor)).toEqual(bits(value));
      }
    });
  }

  it("keeps at most historySize pairs, and its state survives scope() without leaking tensors", () => {
    const problem = makeProblem(data, "float64");
    const optimizer = new LBFGS([problem.w, problem.b], { maxIter: 4, historySize: 2, lineSearchFn: "strong_wolfe" });
    train(optimizer, problem, 2); // the history is full from here on
    const before = memory().tensors;
    train(optimizer, problem, 3);
    expect(memory().tensors).toBe(before);
    const state = optimizer.stateDict().state[0]!;
    expect((state.oldDirs as Tensor).shape).toEqual([2, 9]);
    expect((state.ro as Tensor).shape).toEqual([2]);
    expect(problem.w.isLeaf && problem.w.gradFn === null).toBe(true);
  });

  it("returns the closure's first loss; stops at once when the gradient is already below toleranceGrad", () => {
    const problem = makeProblem(data, "float64");
    const optimizer = new LBFGS([problem.w, problem.b]);
    const first = objective(problem).itemSync();
    const loss = optimizer.step(closureOf(optimizer, problem)) as Tensor;
    expect(loss.itemSync()).toBe(first);
    const w = tensor([1, 2], { dtype: "float64", requiresGrad: true });
    const flat = new LBFGS([w], { toleranceGrad: 1 });
    let calls = 0;
    flat.step(() => {
      calls++;
      flat.zeroGrad();
      const l = w.mul(1e-3).sum();
      l.backward();
      return l;
    });
    expect(calls).toBe(1);
    expect(flat.stateDict().state[0]).toEqual({ funcEvals: 1, nIter: 0 });
    expect(Array.from(w.dataSync() as Float64Array)).toEqual([1, 2]);
  });

  it("accepts a closure returning a number, and computes maxEval from maxIter as PyTorch does", () => {
    expect(new LBFGS([param()], { maxIter: 10 }).defaults.maxEval).toBe(12);
    expect(new LBFGS([param()]).defaults.maxEval).toBe(25);
    expect(new LBFGS([param()], { maxIter: 10, maxEval: 30 }).defaults.maxEval).toBe(30);
    const w = tensor([3], { dtype: "float64", requiresGrad: true });
    const optimizer = new LBFGS([w]);
    optimizer.step(() => {
      optimizer.zeroGrad();
      const l = w.sub(1).pow(2).sum();
      l.backward();
      return l.itemSync();
    });
    expect(w.itemSync()).toBeCloseTo(1, 10);
  });
});

describe("LBFGS rejects bad input, naming LBFGS and the option", () => {
  it("more than one parameter group", () => {
    expect(() => new LBFGS([{ params: [param()] }, { params: [param()], lr: 0.1 }])).toThrow(
      "LBFGS doesn't support per-parameter options (parameter groups): it takes a single group of parameters, and got a second one",
    );
    const optimizer = new LBFGS([param()]);
    expect(() => optimizer.addParamGroup({ params: [param()] })).toThrow(/LBFGS doesn't support per-parameter options/);
    expect(optimizer.paramGroups).toHaveLength(1);
  });

  it("bad options", () => {
    expect(() => new LBFGS([param()], { lr: -1 })).toThrow("LBFGS: invalid learning rate: -1 (expected a number ≥ 0)");
    expect(() => new LBFGS([param()], { maxIter: 0 })).toThrow("LBFGS: invalid maxIter: 0 (expected an integer ≥ 1)");
    expect(() => new LBFGS([param()], { maxIter: 2.5 })).toThrow("LBFGS: invalid maxIter: 2.5");
    expect(() => new LBFGS([param()], { maxEval: -3 })).toThrow("LBFGS: invalid maxEval: -3 (expected an integer ≥ 1)");
    expect(() => new LBFGS([param()], { historySize: 0 })).toThrow("LBFGS: invalid historySize: 0 (expected an integer ≥ 1)");
    expect(() => new LBFGS([param()], { toleranceGrad: -1e-5 })).toThrow("LBFGS: invalid toleranceGrad: -0.00001");
    expect(() => new LBFGS([param()], { toleranceChange: NaN })).toThrow("LBFGS: invalid toleranceChange: NaN");
    expect(() => new LBFGS([param()], { lineSearchFn: "backtracking" as never })).toThrow(
      'LBFGS: lineSearchFn must be "strong_wolfe" or null, got "backtracking"',
    );
    expect(() => new LBFGS([param()], { line_search_fn: "strong_wolfe" } as never)).toThrow(/^LBFGS: unknown option "line_search_fn" \(options are lr, maxIter/);
  });

  it("parameters of different dtypes", () => {
    expect(() => new LBFGS([param(), zeros([3], { dtype: "float64", requiresGrad: true })])).toThrow(
      "LBFGS: all parameters must be on one device with one dtype, but parameter 0 is float32 on cpu and parameter 1 is float64 on cpu",
    );
  });

  it("step() without a closure, or with one that does not return a loss", () => {
    const w = param();
    const optimizer = new LBFGS([w]);
    expect(() => optimizer.step()).toThrow(/^LBFGS.step: needs a closure that re-evaluates the model and returns the loss/);
    expect(() => optimizer.step(() => "loss")).toThrow('LBFGS.step: the closure must return the loss (a Tensor or a number), got "loss"');
    expect(() => optimizer.step(async () => w.sum())).toThrow(/LBFGS.step: the closure returned a Promise; LBFGS calls it several times per step and needs a synchronous closure/);
    expect(() => optimizer.step(() => w.mul(2))).toThrow("LBFGS.step: the closure must return a scalar loss, got a tensor of 6 elements");
  });

  it("a state dict of another optimizer or of other sizes", () => {
    const problem = makeProblem(data, "float32");
    const optimizer = new LBFGS([problem.w, problem.b], { maxIter: 3 });
    train(optimizer, problem, 1);
    const dict = optimizer.stateDict();
    const other = new LBFGS([param(), zeros([2], { requiresGrad: true })]);
    expect(() => other.loadStateDict(dict)).toThrow('LBFGS.loadStateDict: state "d" has shape [9], expected [8]');
    const bad = { ...dict, state: { 0: { ...dict.state[0]!, momentumBuffer: 1 } } };
    expect(() => optimizer.loadStateDict(bad)).toThrow(/LBFGS.loadStateDict: state of parameter 0 has an entry "momentumBuffer" that LBFGS does not use/);
    expect(() => optimizer.loadStateDict({ ...dict, state: { 1: {} } })).toThrow(/LBFGS keeps its state under parameter 0/);
  });
});
