/**
 * gradcheck for every differentiable op of @trek/tensor, with broadcast and non-contiguous
 * inputs. The case table must name every op in DIFFERENTIABLE_OPS, so a new op without a
 * gradient test (or rule) fails this suite.
 */
import { describe, expect, it } from "vitest";
import {
  DIFFERENTIABLE_OPS,
  Generator,
  Tensor,
  activation,
  avgPool2d,
  avgPool2dBackward,
  cat,
  conv2d,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  conv2dParams,
  layerNorm,
  maxPool2d,
  maxPool2dBackward,
  pad,
  pool2dParams,
  rand,
  registerBackend,
  tensor,
  where,
  type ActivationOp,
} from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { gradcheck, noGrad } from "@trek/autograd";

registerBackend("cpu", () => new CpuBackend());
registerBackend("cpu2", () => new CpuBackend());

const generator = new Generator(1234);

interface InputSpec {
  shape: number[];
  low?: number;
  high?: number;
  /** Make the leaf non-contiguous (a transposed view of a fresh buffer). */
  transposed?: boolean;
}

function input({ shape, low = -1, high = 1, transposed = false }: InputSpec): Tensor {
  const physical = transposed ? [...shape].reverse() : shape;
  const base = rand(physical, { dtype: "float64", generator }).mul(high - low).add(low);
  const leaf = transposed ? base.permute(physical.map((_, i) => physical.length - 1 - i)).detach() : base;
  expect(leaf.isContiguous()).toBe(!transposed || shape.filter((s) => s > 1).length < 2);
  return leaf.requiresGrad_(true);
}

type Case = () => { fn: (...xs: Tensor[]) => Tensor | Tensor[]; inputs: Tensor[]; atol?: number; eps?: number };

const positive = (shape: number[], transposed = false): Tensor => input({ shape, low: 0.5, high: 2, transposed });
const signed = (shape: number[], transposed = false): Tensor => input({ shape, transposed });
/** Values away from integers and from 0, where step functions are flat. */
const awayFromKinks = (shape: number[]): Tensor => {
  const t = rand(shape, { dtype: "float64", generator }).mul(0.6).add(0.2);
  const signs = rand(shape, { dtype: "float64", generator }).lt(0.5).double().mul(2).sub(1);
  return t.mul(signs).add(rand(shape, { generator }).mul(3).floor().double()).detach().requiresGrad_(true);
};

const unary = (op: (x: Tensor) => Tensor, domain: (shape: number[], transposed?: boolean) => Tensor = signed): Case => () => ({
  fn: op,
  inputs: [domain([3, 4], true)],
});

const activationCase = (op: ActivationOp, alpha?: number): Case => () => ({
  fn: (x) => activation(op, x, alpha),
  inputs: [input({ shape: [2, 5], low: -2.5, high: 2.5, transposed: true })],
});

const cases: Record<string, Case> = {
  neg: unary((x) => x.neg()),
  abs: unary((x) => x.abs()),
  sign: unary((x) => x.sign()),
  exp: unary((x) => x.exp()),
  expm1: unary((x) => x.expm1()),
  log: unary((x) => x.log(), positive),
  log1p: unary((x) => x.log1p(), positive),
  sqrt: unary((x) => x.sqrt(), positive),
  rsqrt: unary((x) => x.rsqrt(), positive),
  recip: unary((x) => x.reciprocal(), positive),
  sin: unary((x) => x.sin()),
  cos: unary((x) => x.cos()),
  tan: unary((x) => x.tan()),
  tanh: unary((x) => x.tanh()),
  erf: unary((x) => x.erf()),
  floor: () => ({ fn: (x) => x.floor(), inputs: [awayFromKinks([3, 2])] }),
  ceil: () => ({ fn: (x) => x.ceil(), inputs: [awayFromKinks([3, 2])] }),
  round: () => ({ fn: (x) => x.round(), inputs: [awayFromKinks([3, 2]).mul(1).add(0.3).detach().requiresGrad_()] }),
  trunc: () => ({ fn: (x) => x.trunc(), inputs: [awayFromKinks([3, 2])] }),

  relu: activationCase("relu"),
  sigmoid: activationCase("sigmoid"),
  silu: activationCase("silu"),
  gelu: activationCase("gelu"),
  geluTanh: activationCase("geluTanh"),
  softplus: activationCase("softplus", 2),
  elu: activationCase("elu", 0.7),
  selu: activationCase("selu"),
  leakyRelu: activationCase("leakyRelu", 0.1),
  hardtanh: activationCase("hardtanh"),
  mish: activationCase("mish"),

  // Binary ops: the second operand broadcasts, the first is non-contiguous.
  add: () => ({ fn: (a, b) => a.add(b), inputs: [signed([3, 4], true), signed([4])] }),
  sub: () => ({ fn: (a, b) => a.sub(b), inputs: [signed([3, 4], true), signed([3, 1])] }),
  mul: () => ({ fn: (a, b) => a.mul(b), inputs: [signed([3, 4], true), signed([4])] }),
  div: () => ({ fn: (a, b) => a.div(b), inputs: [signed([3, 4], true), positive([4])] }),
  pow: () => ({ fn: (a, b) => a.pow(b), inputs: [positive([3, 4], true), signed([4])] }),
  maximum: () => ({ fn: (a, b) => a.maximum(b), inputs: [signed([3, 4], true), signed([4])] }),
  minimum: () => ({ fn: (a, b) => a.minimum(b), inputs: [signed([3, 4], true), signed([4])] }),
  mod: () => ({ fn: (a, b) => a.remainder(b), inputs: [input({ shape: [3, 4], low: 0.1, high: 0.9, transposed: true }), input({ shape: [4], low: 1.5, high: 2 })] }),
  atan2: () => ({ fn: (a, b) => a.atan2(b), inputs: [signed([3, 4], true), positive([4])] }),

  where: () => {
    const condition = tensor([true, false, true, false]);
    return { fn: (a, b) => where(condition, a, b), inputs: [signed([3, 4], true), signed([4])] };
  },
  cast: () => ({ fn: (x) => x.to("float32").to("float64"), inputs: [signed([4])], atol: 1e-3, eps: 1e-3 }),
  toDevice: () => ({ fn: (x) => x.to("cpu2").mul(2).to("cpu"), inputs: [signed([2, 3], true)] }),
  clone: () => ({ fn: (x) => x.clone().mul(x), inputs: [signed([2, 3], true)] }),

  sum: () => ({ fn: (x) => [x.sum(), x.sum(1), x.sum([0, 2], true)], inputs: [signed([2, 3, 2])] }),
  prod: () => ({ fn: (x) => [x.prod(), x.prod(1, true)], inputs: [signed([3, 4], true)] }),
  amax: () => ({ fn: (x) => [x.amax(), x.amax([0, 2])], inputs: [signed([2, 3, 2])] }),
  amin: () => ({ fn: (x) => [x.amin(), x.amin(1, true)], inputs: [signed([3, 4], true)] }),
  cumsum: () => ({ fn: (x) => [x.cumsum(0), x.cumsum(-1)], inputs: [signed([3, 4], true)] }),

  reshape: () => ({ fn: (x) => x.reshape(6, 2).mul(x.flatten().unsqueeze(1).squeeze(1).view(2, 6).T), inputs: [signed([3, 4])] }),
  permute: () => ({ fn: (x) => x.permute(2, 0, 1).mul(2), inputs: [signed([2, 3, 2])] }),
  expand: () => ({ fn: (x) => x.expand(3, 2, 4).mul(tensor([1, 2, 3, 4], { dtype: "float64" })), inputs: [signed([2, 1])] }),
  slice: () => ({ fn: (x) => x.slice(1, 1, 5, 2).mul(x.index(":", "::3")), inputs: [signed([3, 6], true)] }),
  select: () => ({ fn: (x) => x.select(1, -1).mul(x.index(0)), inputs: [signed([3, 3], true)] }),
  unfold: () => ({ fn: (x) => x.unfold(1, 3, 2).pow(2), inputs: [signed([2, 7])] }),
  flip: () => ({ fn: (x) => x.flip(0, 1).mul(tensor([1, 2, 3], { dtype: "float64" })), inputs: [signed([2, 3], true)] }),
  asStrided: () => ({ fn: (x) => x.diagonal(0).mul(x.diagonal(1, 0, 1).sum()), inputs: [signed([3, 4], true)] }),
  viewScatter: () => ({
    fn: (x, w) => {
      const y = x.mul(1);
      y.index(0).mul_(w);
      y.index(":", 1).add_(w.sum());
      return y;
    },
    inputs: [signed([3, 3], true), signed([3])],
  }),
  cat: () => ({ fn: (a, b) => cat([a, b, a], 1), inputs: [signed([2, 2], true), signed([2, 3])] }),
  pad: () => ({ fn: (x) => [pad(x, [1, 2, 0, 1], "constant", 0.5), pad(x, [-1, 1]), pad(x, [2, 1], "reflect")], inputs: [signed([3, 4], true)] }),

  gather: () => ({ fn: (x) => x.gather(1, tensor([[0n, 2n], [1n, 1n], [2n, 0n]])), inputs: [signed([3, 3], true)] }),
  scatter: () => ({
    fn: (x, src) => x.scatter(0, tensor([[1n, 0n, 2n]]), src),
    inputs: [signed([3, 3], true), signed([2, 3])],
  }),
  scatterAdd: () => ({
    fn: (x, src) => x.scatterAdd(1, tensor([[0n, 0n, 2n], [1n, 2n, 1n]]), src),
    inputs: [signed([2, 3], true), signed([2, 3])],
  }),
  indexSelect: () => ({ fn: (x) => x.indexSelect(0, tensor([2n, 0n, 2n])), inputs: [signed([3, 4], true)] }),
  sort: () => ({ fn: (x) => [x.sort(1).values, x.sort(0, true).values], inputs: [signed([3, 4], true)] }),
  topk: () => ({ fn: (x) => [x.topk(2, 1).values, x.topk(1, 0, false).values], inputs: [signed([3, 4], true)] }),

  matmul: () => ({
    fn: (a, b, v) => [a.matmul(b), v.matmul(a.select(0, 0)), a.select(1, 0).matmul(b.select(1, 1))],
    inputs: [signed([2, 3, 4], true), signed([4, 2]), signed([3])],
  }),
  conv2d: () => {
    const fn = (x: Tensor, w: Tensor, b: Tensor): Tensor => {
      const params = conv2dParams(x, w, { stride: [2, 1], padding: 1, dilation: [1, 2], groups: 2 });
      return conv2d(x, w, b, params);
    };
    return { fn, inputs: [signed([1, 4, 5, 5]), signed([2, 2, 3, 2], true), signed([2])] };
  },
  maxPool2d: () => ({
    fn: (x) => {
      const { params, oh, ow } = pool2dParams(x, { kernelSize: 3, stride: 2, padding: 1, ceilMode: true }, "maxPool2d");
      return maxPool2d(x, params, oh, ow).values;
    },
    inputs: [signed([1, 2, 5, 6])],
  }),
  avgPool2d: () => ({
    fn: (x) => {
      const { params, oh, ow } = pool2dParams(x, { kernelSize: [2, 3], stride: 2, padding: 1, countIncludePad: false }, "avgPool2d");
      return avgPool2d(x, params, oh, ow);
    },
    inputs: [signed([1, 2, 5, 6], true)],
  }),
  // The gradient ops, differentiated for gradients of gradients. The convolution's: x [1,4,5,5],
  // w [2,2,3,2], stride (2,1), padding 1, dilation (1,2), groups 2 → dy [1,2,3,5].
  conv2dBackwardInput: () => {
    const params = { stride: [2, 1], padding: [1, 1], dilation: [1, 2], groups: 2 } as const;
    return {
      fn: (dy, w) => conv2dBackwardInput(dy, w, [1, 4, 5, 5], params),
      inputs: [signed([1, 2, 3, 5], true), signed([2, 2, 3, 2])],
    };
  },
  conv2dBackwardWeight: () => ({
    fn: (dy, x) => conv2dBackwardWeight(dy, x, [2, 2, 3, 2], { stride: [2, 1], padding: [1, 1], dilation: [1, 2], groups: 2 }),
    inputs: [signed([1, 2, 3, 5]), signed([1, 4, 5, 5], true)],
  }),
  maxPool2dBackward: () => {
    // Window maxima of 2×2/stride-2 windows over a [1,2,4,4] input: one cell inside each window.
    const indices = tensor([[[[5, 2], [8, 15]], [[0, 7], [13, 10]]]], { dtype: "int32" });
    const params = { kernelSize: [2, 2], stride: [2, 2], padding: [0, 0], dilation: [1, 1], countIncludePad: true } as const;
    return {
      fn: (dy) => maxPool2dBackward(dy, indices, [1, 2, 4, 4], params),
      inputs: [signed([1, 2, 2, 2], true)],
    };
  },
  avgPool2dBackward: () => ({
    fn: (dy) => {
      const x = tensor(new Float64Array(60), { shape: [1, 2, 5, 6], dtype: "float64" });
      const { params } = pool2dParams(x, { kernelSize: [2, 3], stride: 2, padding: 1, ceilMode: true, countIncludePad: false }, "avgPool2d");
      return avgPool2dBackward(dy, [1, 2, 5, 6], params);
    },
    inputs: [signed([1, 2, 3, 4], true)],
  }),
  softmax: () => ({ fn: (x) => [x.softmax(1), x.softmax(0)], inputs: [signed([3, 4], true)] }),
  logSoftmax: () => ({ fn: (x) => [x.logSoftmax(-1), x.logSoftmax(0)], inputs: [signed([3, 4], true)] }),
  layerNorm: () => ({ fn: (x, w, b) => layerNorm(x, [2, 3], w, b, 1e-5), inputs: [signed([4, 2, 3]), signed([2, 3]), signed([2, 3])] }),
};

describe("gradcheck for every differentiable op", () => {
  it("covers every op in DIFFERENTIABLE_OPS", () => {
    const missing = DIFFERENTIABLE_OPS.filter((op) => !(op in cases));
    expect(missing).toEqual([]);
  });

  for (const op of Object.keys(cases)) {
    it(op, () => {
      const { fn, inputs, atol, eps } = cases[op]!();
      expect(gradcheck(fn, inputs, { atol: atol ?? 1e-6, eps })).toBe(true);
    });
  }
});

describe("reductions with ties and zeros", () => {
  it("max() shares the gradient evenly between tied maxima; max(dim) sends it to the chosen index", () => {
    const x = tensor([1, 3, 3, 2], { requiresGrad: true });
    x.max().backward();
    expect(Array.from(x.grad!.dataSync() as Float32Array)).toEqual([0, 0.5, 0.5, 0]);
    x.grad = null;
    x.unsqueeze(0).max(1).values.sum().backward();
    expect(Array.from(x.grad!.dataSync() as Float32Array)).toEqual([0, 1, 0, 0]);
  });

  it("prod() with one and with two zeros", () => {
    const one = tensor([2, 0, 3], { requiresGrad: true });
    one.prod().backward();
    expect(Array.from(one.grad!.dataSync() as Float32Array)).toEqual([0, 6, 0]);
    const two = tensor([2, 0, 0], { requiresGrad: true });
    two.prod().backward();
    expect(Array.from(two.grad!.dataSync() as Float32Array)).toEqual([0, 0, 0]);
  });

  it("noGrad ops are not differentiated", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expect(noGrad(() => x.exp()).requiresGrad).toBe(false);
  });
});
