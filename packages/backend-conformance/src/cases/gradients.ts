/**
 * Gradients of every differentiable op on the backend under test, and a short training run.
 *
 * float64 on a backend that reads synchronously: `gradcheck` from @trek/autograd (central finite
 * differences) on the backend and on its primitives-only view. Otherwise (float32, or no
 * synchronous reads): the backend's analytic gradients are compared with the CPU backend's, which
 * the CPU's own float64 gradcheck run vouches for.
 */
import type { Backend, DType, DifferentiableOp, Tensor } from "@trek/tensor";
import {
  avgPool2d,
  avgPool2dBackward,
  cat,
  conv2d,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  isFloatingPoint,
  layerNorm,
  maxPool2d,
  maxPool2dBackward,
  pad,
  sgdStep_,
  stack,
  tensor,
  where,
  asStrided,
} from "@trek/tensor";
import { GradcheckError, gradcheck, noGrad } from "@trek/autograd";
import { testCase, type Case } from "../case.js";
import { differential, runOnDevice, type CaseContext, type DifferentialSpec, type OpOutput } from "../harness.js";
import { prepareInput, type Domain, type HostValue, type InputSpec, type Layout } from "../inputs.js";
import { ORACLE_DEVICE } from "../devices.js";
import { ACTIVATION_PARAMETERS, callActivation } from "../op-calls.js";

interface GradInput {
  readonly shape: readonly number[];
  readonly layout?: Layout;
  readonly domain?: Domain;
  readonly values?: readonly HostValue[];
  /** A fixed dtype (index or condition tensors); these never require grad. */
  readonly dtype?: DType;
}

interface GradSpec {
  readonly inputs: readonly GradInput[];
  readonly fn: (...xs: Tensor[]) => Tensor | Tensor[];
  /** gradcheck options (finite-difference step, tolerances). */
  readonly eps?: number;
  readonly atol?: number;
  /** Other dtypes the case needs, per checked dtype. */
  readonly needs?: (dtype: DType) => readonly DType[];
  /** A backend capability the case needs (see Case.skipOn). */
  readonly skipOn?: (backend: Backend) => string | undefined;
}

const x34 = (domain: Domain = "any"): GradInput => ({ shape: [3, 4], layout: "transposed", domain });
const unary = (fn: (x: Tensor) => Tensor, domain: Domain = "any"): GradSpec => ({ inputs: [x34(domain)], fn });
const binary = (fn: (a: Tensor, b: Tensor) => Tensor, a: Domain = "any", b: Domain = "any"): GradSpec => ({
  inputs: [x34(a), { shape: [4], domain: b }],
  fn: fn as GradSpec["fn"],
});
const activationSpec = (op: Parameters<typeof callActivation>[0]): GradSpec => {
  const alpha = ACTIVATION_PARAMETERS[op][1];
  return { inputs: [{ shape: [2, 5], layout: "flipped" }], fn: (x) => [callActivation(op, x), callActivation(op, x, alpha)] };
};
const int64 = (shape: readonly number[], values: readonly number[]): GradInput => ({
  shape,
  dtype: "int64",
  values: values.map((v) => BigInt(v)),
});

/**
 * One gradient case per differentiable op (a Record over DifferentiableOp: an op added to
 * @trek/tensor's DIFFERENTIABLE_OPS fails to compile here until the kit checks its gradient).
 */
export const GRADIENT_SPECS: Readonly<Record<DifferentiableOp, GradSpec>> = {
  neg: unary((x) => x.neg()),
  abs: unary((x) => x.abs(), "nonzero"),
  sign: unary((x) => x.sign(), "nonzero"),
  exp: unary((x) => x.exp()),
  expm1: unary((x) => x.expm1()),
  log: unary((x) => x.log(), "positive"),
  log1p: unary((x) => x.log1p(), "positive"),
  sqrt: unary((x) => x.sqrt(), "positive"),
  rsqrt: unary((x) => x.rsqrt(), "positive"),
  recip: unary((x) => x.reciprocal(), "nonzero"),
  sin: unary((x) => x.sin()),
  cos: unary((x) => x.cos()),
  tan: unary((x) => x.tan(), "unit"),
  tanh: unary((x) => x.tanh()),
  erf: unary((x) => x.erf()),
  floor: unary((x) => x.floor(), "fractional"),
  ceil: unary((x) => x.ceil(), "fractional"),
  round: unary((x) => x.round(), "fractional"),
  trunc: unary((x) => x.trunc(), "fractional"),

  relu: activationSpec("relu"),
  sigmoid: activationSpec("sigmoid"),
  silu: activationSpec("silu"),
  gelu: activationSpec("gelu"),
  geluTanh: activationSpec("geluTanh"),
  softplus: activationSpec("softplus"),
  elu: activationSpec("elu"),
  selu: activationSpec("selu"),
  leakyRelu: activationSpec("leakyRelu"),
  hardtanh: activationSpec("hardtanh"),
  mish: activationSpec("mish"),

  add: binary((a, b) => a.add(b)),
  sub: binary((a, b) => a.sub(b)),
  mul: binary((a, b) => a.mul(b)),
  div: binary((a, b) => a.div(b), "any", "nonzero"),
  pow: binary((a, b) => a.pow(b), "positive", "exponent"),
  maximum: binary((a, b) => a.maximum(b)),
  minimum: binary((a, b) => a.minimum(b)),
  mod: binary((a, b) => a.remainder(b), "unit", "positive"),
  atan2: binary((a, b) => a.atan2(b)),

  where: {
    inputs: [{ shape: [3, 4], dtype: "bool" }, x34(), { shape: [4] }],
    fn: (c, a, b) => where(c!, a!, b!),
  },
  // Through a lower precision and back: a linear map, so a larger step keeps rounding noise small.
  cast: {
    inputs: [{ shape: [5] }],
    fn: (x) => x.to(otherFloat(x.dtype)).to(x.dtype),
    eps: 1e-3,
    atol: 1e-4,
    needs: (dtype) => [otherFloat(dtype)],
  },
  toDevice: {
    inputs: [x34()],
    fn: (x) => x.to(ORACLE_DEVICE).mul(2).to(x.device),
    // to(device) reads the source synchronously; asynchronous devices move tensors with toAsync.
    skipOn: (backend) => (backend.readSync ? undefined : "moving a tensor off this device needs toAsync (no synchronous reads)"),
  },
  clone: { inputs: [x34()], fn: (x) => x.clone().mul(x) },

  sum: { inputs: [{ shape: [2, 3, 2] }], fn: (x) => [x.sum(), x.sum(1), x.sum([0, 2], true)] },
  prod: { inputs: [x34("nonzero")], fn: (x) => [x.prod(), x.prod(1, true)] },
  amax: { inputs: [{ shape: [2, 3, 2] }], fn: (x) => [x.amax(), x.amax([0, 2])] },
  amin: { inputs: [x34()], fn: (x) => [x.amin(), x.amin(1, true)] },
  cumsum: { inputs: [x34()], fn: (x) => [x.cumsum(0), x.cumsum(-1)] },

  reshape: { inputs: [x34()], fn: (x) => [x.reshape(6, 2), x.flatten().unsqueeze(0).squeeze(0)] },
  permute: { inputs: [{ shape: [2, 3, 2] }], fn: (x) => x.permute(2, 0, 1).mul(x.permute(2, 0, 1)) },
  expand: { inputs: [{ shape: [2, 1] }], fn: (x) => x.expand(3, 2, 4).mul(x.expand(3, 2, 4).cumsum(2)) },
  slice: { inputs: [{ shape: [3, 6], layout: "transposed" }], fn: (x) => [x.slice(1, 1, 5, 2), x.index(":", "::3")] },
  select: { inputs: [{ shape: [3, 3], layout: "transposed" }], fn: (x) => [x.select(1, -1), x.index(0)] },
  unfold: { inputs: [{ shape: [2, 7] }], fn: (x) => x.unfold(1, 3, 2).mul(x.unfold(1, 3, 2)) },
  flip: { inputs: [x34()], fn: (x) => x.flip(0, 1).mul(x) },
  asStrided: { inputs: [{ shape: [3, 4] }], fn: (x) => [asStrided(x, [2, 2], [1, 4], 1), x.diagonal(1)] },
  viewScatter: {
    inputs: [{ shape: [3, 3] }, { shape: [3] }],
    fn: (x, w) => {
      const y = x!.mul(1);
      y.index(0).mul_(w!);
      y.index(":", 1).add_(w!.sum());
      return y;
    },
  },
  cat: { inputs: [{ shape: [2, 2], layout: "transposed" }, { shape: [2, 3] }], fn: (a, b) => cat([a!, b!, a!], 1) },
  pad: { inputs: [x34()], fn: (x) => [pad(x, [1, 2, 0, 1], "constant", 0.5), pad(x, [-1, 1]), pad(x, [2, 1], "reflect")] },

  gather: { inputs: [{ shape: [3, 3], layout: "transposed" }, int64([3, 2], [0, 2, 1, 1, 2, 0])], fn: (x, i) => x!.gather(1, i!) },
  scatter: {
    inputs: [{ shape: [3, 3] }, int64([1, 3], [1, 0, 2]), { shape: [2, 3] }],
    fn: (x, i, src) => x!.scatter(0, i!, src!),
  },
  scatterAdd: {
    inputs: [{ shape: [2, 3], layout: "transposed" }, int64([2, 3], [0, 0, 2, 1, 2, 1]), { shape: [2, 3] }],
    fn: (x, i, src) => x!.scatterAdd(1, i!, src!),
  },
  indexSelect: { inputs: [x34(), int64([3], [2, 0, 2])], fn: (x, i) => x!.indexSelect(0, i!) },
  sort: { inputs: [x34()], fn: (x) => [x.sort(1).values, x.sort(0, true).values] },
  topk: { inputs: [x34()], fn: (x) => [x.topk(2, 1).values, x.topk(1, 0, false).values] },

  matmul: {
    inputs: [{ shape: [2, 3, 4], layout: "transposed" }, { shape: [4, 2] }, { shape: [3] }],
    fn: (a, b, v) => [a!.matmul(b!), v!.matmul(a!.select(0, 0)), a!.select(1, 0).matmul(b!.select(1, 1))],
  },
  conv2d: {
    inputs: [{ shape: [1, 4, 5, 5] }, { shape: [2, 2, 3, 2], layout: "transposed" }, { shape: [2] }],
    fn: (x, w, b) => conv2d(x!, w!, b!, { stride: [2, 1], padding: [1, 1], dilation: [1, 2], groups: 2 }),
  },
  maxPool2d: {
    inputs: [{ shape: [1, 2, 5, 6] }],
    fn: (x) => maxPool2d(x, { kernelSize: [3, 3], stride: [2, 2], padding: [1, 1], dilation: [1, 1], countIncludePad: true }, 3, 3).values,
  },
  avgPool2d: {
    inputs: [{ shape: [1, 2, 5, 6], layout: "transposed" }],
    fn: (x) => avgPool2d(x, { kernelSize: [2, 3], stride: [2, 2], padding: [1, 1], dilation: [1, 1], countIncludePad: false }, 3, 4),
  },
  // The gradient ops (what gradients of gradients differentiate), on conv2d's and the pools' cases.
  conv2dBackwardInput: {
    inputs: [{ shape: [1, 2, 3, 5], layout: "transposed" }, { shape: [2, 2, 3, 2] }],
    fn: (dy, w) => conv2dBackwardInput(dy!, w!, [1, 4, 5, 5], { stride: [2, 1], padding: [1, 1], dilation: [1, 2], groups: 2 }),
  },
  conv2dBackwardWeight: {
    inputs: [{ shape: [1, 2, 3, 5] }, { shape: [1, 4, 5, 5], layout: "transposed" }],
    fn: (dy, x) => conv2dBackwardWeight(dy!, x!, [2, 2, 3, 2], { stride: [2, 1], padding: [1, 1], dilation: [1, 2], groups: 2 }),
  },
  maxPool2dBackward: {
    // One cell inside each 2×2/stride-2 window of a [1,2,4,4] input.
    inputs: [{ shape: [1, 2, 2, 2], layout: "transposed" }, { shape: [1, 2, 2, 2], dtype: "int32", values: [5, 2, 8, 15, 0, 7, 13, 10] }],
    fn: (dy, indices) =>
      maxPool2dBackward(dy!, indices!, [1, 2, 4, 4], { kernelSize: [2, 2], stride: [2, 2], padding: [0, 0], dilation: [1, 1], countIncludePad: true }),
  },
  avgPool2dBackward: {
    inputs: [{ shape: [1, 2, 3, 4], layout: "transposed" }],
    fn: (dy) => avgPool2dBackward(dy, [1, 2, 5, 6], { kernelSize: [2, 3], stride: [2, 2], padding: [1, 1], dilation: [1, 1], countIncludePad: false }),
  },
  softmax: { inputs: [x34()], fn: (x) => [x.softmax(1), x.softmax(0)] },
  logSoftmax: { inputs: [x34()], fn: (x) => [x.logSoftmax(-1), x.logSoftmax(0)] },
  layerNorm: {
    inputs: [{ shape: [4, 2, 3] }, { shape: [2, 3], layout: "transposed" }, { shape: [2, 3] }],
    fn: (x, w, b) => layerNorm(x!, [2, 3], w!, b!, 1e-5),
  },
};

const GRADIENT_DTYPES: readonly DType[] = ["float32", "float64"];

/** The float dtype a cast round trip goes through. */
function otherFloat(dtype: DType): DType {
  return dtype === "float32" ? "float64" : "float32";
}

function inputSpecs(spec: GradSpec, dtype: DType): { specs: InputSpec[]; differentiable: boolean[] } {
  const specs = spec.inputs.map((i): InputSpec => ({
    shape: i.shape,
    dtype: i.dtype ?? dtype,
    layout: i.layout ?? "contiguous",
    domain: i.domain ?? "any",
    ...(i.values ? { values: i.values } : {}),
  }));
  return { specs, differentiable: specs.map((s) => isFloatingPoint(s.dtype)) };
}

/** A fixed, non-trivial output weighting w so that the loss Σ w ⊙ y involves every output element. */
function outputWeights(t: Tensor): Tensor {
  const values = Float64Array.from({ length: t.numel() }, (_, i) => Math.sin(1.3 * i + 0.7));
  return tensor(values, { dtype: t.dtype, device: t.device, shape: t.shape });
}

function outputs(result: Tensor | Tensor[]): Tensor[] {
  return (Array.isArray(result) ? result : [result]).filter((t) => isFloatingPoint(t.dtype));
}

/** fn → the gradients of Σ w ⊙ fn(xs) with respect to the differentiable inputs. */
function gradientsOf(spec: GradSpec, differentiable: readonly boolean[]): (...xs: Tensor[]) => OpOutput {
  return (...xs) => {
    const leaves = xs.filter((_, i) => differentiable[i]);
    for (const x of leaves) x.requiresGrad_(true);
    let loss: Tensor | null = null;
    for (const y of outputs(spec.fn(...xs))) {
      const term = y.mul(outputWeights(y)).sum();
      loss = loss ? loss.add(term) : term;
    }
    loss!.backward();
    return leaves.map((x) => x.grad ?? noGrad(() => x.mul(0)));
  };
}

async function checkWithGradcheck(ctx: CaseContext, id: string, op: string, spec: GradSpec, dtype: DType): Promise<void> {
  const { specs, differentiable } = inputSpecs(spec, dtype);
  const rng = ctx.rng(id);
  const prepared = specs.map((s) => prepareInput(s, rng));
  const devices = [ctx.devices.test, ...(ctx.devices.primitives ? [ctx.devices.primitives] : [])];
  const failures: string[] = [];
  for (const device of devices) {
    try {
      await runOnDevice(
        device,
        prepared,
        (...xs) => {
          xs.forEach((x, i) => differentiable[i] && x.requiresGrad_(true));
          gradcheck(spec.fn, xs, { ...(spec.eps ? { eps: spec.eps } : {}), atol: spec.atol ?? 1e-5, rtol: 1e-3 });
          return [];
        },
        `${id} gradcheck`,
      );
    } catch (err) {
      const reason = err instanceof GradcheckError || err instanceof Error ? err.message : String(err);
      failures.push(`${op} on "${device}": ${reason}`);
    }
  }
  if (failures.length) throw new Error(`${id}:\n  ${failures.join("\n  ")}`);
}

async function compareWithOracle(ctx: CaseContext, id: string, op: string, spec: GradSpec, dtype: DType): Promise<void> {
  const { specs, differentiable } = inputSpecs(spec, dtype);
  const variant: DifferentialSpec = {
    op,
    variant: "analytic gradients",
    inputs: specs,
    fn: gradientsOf(spec, differentiable),
    decomposition: true,
    toleranceScale: 8,
  };
  await differential(ctx, id, [variant]);
}

/** How the float64 column is checked on this backend (printed in the coverage notes). */
export function gradientMode(ctx: CaseContext): "gradcheck" | "oracle" {
  return ctx.backend.canReadSync && ctx.backend.readSync ? "gradcheck" : "oracle";
}

export function gradientCases(): Case[] {
  const cases: Case[] = [];
  for (const op of Object.keys(GRADIENT_SPECS) as DifferentiableOp[]) {
    const spec = GRADIENT_SPECS[op];
    for (const dtype of GRADIENT_DTYPES) {
      const fixed = spec.inputs.map((i) => i.dtype).filter((d): d is DType => d !== undefined);
      const needs = [...new Set([...fixed, ...(spec.needs?.(dtype) ?? [])])].filter((d) => d !== dtype);
      cases.push(
        testCase(
          "grad",
          op,
          dtype,
          (ctx, id) =>
            dtype === "float64" && gradientMode(ctx) === "gradcheck"
              ? checkWithGradcheck(ctx, id, op, spec, dtype)
              : compareWithOracle(ctx, id, op, spec, dtype),
          needs,
          spec.skipOn,
        ),
      );
    }
  }
  return cases;
}

/**
 * Five SGD-with-momentum steps of a two-layer network (matmul, bias, relu, logSoftmax, gather,
 * mean, backward, fused optimizer step) on fixed data: the loss trajectory and the final weights
 * must match the CPU backend's.
 */
export function trainingCases(): Case[] {
  return GRADIENT_DTYPES.map((dtype) => {
    const labels = [0, 2, 1, 1, 0, 2].map((v) => BigInt(v));
    const inputs: InputSpec[] = [
      { shape: [6, 4], dtype },
      { shape: [6, 1], dtype: "int64", values: labels },
      { shape: [4, 5], dtype, domain: "unit" },
      { shape: [5], dtype, domain: "unit" },
      { shape: [5, 3], dtype, domain: "unit" },
      { shape: [3], dtype, domain: "unit" },
    ];
    const fn = (x: Tensor, y: Tensor, ...params: Tensor[]): OpOutput => {
      for (const p of params) p.requiresGrad_(true);
      const [w1, b1, w2, b2] = params as [Tensor, Tensor, Tensor, Tensor];
      const buffers = params.map((p) => noGrad(() => p.mul(0)));
      const losses: Tensor[] = [];
      for (let step = 0; step < 5; step++) {
        const hidden = x.matmul(w1).add(b1).relu();
        const loss = hidden.matmul(w2).add(b2).logSoftmax(1).gather(1, y).neg().mean();
        losses.push(loss.detach());
        loss.backward();
        noGrad(() => {
          params.forEach((p, i) =>
            sgdStep_(p, p.grad!, buffers[i]!, {
              lr: 0.2,
              momentum: 0.9,
              dampening: 0,
              weightDecay: 1e-3,
              nesterov: false,
              maximize: false,
              firstStep: step === 0,
            }),
          );
        });
        for (const p of params) {
          // Gradients are kept out of scopes (they outlive the step that made them): free them here.
          p.grad?.dispose();
          p.grad = null;
        }
      }
      return { losses: stack(losses), w1, b1, w2, b2 };
    };
    const variant: DifferentialSpec = {
      op: "train",
      variant: "two-layer network, 5 SGD steps",
      inputs,
      fn: fn as (...xs: Tensor[]) => OpOutput,
      decomposition: true,
      toleranceScale: 20,
    };
    return testCase("train", "two-layer network", dtype, (ctx, id) => differential(ctx, id, [variant]), ["int64", "bool"]);
  });
}
