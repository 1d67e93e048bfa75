import { describe, expect, it } from "vitest";
import {
  registerBackend,
  tensor,
  randn,
  zeros,
  ones,
  memory,
  scope,
  manualSeed,
  Tensor,
  avgPool2d,
  conv2d,
  conv2dParams,
  maxPool2d,
  pool2dParams,
} from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import {
  AutogradFunction,
  FunctionContext,
  enableGrad,
  grad,
  gradcheck,
  gradgradcheck,
  isGradEnabled,
  noGrad,
} from "@trek/autograd";

registerBackend("cpu", () => new CpuBackend());

const values = (t: Tensor | null): number[] => Array.from(t!.dataSync() as Float32Array);

describe("the seed example", () => {
  it("y = x² + 3x + 5 at x = 2 gives dy/dx = 7 exactly", () => {
    const x = tensor(2.0, { requiresGrad: true });
    const y = x.pow(2).add(x.mul(3)).add(5);
    y.backward();
    expect(x.grad!.itemSync()).toBe(7);
    expect(y.itemSync()).toBe(15);
  });

  it("gradients accumulate across backward calls until zeroed", () => {
    const x = tensor(2.0, { requiresGrad: true });
    for (let i = 1; i <= 3; i++) {
      x.pow(2).add(x.mul(3)).add(5).backward();
      expect(x.grad!.itemSync()).toBe(7 * i);
    }
    x.grad!.zero_();
    x.mul(x).backward();
    expect(x.grad!.itemSync()).toBe(4);
  });
});

describe("graph structure", () => {
  it("leaves, non-leaves, gradFn names and retainGrad", () => {
    const a = tensor([1, 2, 3], { requiresGrad: true });
    const b = a.mul(2);
    const c = b.sum();
    expect(a.isLeaf).toBe(true);
    expect(b.isLeaf).toBe(false);
    expect(b.gradFn!.name).toBe("MulBackward");
    expect(c.gradFn!.name).toBe("SumBackward");
    b.retainGrad();
    c.backward();
    expect(values(b.grad)).toEqual([1, 1, 1]);
    expect(values(a.grad)).toEqual([2, 2, 2]);
  });

  it("backward(gradient) on a non-scalar output", () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(x);
    y.backward(tensor([1, 0.5, 2]));
    expect(values(x.grad)).toEqual([2, 2, 12]);
  });

  it("a tensor used twice accumulates both contributions", () => {
    const x = tensor([3], { requiresGrad: true });
    x.mul(x).add(x).sum().backward();
    expect(values(x.grad)).toEqual([7]);
  });

  it("broadcasting is undone in backward", () => {
    const a = ones([2, 3], { requiresGrad: true });
    const b = tensor([1, 2, 3], { requiresGrad: true });
    const c = tensor(5, { requiresGrad: true });
    a.mul(b).add(c).sum().backward();
    expect(values(a.grad)).toEqual([1, 2, 3, 1, 2, 3]);
    expect(values(b.grad)).toEqual([2, 2, 2]);
    expect(b.grad!.shape).toEqual([3]);
    expect(values(c.grad)).toEqual([6]);
  });

  it("requiresGrad only on floating tensors and leaves", () => {
    expect(() => tensor([1n, 2n], { requiresGrad: true })).toThrow(/only floating-point/);
    const y = tensor([1], { requiresGrad: true }).mul(2);
    expect(() => (y.requiresGrad = false)).toThrow(/leaf/);
  });
});

describe("grad modes and detach", () => {
  it("noGrad stops recording; enableGrad resumes inside it", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBe(null);
    expect(isGradEnabled()).toBe(true);
    const z = noGrad(() => enableGrad(() => x.mul(2)));
    expect(z.requiresGrad).toBe(true);
  });

  it("detach shares storage but cuts the graph; detach_ works in place", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(3);
    const d = y.detach();
    expect(d.requiresGrad).toBe(false);
    expect(values(d)).toEqual([3, 6]);
    const e = x.mul(2);
    e.detach_();
    expect(e.gradFn).toBe(null);
    expect(e.requiresGrad).toBe(false);
  });
});

describe("errors say what happened and what to do", () => {
  it("backward on a non-scalar without gradient", () => {
    const y = tensor([1, 2], { requiresGrad: true }).mul(2);
    expect(() => y.backward()).toThrow(/only for scalar outputs, got shape \[2\].*Pass a gradient/);
  });

  it("backward through a freed graph", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.exp().sum();
    y.backward();
    expect(() => y.backward()).toThrow(/backward through the graph a second time.*retainGraph: true/);
  });

  it("retainGraph allows a second backward", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.exp().sum();
    y.backward(undefined, { retainGraph: true });
    y.backward();
    expect(values(x.grad)).toEqual(values(x.exp().mul(2)));
  });

  it("a saved tensor modified in place is detected through the version counter", () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(2);
    const z = y.exp(); // saves its output
    const w = y.mul(y); // saves y
    y.add_(1);
    expect(y.version).toBe(1);
    expect(() => w.sum().backward()).toThrow(/modified by an in-place operation.*version 1; expected version 0/);
    void z;
  });

  it("in-place on a leaf that requires grad is refused", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expect(() => x.add_(1)).toThrow(/leaf tensor that requires grad.*noGrad/);
    noGrad(() => x.add_(1));
    expect(values(x)).toEqual([2, 3]);
  });

  it("backward on a tensor that does not require grad", () => {
    expect(() => tensor(1).backward()).toThrow(/does not require grad/);
  });
});

describe("in-place ops inside the graph", () => {
  it("rebases the modified tensor so gradients see the change", () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(2);
    y.mul_(y); // y = (2x)²
    y.sum().backward();
    expect(values(x.grad)).toEqual([8, 16, 24]); // d(4x²)/dx = 8x
  });

  it("writes through a view reach the base (like PyTorch's CopySlices)", () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const w = tensor([10], { requiresGrad: true });
    const buffer = zeros([3]);
    buffer.index("0:2").copy_(x.index("0:2").mul(w));
    buffer.index(2).fill_(7);
    expect(values(buffer)).toEqual([10, 20, 7]);
    buffer.mul(tensor([1, 2, 3])).sum().backward();
    expect(values(x.grad)).toEqual([10, 20, 0]);
    expect(values(w.grad)).toEqual([1 * 1 + 2 * 2]);
  });
});

describe("hooks and functional grad", () => {
  it("registerHook sees and may replace gradients", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const seen: number[][] = [];
    const remove = x.registerHook((g) => {
      seen.push(values(g));
      return g.mul(10);
    });
    x.mul(3).sum().backward();
    expect(seen).toEqual([[3, 3]]);
    expect(values(x.grad)).toEqual([30, 30]);
    remove();
    x.grad = null;
    x.mul(3).sum().backward();
    expect(values(x.grad)).toEqual([3, 3]);
  });

  it("hooks on non-leaf tensors", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(2);
    y.registerHook((g) => g.mul(0.5));
    y.sum().backward();
    expect(values(x.grad)).toEqual([1, 1]);
  });

  it("grad() returns gradients without touching .grad", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = tensor([3, 4], { requiresGrad: true });
    const z = x.mul(y).sum();
    const [gx, gy] = grad(z, [x, y]);
    expect(values(gx!)).toEqual([3, 4]);
    expect(values(gy!)).toEqual([1, 2]);
    expect(x.grad).toBe(null);
  });

  it("grad() with an unused input needs allowUnused", () => {
    const x = tensor([1], { requiresGrad: true });
    const unused = tensor([1], { requiresGrad: true });
    expect(() => grad(x.mul(2).sum(), [unused], { retainGraph: true })).toThrow(/not used.*allowUnused/);
  });

  it("createGraph gives gradients of gradients", () => {
    const x = tensor(3, { requiresGrad: true, dtype: "float64" });
    const y = x.pow(3);
    const [dy] = grad(y, [x], { createGraph: true });
    expect(dy!.itemSync()).toBeCloseTo(27); // 3x²
    const [d2y] = grad(dy!, [x]);
    expect(d2y!.itemSync()).toBeCloseTo(18); // 6x
  });

  it("double backward through matmul and reductions passes gradgradcheck", () => {
    manualSeed(1);
    const a = randn([3, 4], { dtype: "float64", requiresGrad: true });
    const b = randn([4, 2], { dtype: "float64", requiresGrad: true });
    expect(gradgradcheck((p, q) => p.matmul(q).tanh().sum(1), [a, b])).toBe(true);
    expect(gradgradcheck((p) => p.exp().mean(0).mul(p.sin().sum()), [a])).toBe(true);
  });

  it("double backward through convolution and pooling passes gradgradcheck", () => {
    manualSeed(2);
    const x = randn([2, 4, 6, 5], { dtype: "float64", requiresGrad: true });
    const w = randn([6, 2, 3, 2], { dtype: "float64", requiresGrad: true });
    const b = randn([6], { dtype: "float64", requiresGrad: true });
    const convolve = (p: Tensor, q: Tensor, r: Tensor): Tensor =>
      conv2d(p, q, r, conv2dParams(p, q, { stride: [2, 1], padding: 1, dilation: [1, 2], groups: 2 }));
    // tanh makes the second derivative depend on the convolution's output, not only on its inputs.
    expect(gradgradcheck((p, q, r) => convolve(p, q, r).tanh(), [x, w, b])).toBe(true);
    const pooled = (p: Tensor): Tensor => {
      const max = pool2dParams(p, { kernelSize: 2, stride: 2, ceilMode: true }, "maxPool2d");
      const avg = pool2dParams(p, { kernelSize: [2, 3], stride: 2, padding: 1, countIncludePad: false }, "avgPool2d");
      return maxPool2d(p.sin(), max.params, max.oh, max.ow).values.sum([2, 3]).add(avgPool2d(p.pow(2), avg.params, avg.oh, avg.ow).sum([2, 3]));
    };
    expect(gradgradcheck(pooled, [x])).toBe(true);
  });

  it("a gradient penalty (the norm of dD/dx, as in WGAN-GP) trains the convolution's weights", () => {
    manualSeed(3);
    const x = randn([2, 1, 5, 5], { dtype: "float64", requiresGrad: true });
    const w = randn([3, 1, 3, 3], { dtype: "float64", requiresGrad: true });
    const critic = (weight: Tensor) => conv2d(x, weight, null, conv2dParams(x, weight, { padding: 1 })).relu().sum();
    const [dx] = grad(critic(w), [x], { createGraph: true });
    const penalty = dx!.pow(2).sum();
    const [dw] = grad(penalty, [w]);
    // Central differences of the penalty in one weight.
    const step = 1e-6;
    const penaltyAt = (delta: number): number => {
      const shifted = w.detach().clone();
      const flat = shifted.reshape([-1]);
      flat.indexPut_([tensor([4n])], flat.indexSelect(0, tensor([4n])).add(delta));
      const wv = shifted.requiresGrad_(true);
      const [g] = grad(critic(wv), [x]);
      return g!.pow(2).sum().itemSync();
    };
    const numeric = (penaltyAt(step) - penaltyAt(-step)) / (2 * step);
    expect(dw!.reshape([-1]).indexSelect(0, tensor([4n])).itemSync()).toBeCloseTo(numeric, 6);
  });
});

describe("custom functions", () => {
  class Cube extends AutogradFunction {
    static override forward(ctx: FunctionContext, x: Tensor): Tensor {
      ctx.saveForBackward(x);
      return x.pow(3);
    }
    static override backward(ctx: FunctionContext, dy: Tensor): Tensor {
      const [x] = ctx.savedTensors;
      return dy.mul(x!.pow(2)).mul(3);
    }
  }

  it("a user-defined forward + backward is used by autograd", () => {
    const x = tensor([1, 2], { requiresGrad: true, dtype: "float64" });
    const y = Cube.apply<Tensor>(x);
    expect(y.gradFn!.name).toBe("CubeBackward");
    y.sum().backward();
    expect(values(x.grad)).toEqual([3, 12]);
    expect(gradcheck((t) => Cube.apply<Tensor>(t), [x])).toBe(true);
  });

  it("detects in-place modification of tensors it saved", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.mul(1);
    const y = Cube.apply<Tensor>(h);
    h.add_(1);
    expect(() => y.sum().backward()).toThrow(/modified by an in-place operation/);
  });

  it("gradients of gradients flow through saved inputs and outputs", () => {
    const x = tensor([0.5, 2], { requiresGrad: true, dtype: "float64" });
    const [dx] = grad(Cube.apply<Tensor>(x).sum(), [x], { createGraph: true });
    expect(values(dx!)).toEqual([0.75, 12]); // 3x²
    const [d2x] = grad(dx!.sum(), [x]);
    expect(values(d2x!)).toEqual([3, 12]); // 6x
    // exp saves its output: d/dx (dy·y) needs y's own dependence on x.
    class Exp extends AutogradFunction {
      static override forward(ctx: FunctionContext, t: Tensor): Tensor {
        const y = t.exp();
        ctx.saveForBackward(y);
        return y;
      }
      static override backward(ctx: FunctionContext, dy: Tensor): Tensor {
        return dy.mul(ctx.savedTensors[0]!);
      }
    }
    expect(gradgradcheck((t) => Exp.apply<Tensor>(t).mul(t), [x])).toBe(true);
    expect(gradgradcheck((t) => Cube.apply<Tensor>(t.sin()), [x])).toBe(true);
  });

  it("a once-differentiable function refuses gradients of gradients with its reason", () => {
    class Clamped extends AutogradFunction {
      static override onceDifferentiable = "its backward uses a mask computed in forward";
      static override forward(_ctx: FunctionContext, t: Tensor): Tensor {
        return t.clamp(0, 1);
      }
      static override backward(_ctx: FunctionContext, dy: Tensor): Tensor {
        return dy;
      }
    }
    const x = tensor([0.5], { requiresGrad: true, dtype: "float64" });
    const y = Clamped.apply<Tensor>(x).pow(2).sum();
    expect(() => grad(y, [x], { createGraph: true })).toThrow(
      "Clamped: gradients of gradients (createGraph: true) are not supported: its backward uses a mask computed in forward",
    );
    expect(values(grad(Clamped.apply<Tensor>(x).pow(2).sum(), [x])[0]!)).toEqual([1]);
  });
});

describe("memory", () => {
  it("10,000 training iterations do not grow live tensors or storages", () => {
    manualSeed(0);
    const w = randn([4, 3], { requiresGrad: true });
    const b = zeros([3], { requiresGrad: true });
    const x = randn([8, 4]);
    const target = randn([8, 3]);
    const step = () =>
      scope(() => {
        const loss = x.matmul(w).add(b).sub(target).pow(2).mean();
        loss.backward();
        noGrad(() => {
          w.sub_(w.grad!.mul(0.01));
          b.sub_(b.grad!.mul(0.01));
        });
        w.grad!.zero_();
        b.grad!.zero_();
        return loss.itemSync();
      });
    let first = 0;
    for (let i = 0; i < 100; i++) first = step();
    const before = memory();
    let last = 0;
    for (let i = 0; i < 10_000; i++) last = step();
    const after = memory();
    expect(after.tensors).toBe(before.tensors);
    expect(after.storages).toBe(before.storages);
    expect(after.bytes).toBe(before.bytes);
    expect(last).toBeLessThan(first);
  });
});
