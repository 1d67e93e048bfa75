/**
 * The fast kernels: each checked against the CPU oracle and against its own decomposition into
 * primitives on the backend under test (the primitives-only view of the same instance).
 */
import type { AdamHyper, Conv2dParams, DType, FastKernels, Pool2dParams, RmspropHyper, SgdHyper, Tensor } from "@trek/tensor";
import {
  DTYPES,
  avgPool2d,
  avgPool2dBackward,
  conv2d,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  layerNorm,
  logSoftmaxBackward,
  maxPool2d,
  maxPool2dBackward,
  softmaxBackward,
  sgdStep_,
  adamStep_,
  rmspropStep_,
} from "@trek/tensor";
import { notApplicable, testCase, type Case } from "../case.js";
import { differential, type DifferentialSpec, type OpOutput } from "../harness.js";
import type { HostValue, InputSpec, Layout } from "../inputs.js";

type KernelName = keyof FastKernels;
type Fn = (...xs: Tensor[]) => OpOutput;

const FLOATS: readonly DType[] = ["float32", "float64", "float16", "bfloat16"];

/**
 * Every fast kernel of the Backend contract, with the dtypes it applies to. Typed as a Record
 * over `keyof FastKernels` so that a kernel added to the contract fails to compile here until
 * the kit covers it; "activation" is covered by the activation family.
 */
export const KERNEL_DTYPES: Readonly<Record<KernelName, { dtypes: readonly DType[]; otherwise: string } | "activation family">> = {
  matmul: { dtypes: DTYPES.filter((d) => d !== "bool"), otherwise: "matmul of bool tensors is not defined" },
  conv2d: { dtypes: FLOATS, otherwise: "conv2d takes floating-point tensors (the tensor layer raises)" },
  conv2dBackwardInput: { dtypes: FLOATS, otherwise: "gradients exist for floating-point tensors only" },
  conv2dBackwardWeight: { dtypes: FLOATS, otherwise: "gradients exist for floating-point tensors only" },
  maxPool2d: { dtypes: FLOATS, otherwise: "pooling is defined for floating-point tensors (as in PyTorch)" },
  maxPool2dBackward: { dtypes: FLOATS, otherwise: "gradients exist for floating-point tensors only" },
  avgPool2d: { dtypes: FLOATS, otherwise: "pooling is defined for floating-point tensors (as in PyTorch)" },
  avgPool2dBackward: { dtypes: FLOATS, otherwise: "gradients exist for floating-point tensors only" },
  softmax: { dtypes: FLOATS, otherwise: "integer inputs are promoted to float before the kernel runs" },
  logSoftmax: { dtypes: FLOATS, otherwise: "integer inputs are promoted to float before the kernel runs" },
  softmaxBackward: { dtypes: FLOATS, otherwise: "gradients exist for floating-point tensors only" },
  logSoftmaxBackward: { dtypes: FLOATS, otherwise: "gradients exist for floating-point tensors only" },
  activation: "activation family",
  layerNorm: { dtypes: FLOATS, otherwise: "integer inputs are promoted to float before the kernel runs" },
  gather: { dtypes: DTYPES, otherwise: "" },
  scatter: { dtypes: DTYPES, otherwise: "" },
  indexSelect: { dtypes: DTYPES, otherwise: "" },
  argReduce: { dtypes: DTYPES.filter((d) => d !== "bool"), otherwise: "argmax/argmin of bool is not defined (as in PyTorch)" },
  cumsum: { dtypes: DTYPES, otherwise: "" },
  sort: { dtypes: DTYPES, otherwise: "" },
  sgdStep: { dtypes: FLOATS, otherwise: "parameters are floating point" },
  adamStep: { dtypes: FLOATS, otherwise: "parameters are floating point" },
  rmspropStep: { dtypes: FLOATS, otherwise: "parameters are floating point" },
};

/** Other dtypes each kernel's cases (and its decomposition in @trek/tensor) create. */
const KERNEL_NEEDS: Readonly<Record<KernelName, readonly DType[]>> = {
  matmul: [],
  conv2d: [],
  conv2dBackwardInput: [],
  conv2dBackwardWeight: [],
  maxPool2d: ["int32", "int64", "bool"],
  maxPool2dBackward: ["int32", "int64", "bool"],
  // The decomposition builds its divisor in float32 (then casts).
  avgPool2d: ["float32"],
  avgPool2dBackward: ["float32"],
  softmax: [],
  logSoftmax: [],
  softmaxBackward: [],
  logSoftmaxBackward: [],
  activation: [],
  layerNorm: [],
  gather: ["int32", "int64", "bool"],
  scatter: ["int32", "int64", "bool"],
  indexSelect: ["int32", "int64", "bool"],
  argReduce: ["int64", "bool"],
  cumsum: ["int64", "bool"],
  sort: ["int64", "bool"],
  sgdStep: [],
  adamStep: [],
  rmspropStep: [],
};

/** Kernels that sum many products: compared norm-wise (see describeMismatch). */
const ACCUMULATING: ReadonlySet<KernelName> = new Set(["matmul", "conv2d", "conv2dBackwardInput", "conv2dBackwardWeight", "layerNorm"]);

/** Deterministic index values in [0, size): spread out, with repeats. */
function indexValues(count: number, size: number, salt = 0): HostValue[] {
  return Array.from({ length: count }, (_, i) => BigInt((i * 7 + 3 + salt) % size));
}

function index(shape: readonly number[], values: HostValue[], dtype: DType = "int64"): InputSpec {
  const converted = dtype === "int64" ? values : values.map((v) => Number(v));
  return { shape, dtype, values: converted };
}

function convOutput(size: number, kernel: number, stride: number, padding: number, dilation: number): number {
  return Math.floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1;
}

interface ConvSetup {
  readonly name: string;
  readonly x: readonly number[];
  readonly w: readonly number[];
  readonly params: Conv2dParams;
  readonly bias: boolean;
  readonly layout?: Layout;
}

const CONVS: readonly ConvSetup[] = [
  { name: "3x3, padding 1, bias", x: [2, 3, 6, 5], w: [4, 3, 3, 3], params: conv(1, 1, 1, 1), bias: true },
  { name: "3x2, stride (2, 1), padding (1, 2), dilation (1, 2), groups 2", x: [1, 4, 7, 6], w: [6, 2, 3, 2], params: { stride: [2, 1], padding: [1, 2], dilation: [1, 2], groups: 2 }, bias: true },
  { name: "depthwise 3x3, stride 2", x: [1, 3, 5, 5], w: [3, 1, 3, 3], params: conv(2, 1, 1, 3), bias: false },
  { name: "1x1, transposed input", x: [2, 4, 3, 5], w: [2, 4, 1, 1], params: conv(1, 0, 1, 1), bias: true, layout: "transposed" },
  { name: "negative-stride input, dilation 2", x: [1, 2, 7, 7], w: [3, 2, 2, 3], params: conv(1, 0, 2, 1), bias: false, layout: "flipped" },
  { name: "empty batch", x: [0, 3, 5, 5], w: [2, 3, 3, 3], params: conv(1, 1, 1, 1), bias: true },
];

function conv(stride: number, padding: number, dilation: number, groups: number): Conv2dParams {
  return { stride: [stride, stride], padding: [padding, padding], dilation: [dilation, dilation], groups };
}

function convOutputShape(c: ConvSetup): number[] {
  const p = c.params;
  return [
    c.x[0]!,
    c.w[0]!,
    convOutput(c.x[2]!, c.w[2]!, p.stride[0], p.padding[0], p.dilation[0]),
    convOutput(c.x[3]!, c.w[3]!, p.stride[1], p.padding[1], p.dilation[1]),
  ];
}

interface PoolSetup {
  readonly name: string;
  readonly x: readonly number[];
  readonly params: Pool2dParams;
  readonly ceil: boolean;
  readonly layout?: Layout;
}

const POOLS: readonly PoolSetup[] = [
  { name: "2x2", x: [2, 3, 4, 6], params: pool([2, 2], [2, 2], [0, 0], [1, 1], true), ceil: false },
  { name: "3x3, stride 2, padding 1, ceil mode", x: [1, 2, 7, 6], params: pool([3, 3], [2, 2], [1, 1], [1, 1], true), ceil: true },
  { name: "(2, 3), stride (1, 2), padding (1, 1), padding not counted", x: [1, 2, 5, 7], params: pool([2, 3], [1, 2], [1, 1], [1, 1], false), ceil: false },
  { name: "3x3, stride 2, transposed input", x: [2, 1, 6, 7], params: pool([3, 3], [2, 2], [0, 0], [1, 1], true), ceil: false, layout: "transposed" },
];

/** Max pooling also runs with dilation (average pooling does not support it). */
const MAX_POOLS: readonly PoolSetup[] = [
  ...POOLS,
  { name: "(2, 3), stride (2, 1), padding 1, dilation (2, 1), negative-stride input", x: [1, 2, 7, 7], params: pool([2, 3], [2, 1], [1, 1], [2, 1], true), ceil: false, layout: "flipped" },
  { name: "3x3, stride 2, dilation 2, ceil mode", x: [1, 1, 8, 9], params: pool([3, 3], [2, 2], [0, 0], [2, 2], true), ceil: true },
];

function pool(kernelSize: [number, number], stride: [number, number], padding: [number, number], dilation: [number, number], countIncludePad: boolean): Pool2dParams {
  return { kernelSize, stride, padding, dilation, countIncludePad };
}

function poolOutput(size: number, axis: 0 | 1, p: Pool2dParams, ceil: boolean): number {
  const span = size + 2 * p.padding[axis] - p.dilation[axis] * (p.kernelSize[axis] - 1) - 1;
  let out = (ceil ? Math.ceil(span / p.stride[axis]) : Math.floor(span / p.stride[axis])) + 1;
  if (ceil && (out - 1) * p.stride[axis] >= size + p.padding[axis]) out--;
  return out;
}

function poolOutputShape(s: PoolSetup): [number, number] {
  return [poolOutput(s.x[2]!, 0, s.params, s.ceil), poolOutput(s.x[3]!, 1, s.params, s.ceil)];
}

function kernelVariants(name: KernelName, dtype: DType): DifferentialSpec[] {
  const t = (shape: readonly number[], layout: Layout = "contiguous", d: DType = dtype): InputSpec => ({ shape, dtype: d, layout });
  const normwise = ACCUMULATING.has(name);
  const spec = (variant: string, inputs: InputSpec[], fn: Fn, toleranceScale = 1): DifferentialSpec => ({
    op: name,
    variant,
    inputs,
    fn,
    decomposition: true,
    // Norm-wise comparisons are already scaled by the largest result.
    toleranceScale: normwise ? 2 : toleranceScale,
    normwise,
  });
  switch (name) {
    case "matmul": {
      const mm = ((a: Tensor, b: Tensor) => a.matmul(b)) as Fn;
      return [
        spec("[4, 6] @ [6, 3]", [t([4, 6]), t([6, 3])], mm, 4),
        spec("transposed @ stepped slice", [t([4, 6], "transposed"), t([6, 3], "strided")], mm, 4),
        spec("negative stride @ broadcast", [t([3, 5], "flipped"), t([5, 2], "broadcast")], mm, 4),
        spec("batched with broadcast [2, 1, 3, 4] @ [3, 4, 2]", [t([2, 1, 3, 4]), t([3, 4, 2], "transposed")], mm, 4),
        spec("vector @ matrix", [t([5]), t([5, 3])], mm, 4),
        spec("matrix @ vector", [t([3, 5]), t([5])], mm, 4),
        spec("vector @ vector", [t([6]), t([6], "flipped")], mm, 4),
        spec("inner size 0 (zeros)", [t([3, 0]), t([0, 4])], mm),
        spec("empty rows", [t([0, 3]), t([3, 2])], mm),
      ];
    }
    case "conv2d":
      return CONVS.map((c) => {
        const inputs = [t(c.x, c.layout ?? "contiguous"), t(c.w), ...(c.bias ? [t([c.w[0]!])] : [])];
        const fn = ((x: Tensor, w: Tensor, b?: Tensor) => conv2d(x, w, b ?? null, c.params)) as Fn;
        return spec(c.name, inputs, fn, 8);
      });
    case "conv2dBackwardInput":
      return CONVS.map((c) => {
        const fn = ((dy: Tensor, w: Tensor) => conv2dBackwardInput(dy, w, c.x, c.params)) as Fn;
        return spec(c.name, [t(convOutputShape(c), c.layout ?? "contiguous"), t(c.w)], fn, 8);
      });
    case "conv2dBackwardWeight":
      return CONVS.map((c) => {
        const fn = ((dy: Tensor, x: Tensor) => conv2dBackwardWeight(dy, x, c.w, c.params)) as Fn;
        return spec(c.name, [t(convOutputShape(c)), t(c.x, c.layout ?? "contiguous")], fn, 8);
      });
    case "maxPool2d":
      return MAX_POOLS.flatMap((s) => {
        const [oh, ow] = poolOutputShape(s);
        const fn = ((x: Tensor) => {
          const { values, indices } = maxPool2d(x, s.params, oh, ow);
          return { values, indices };
        }) as Fn;
        // Inference: no gradient recorded and no indices asked for, so the kernel gets null indices.
        const valuesOnly = ((x: Tensor) => {
          const { values, indices } = maxPool2d(x, s.params, oh, ow, false);
          if (indices !== null) throw new Error("maxPool2d without withIndices outside autograd returned indices");
          return values;
        }) as Fn;
        const input = t(s.x, s.layout ?? "contiguous");
        return [spec(s.name, [input], fn), spec(`${s.name}, values only`, [input], valuesOnly)];
      });
    case "maxPool2dBackward":
      return MAX_POOLS.map((s) => {
        const [oh, ow] = poolOutputShape(s);
        const fn = ((x: Tensor, dy: Tensor) => maxPool2dBackward(dy, maxPool2d(x, s.params, oh, ow).indices, x.shape, s.params)) as Fn;
        return spec(s.name, [t(s.x, s.layout ?? "contiguous"), t([s.x[0]!, s.x[1]!, oh, ow])], fn, 4);
      });
    case "avgPool2d":
      return POOLS.map((s) => {
        const [oh, ow] = poolOutputShape(s);
        return spec(s.name, [t(s.x, s.layout ?? "contiguous")], ((x: Tensor) => avgPool2d(x, s.params, oh, ow)) as Fn, 4);
      });
    case "avgPool2dBackward":
      return POOLS.map((s) => {
        const [oh, ow] = poolOutputShape(s);
        const fn = ((dy: Tensor) => avgPool2dBackward(dy, s.x, s.params)) as Fn;
        return spec(s.name, [t([s.x[0]!, s.x[1]!, oh, ow], s.layout ?? "contiguous")], fn, 4);
      });
    case "softmax":
    case "logSoftmax": {
      const call = (dim: number) => ((x: Tensor) => (name === "softmax" ? x.softmax(dim) : x.logSoftmax(dim))) as Fn;
      return [
        spec("dim 1", [t([4, 6])], call(1), 2),
        spec("dim 0, transposed", [t([4, 6], "transposed")], call(0), 2),
        spec("dim -1, negative stride", [t([3, 5], "flipped")], call(-1), 2),
        spec("dim 1, broadcast", [t([3, 5], "broadcast")], call(1), 2),
        spec("rank 3, dim 1, stepped slice", [t([2, 4, 3], "strided")], call(1), 2),
        spec("empty", [t([0, 5])], call(1)),
        spec("0-d", [t([])], call(0)),
      ];
    }
    case "softmaxBackward":
    case "logSoftmaxBackward": {
      const call = (dim: number) =>
        ((x: Tensor, dy: Tensor) =>
          name === "softmaxBackward" ? softmaxBackward(x.softmax(dim), dy, dim) : logSoftmaxBackward(x.logSoftmax(dim), dy, dim)) as Fn;
      return [
        spec("dim 1", [t([4, 6]), t([4, 6])], call(1), 4),
        spec("dim 0, transposed gradient", [t([4, 6]), t([4, 6], "transposed")], call(0), 4),
        spec("rank 3, dim 2, stepped slice", [t([2, 3, 5], "strided"), t([2, 3, 5], "flipped")], call(2), 4),
        spec("empty", [t([0, 5]), t([0, 5])], call(1)),
      ];
    }
    case "layerNorm": {
      const withAffine = (shape: number[]) => ((x: Tensor, w: Tensor, b: Tensor) => layerNorm(x, shape, w, b, 1e-5)) as Fn;
      const plain = (shape: number[]) => ((x: Tensor) => layerNorm(x, shape, null, null, 1e-5)) as Fn;
      return [
        spec("last dim, weight and bias", [t([4, 6]), t([6]), t([6])], withAffine([6]), 8),
        spec("last two dims, weight and bias", [t([2, 3, 5]), t([3, 5], "transposed"), t([3, 5])], withAffine([3, 5]), 8),
        spec("transposed input, no weight", [t([5, 4], "transposed")], plain([4]), 8),
        spec("negative-stride input", [t([3, 7], "flipped")], plain([7]), 8),
        spec("empty batch", [t([0, 4]), t([4]), t([4])], withAffine([4]), 8),
      ];
    }
    case "gather": {
      const g = (dim: number) => ((x: Tensor, i: Tensor) => x.gather(dim, i)) as Fn;
      return [
        spec("dim 1", [t([4, 5]), index([4, 3], indexValues(12, 5))], g(1)),
        spec("dim 0, int32 index", [t([4, 5]), index([3, 5], indexValues(15, 4), "int32")], g(0)),
        spec("dim 1, smaller index, transposed input", [t([4, 5], "transposed"), index([2, 3], indexValues(6, 5, 1))], g(1)),
        spec("dim -1, rank 3, negative-stride input", [t([2, 3, 4], "flipped"), index([2, 3, 2], indexValues(12, 4, 2))], g(-1)),
        spec("empty index", [t([4, 5]), index([4, 0], [])], g(1)),
      ];
    }
    case "scatter": {
      // Distinct targets per row for "set" (which write wins is undefined otherwise); repeats for "add".
      const unique = (rows: number, count: number, size: number) =>
        Array.from({ length: rows * count }, (_, i) => BigInt((Math.floor(i / count) + (i % count) * 3) % size));
      const set = (dim: number) => ((x: Tensor, i: Tensor, src: Tensor) => x.scatter(dim, i, src)) as Fn;
      const add = (dim: number) => ((x: Tensor, i: Tensor, src: Tensor) => x.scatterAdd(dim, i, src)) as Fn;
      const variants = [
        spec("set, dim 1", [t([3, 5]), index([3, 4], unique(3, 4, 5)), t([3, 4])], set(1)),
        spec("set, dim 0, int32 index, transposed input", [t([4, 3], "transposed"), index([2, 3], [0, 3, 1, 2, 1, 0], "int32"), t([3, 4])], set(0)),
        spec("set, scalar source", [t([3, 5]), index([3, 2], unique(3, 2, 5))], ((x: Tensor, i: Tensor) => x.scatter(1, i, dtype === "bool" ? true : 2)) as Fn),
      ];
      if (dtype !== "bool") {
        variants.push(
          spec("add, dim 1, repeated targets", [t([3, 5]), index([3, 4], indexValues(12, 5)), t([3, 4], "flipped")], add(1), 4),
          spec("add, dim 0, repeated targets", [t([4, 3], "strided"), index([3, 3], indexValues(9, 4, 1)), t([3, 3])], add(0), 4),
        );
      }
      return variants;
    }
    case "indexSelect": {
      const s = (dim: number) => ((x: Tensor, i: Tensor) => x.indexSelect(dim, i)) as Fn;
      return [
        spec("dim 0, repeats", [t([4, 5]), index([6], indexValues(6, 4))], s(0)),
        spec("dim 1, int32 index, transposed input", [t([4, 5], "transposed"), index([3], [4, 0, 4], "int32")], s(1)),
        spec("dim 1, negative-stride input", [t([3, 6], "flipped"), index([4], indexValues(4, 6, 2))], s(1)),
        spec("0-d index", [t([4, 5]), index([], [2n])], s(0)),
        spec("empty index", [t([4, 5]), index([0], [])], s(1)),
      ];
    }
    case "argReduce": {
      const arg = (op: "argmax" | "argmin", dim: number | null) => ((x: Tensor) => (op === "argmax" ? x.argmax(dim) : x.argmin(dim))) as Fn;
      return [
        spec("argmax dim 1", [t([4, 6])], arg("argmax", 1)),
        spec("argmin dim 0, transposed", [t([4, 6], "transposed")], arg("argmin", 0)),
        spec("argmax over all, negative stride", [t([3, 5], "flipped")], arg("argmax", null)),
        spec("argmin dim 1, broadcast", [t([3, 5], "broadcast")], arg("argmin", 1)),
        spec("argmax dim 2, rank 3, stepped slice", [t([2, 3, 4], "strided")], arg("argmax", 2)),
        spec("argmax 0-d", [t([])], arg("argmax", 0)),
      ];
    }
    case "cumsum": {
      const c = (dim: number) => ((x: Tensor) => x.cumsum(dim)) as Fn;
      return [
        spec("dim 1", [t([4, 6])], c(1), 4),
        spec("dim 0, transposed", [t([4, 6], "transposed")], c(0), 4),
        spec("dim -1, negative stride", [t([3, 5], "flipped")], c(-1), 4),
        spec("dim 0, broadcast", [t([3, 5], "broadcast")], c(0), 4),
        spec("empty", [t([0, 5])], c(0)),
        spec("0-d", [t([])], c(0)),
      ];
    }
    case "sort": {
      const s = (dim: number, descending: boolean) =>
        ((x: Tensor) => {
          const { values, indices } = x.sort(dim, descending);
          return { values, indices };
        }) as Fn;
      return [
        spec("dim 1 ascending", [t([4, 6])], s(1, false)),
        spec("dim 0 descending, transposed", [t([5, 4], "transposed")], s(0, true)),
        spec("dim -1, negative stride", [t([3, 7], "flipped")], s(-1, false)),
        spec("dim 1 descending, broadcast", [t([3, 5], "broadcast")], s(1, true)),
        spec("rank 3, dim 1, stepped slice", [t([2, 4, 3], "strided")], s(1, false)),
        spec("empty", [t([0, 5])], s(1, false)),
        spec("0-d", [t([])], s(0, false)),
      ];
    }
    case "activation":
      return [];
    case "sgdStep":
    case "adamStep":
    case "rmspropStep":
      return optimizerVariants(name, dtype);
  }
}

const SGD: SgdHyper = { lr: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01, nesterov: false, maximize: false, firstStep: false };
const ADAM: AdamHyper = { lr: 0.01, beta1: 0.9, beta2: 0.99, eps: 1e-3, weightDecay: 0, decoupledWeightDecay: false, amsgrad: false, maximize: false, step: 3 };
const RMSPROP: RmspropHyper = { lr: 0.01, alpha: 0.9, eps: 1e-3, weightDecay: 0, momentum: 0, centered: false, maximize: false };

/**
 * One optimizer step on [3, 5] parameters: the fused kernel runs on contiguous operands of one
 * dtype, the decomposition otherwise (the transposed variant). Outputs: every updated tensor.
 */
function optimizerVariants(name: "sgdStep" | "adamStep" | "rmspropStep", dtype: DType): DifferentialSpec[] {
  const t = (layout: Layout = "contiguous", domain: "any" | "positive" = "any"): InputSpec => ({ shape: [3, 5], dtype, layout, domain });
  const spec = (variant: string, inputs: InputSpec[], fn: Fn): DifferentialSpec => ({ op: name, variant, inputs, fn, decomposition: true, toleranceScale: 4 });
  switch (name) {
    case "sgdStep": {
      const step = (h: SgdHyper) => ((p: Tensor, g: Tensor, buffer: Tensor) => (sgdStep_(p, g, buffer, h), [p, buffer])) as Fn;
      const plain = ((p: Tensor, g: Tensor) => (sgdStep_(p, g, null, { ...SGD, momentum: 0 }), [p])) as Fn;
      return [
        spec("plain", [t(), t()], plain),
        spec("momentum, dampening, weight decay", [t(), t(), t()], step(SGD)),
        spec("first step (buffer initialised)", [t(), t(), t()], step({ ...SGD, firstStep: true })),
        spec("nesterov, maximize", [t(), t(), t()], step({ ...SGD, dampening: 0, nesterov: true, maximize: true })),
        spec("transposed operands (decomposition)", [t("transposed"), t("transposed"), t("transposed")], step(SGD)),
      ];
    }
    case "adamStep": {
      const step = (h: AdamHyper) => ((p: Tensor, g: Tensor, m: Tensor, v: Tensor) => (adamStep_(p, g, m, v, null, h), [p, m, v])) as Fn;
      const amsgrad = ((p: Tensor, g: Tensor, m: Tensor, v: Tensor, vmax: Tensor) =>
        (adamStep_(p, g, m, v, vmax, { ...ADAM, amsgrad: true }), [p, m, v, vmax])) as Fn;
      const second = t("contiguous", "positive");
      return [
        spec("Adam, step 3", [t(), t(), t(), second], step(ADAM)),
        spec("Adam, step 1, L2 weight decay, maximize", [t(), t(), t(), second], step({ ...ADAM, step: 1, weightDecay: 0.1, maximize: true })),
        spec("AdamW", [t(), t(), t(), second], step({ ...ADAM, weightDecay: 0.1, decoupledWeightDecay: true })),
        spec("AMSGrad", [t(), t(), t(), second, second], amsgrad),
        spec("transposed operands (decomposition)", [t("transposed"), t(), t(), second], step(ADAM)),
      ];
    }
    case "rmspropStep": {
      const step = (h: RmspropHyper) => ((p: Tensor, g: Tensor, s: Tensor) => (rmspropStep_(p, g, s, null, null, h), [p, s])) as Fn;
      const full = ((p: Tensor, g: Tensor, s: Tensor, b: Tensor, a: Tensor) =>
        (rmspropStep_(p, g, s, b, a, { ...RMSPROP, momentum: 0.9, centered: true, weightDecay: 0.1 }), [p, s, b, a])) as Fn;
      const square = t("contiguous", "positive");
      return [
        spec("plain", [t(), t(), square], step(RMSPROP)),
        spec("maximize, weight decay", [t(), t(), square], step({ ...RMSPROP, maximize: true, weightDecay: 0.1 })),
        // Centred: the running mean of squares must exceed the squared mean gradient, hence small grad averages.
        spec("momentum, centered, weight decay", [t(), t(), square, t(), { shape: [3, 5], dtype, domain: "unit" }], full),
        spec("transposed operands (decomposition)", [t("transposed"), t("transposed"), square], step(RMSPROP)),
      ];
    }
  }
}

export function kernelCases(): Case[] {
  const cases: Case[] = [];
  for (const name of Object.keys(KERNEL_DTYPES) as KernelName[]) {
    const entry = KERNEL_DTYPES[name];
    if (entry === "activation family") continue;
    for (const dtype of DTYPES) {
      if (!entry.dtypes.includes(dtype)) {
        cases.push(notApplicable("kernel", name, dtype, entry.otherwise));
        continue;
      }
      const needs = KERNEL_NEEDS[name].filter((d) => d !== dtype);
      const variants = kernelVariants(name, dtype);
      cases.push(testCase("kernel", name, dtype, (ctx, id) => differential(ctx, id, variants), needs));
    }
  }
  return cases;
}
