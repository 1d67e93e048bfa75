import { describe, expect, it } from "vitest";
import "@trek/autograd";
import { memory, registerBackend, scope, Tensor, tensor, zeros } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { ASGD, Adam, SGD, type Optimizer } from "@trek/optim";
import { OPTIMIZERS, loadFixture, makeProblem, objective, type OptimizerFixtures, type Problem } from "./support.js";

registerBackend("cpu", () => new CpuBackend());

const { problem: data } = loadFixture<OptimizerFixtures>("optimizers.json");
const values = (t: Tensor): number[] => Array.from(t.dataSync() as Float32Array);

function backward(problem: Problem): void {
  scope(() => objective(problem).backward());
}

describe("zeroGrad", () => {
  it("sets gradients to null by default and disposes them", () => {
    const problem = makeProblem(data, "float32");
    const optimizer = new SGD([problem.w, problem.b], { lr: 0.1 });
    backward(problem);
    const grad = problem.w.grad!;
    optimizer.zeroGrad();
    expect(problem.w.grad).toBeNull();
    expect(problem.b.grad).toBeNull();
    expect(grad.isDisposed).toBe(true);
  });

  it("zeroes in place with setToNone = false, keeping the tensor", () => {
    const problem = makeProblem(data, "float32");
    const optimizer = new SGD([problem.w, problem.b], { lr: 0.1 });
    backward(problem);
    const grad = problem.w.grad!;
    optimizer.zeroGrad(false);
    expect(problem.w.grad).toBe(grad);
    expect(values(grad)).toEqual([0, 0, 0, 0, 0, 0]);
    backward(problem);
    expect(values(problem.w.grad!).some((v) => v !== 0)).toBe(true);
  });
});

describe("step", () => {
  it("SGD takes exactly param − lr · grad", () => {
    const w = tensor([1, -2, 3], { requiresGrad: true });
    const optimizer = new SGD([w], { lr: 0.5 });
    w.grad = tensor([0.5, 1, -2]);
    optimizer.step();
    expect(values(w)).toEqual([0.75, -2.5, 4]);
    expect(w.grad).not.toBeNull(); // step does not clear gradients
  });

  it("skips parameters without a gradient and gives them no state", () => {
    const [used, frozen] = [zeros([2], { requiresGrad: true }), tensor([1, 2], { requiresGrad: true })];
    const optimizer = new Adam([used, frozen], { lr: 0.1 });
    used.grad = tensor([1, -1]);
    optimizer.step();
    expect(values(frozen)).toEqual([1, 2]);
    expect(optimizer.state.has(frozen)).toBe(false);
    expect(optimizer.state.get(used)!.step).toBe(1);
    expect(values(used).map((v) => Math.round(v * 1e6) / 1e6)).toEqual([-0.1, 0.1]); // Adam's first step is ±lr
  });

  it("returns the closure's loss, computed before the update", () => {
    const problem = makeProblem(data, "float32");
    const optimizer = new SGD([problem.w, problem.b], { lr: 0.1 });
    const loss = optimizer.step(() => {
      optimizer.zeroGrad();
      const l = objective(problem);
      l.backward();
      return l.itemSync();
    });
    const expected = scope(() => objective(makeProblem(data, "float32")).itemSync());
    expect(loss).toBe(expected);
  });

  it("reads group options at every step, so changing lr between steps takes effect", () => {
    const w = tensor([0], { requiresGrad: true });
    const optimizer = new SGD([w], { lr: 1 });
    w.grad = tensor([1]);
    optimizer.step();
    optimizer.paramGroups[0]!.lr = 0.25;
    optimizer.step();
    expect(values(w)).toEqual([-1.25]);
  });

  it("records nothing: parameters stay leaves without history", () => {
    const problem = makeProblem(data, "float32");
    const optimizer = new Adam([problem.w, problem.b], { lr: 0.1 });
    backward(problem);
    optimizer.step();
    expect(problem.w.isLeaf).toBe(true);
    expect(problem.w.gradFn).toBeNull();
    expect(problem.w.requiresGrad).toBe(true);
  });

  for (const name of Object.keys(OPTIMIZERS)) {
    it(`${name}: state survives scope() and steps leak no tensors`, () => {
      const Ctor = OPTIMIZERS[name] as unknown as new (params: Tensor[], options: unknown) => Optimizer;
      const problem = makeProblem(data, "float32");
      const options = name === "SGD" ? { lr: 0.1, momentum: 0.9 } : name === "RMSprop" ? { momentum: 0.9, centered: true } : {};
      const optimizer = new Ctor([problem.w, problem.b], options);
      const train = () =>
        scope(() => {
          optimizer.zeroGrad();
          objective(problem).backward();
          optimizer.step();
        });
      train();
      const live = memory().tensors;
      for (let i = 0; i < 3; i++) train();
      expect(memory().tensors).toBe(live);
      for (const entries of optimizer.state.values()) {
        for (const value of Object.values(entries)) if (value instanceof Tensor) expect(value.isDisposed).toBe(false);
      }
      expect(optimizer.state.size).toBe(2);
    });
  }
});

describe("parameter groups", () => {
  it("fills options a group leaves out from the defaults", () => {
    const [w, b] = [zeros([2], { requiresGrad: true }), zeros([2], { requiresGrad: true })];
    const optimizer = new Adam([{ params: [w], lr: 0.5, betas: [0.5, 0.9] }, { params: [b] }], { lr: 0.1, weightDecay: 0.01 });
    expect(optimizer.paramGroups[0]).toMatchObject({ lr: 0.5, betas: [0.5, 0.9], weightDecay: 0.01, eps: 1e-8, amsgrad: false });
    expect(optimizer.paramGroups[1]).toMatchObject({ lr: 0.1, betas: [0.9, 0.999], weightDecay: 0.01 });
    // Defaults are copied, not shared: changing one group leaves the others alone.
    optimizer.paramGroups[1]!.betas[0] = 0.1;
    expect(optimizer.defaults.betas[0]).toBe(0.9);
  });

  it("addParamGroup adds tensors with their own options, e.g. when unfreezing layers", () => {
    const [w, b] = [tensor([0], { requiresGrad: true }), tensor([0], { requiresGrad: true })];
    const optimizer = new SGD([w], { lr: 1 });
    optimizer.addParamGroup({ params: [b], lr: 0.1 });
    w.grad = tensor([1]);
    b.grad = tensor([1]);
    optimizer.step();
    expect(values(w)).toEqual([-1]);
    expect(values(b)[0]).toBeCloseTo(-0.1, 7);
    expect(optimizer.stateDict().paramGroups.map((g) => g.params)).toEqual([[0], [1]]);
  });

  it("accepts any iterable of tensors, such as a generator", () => {
    const tensors = [zeros([1], { requiresGrad: true }), zeros([1], { requiresGrad: true })];
    function* parameters(): Generator<Tensor> {
      yield* tensors;
    }
    const optimizer = new SGD(parameters(), { lr: 0.1 });
    expect(optimizer.paramGroups[0]!.params).toEqual(tensors);
  });

  it("accepts subclasses of Tensor, such as nn's Parameter", () => {
    class Parameter extends Tensor {}
    const p = new Parameter(tensor([1, 2], { requiresGrad: true }));
    p.requiresGrad_(true);
    const optimizer = new SGD([p], { lr: 1 });
    p.grad = tensor([1, 1]);
    optimizer.step();
    expect(values(p)).toEqual([0, 1]);
  });
});

describe("ASGD's averaged parameters", () => {
  it("ax is the mean of the parameters from step t0 + 2 on, and the parameters themselves until then", () => {
    const problem = makeProblem(data, "float64");
    const t0 = 3;
    const optimizer = new ASGD([problem.w, problem.b], { lr: 0.05, t0 });
    const history: number[][] = [];
    for (let step = 1; step <= 10; step++) {
      scope(() => {
        optimizer.zeroGrad();
        objective(problem).backward();
        optimizer.step();
      });
      history.push(values(problem.w));
      const ax = values(optimizer.state.get(problem.w)!.ax as Tensor);
      const averaged = history.slice(Math.max(0, t0 + 1), step);
      const expected = step <= t0 + 1 ? history[step - 1]! : averaged[0]!.map((_, i) => averaged.reduce((sum, row) => sum + row[i]!, 0) / averaged.length);
      ax.forEach((value, i) => expect(value).toBeCloseTo(expected[i]!, 14));
      expect(optimizer.state.get(problem.w)!.mu).toBe(1 / Math.max(1, step - t0));
    }
  });
});
