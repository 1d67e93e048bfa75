/**
 * Network ops with optional fast kernels: activations, softmax, convolution, pooling, layer norm.
 * Each runs the backend's kernel when present and otherwise a decomposition into primitives and
 * other ops; either way it is recorded once, under its own name, for autograd.
 */
import type { ActivationOp, Conv2dParams, Pool2dParams, View } from "../backend.js";
import type { DType } from "../dtype.js";
import { getDefaultDType, isFloatingPoint } from "../dtype.js";
import { ShapeError, DTypeError } from "../errors.js";
import { contiguousStrides, formatShape, normalizeDim, shapeNumel, shapesEqual } from "../shape.js";
import { Tensor, emptyTensor, sameDevice, viewOf } from "../tensor.js";
import { needsGrad, recordOp } from "../autograd-hooks.js";
import { backendFailure, scalarTensor, decompose } from "./dispatch.js";
import { cast, contiguousCopy } from "./convert.js";
import * as E from "./elementwise.js";
import * as M from "./movement.js";
import * as R from "./reduce.js";
import { matmul } from "./linalg.js";

function floatInput(op: string, x: Tensor): Tensor {
  if (isFloatingPoint(x.dtype)) return x;
  if (x.dtype === "bool") throw new DTypeError(`${op}: expected a floating-point tensor, got bool`);
  return cast(x, getDefaultDType());
}

// ---- activations ----------------------------------------------------------------------------

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

/** Default parameter per activation (negative slope, ELU alpha, softplus beta). */
const DEFAULT_ALPHA: Partial<Record<ActivationOp, number>> = { leakyRelu: 0.01, elu: 1, softplus: 1 };

/** Applies an activation; `alpha` is its parameter where it has one. */
export function activation(op: ActivationOp, x: Tensor, alpha?: number): Tensor {
  const backend = sameDevice(op, x);
  const input = floatInput(op, x);
  const a = alpha ?? DEFAULT_ALPHA[op] ?? 0;
  let out: Tensor | null = null;
  const kernel = backend.kernels?.activation;
  if (kernel) {
    out = emptyTensor(input.shape, input.dtype, input.device);
    let done = false;
    try {
      done = kernel.call(backend.kernels, op, input, out, a);
    } catch (err) {
      backendFailure(op, backend, err, input, out);
    }
    if (!done) {
      out.dispose();
      out = null;
    }
  }
  if (out === null) out = decompose(() => activationDecomposed(op, input, a));
  recordOp(op, [input], [out], { alpha: a });
  if (input !== x) input.dispose();
  return out;
}

function activationDecomposed(op: ActivationOp, x: Tensor, alpha: number): Tensor {
  const sigmoid = (t: Tensor): Tensor => E.unary("recip", E.add(E.unary("exp", E.unary("neg", t)), 1));
  const softplus = (t: Tensor, beta: number): Tensor => {
    // (1/β)·log1p(exp(β·t)), linear above β·t > 20 as in PyTorch; computed as
    // (1/β)·(max(β·t, 0) + log1p(exp(−|β·t|))) so that exp cannot overflow (float16 does by 11.1).
    const scaled = E.binary("mul", t, beta);
    const tail = E.unary("log1p", E.unary("exp", E.unary("neg", E.unary("abs", scaled))));
    const smooth = E.binary("div", E.add(E.binary("maximum", scaled, 0), tail), beta);
    return E.where(E.binary("gt", scaled, 20), t, smooth);
  };
  switch (op) {
    case "relu":
      return E.binary("maximum", x, 0);
    case "sigmoid":
      return sigmoid(x);
    case "silu":
      return E.binary("mul", x, sigmoid(x));
    case "gelu":
      return E.binary("mul", E.binary("mul", x, 0.5), E.add(E.unary("erf", E.binary("mul", x, Math.SQRT1_2)), 1));
    case "geluTanh": {
      const cube = E.binary("mul", E.binary("mul", x, x), x);
      const inner = E.binary("mul", E.add(x, E.binary("mul", cube, 0.044715)), Math.sqrt(2 / Math.PI));
      return E.binary("mul", E.binary("mul", x, 0.5), E.add(E.unary("tanh", inner), 1));
    }
    case "softplus":
      return softplus(x, alpha);
    case "elu":
      return E.where(E.binary("gt", x, 0), x, E.binary("mul", E.unary("expm1", x), alpha));
    case "selu":
      return E.binary("mul", E.where(E.binary("gt", x, 0), x, E.binary("mul", E.unary("expm1", x), SELU_ALPHA)), SELU_SCALE);
    case "leakyRelu":
      return E.where(E.binary("gt", x, 0), x, E.binary("mul", x, alpha));
    case "hardtanh":
      return E.clamp(x, -1, 1);
    case "mish":
      return E.binary("mul", x, E.unary("tanh", softplus(x, 1)));
  }
}

// ---- softmax --------------------------------------------------------------------------------

export function softmax(x: Tensor, dim: number): Tensor {
  return softmaxLike("softmax", x, dim);
}

export function logSoftmax(x: Tensor, dim: number): Tensor {
  return softmaxLike("logSoftmax", x, dim);
}

function softmaxLike(op: "softmax" | "logSoftmax", x: Tensor, dim: number): Tensor {
  const backend = sameDevice(op, x);
  const input = floatInput(op, x);
  const d = input.ndim === 0 ? 0 : normalizeDim(op, dim, input.ndim);
  let out: Tensor;
  const kernel = backend.kernels?.[op];
  if (kernel && input.ndim > 0) {
    out = emptyTensor(input.shape, input.dtype, input.device);
    try {
      kernel.call(backend.kernels, input, d, out);
    } catch (err) {
      backendFailure(op, backend, err, input, out);
    }
  } else {
    out = decompose(() => {
      if (input.ndim === 0) return op === "softmax" ? E.add(E.binary("mul", input, 0), 1) : E.binary("mul", input, 0);
      const shift = R.amax(input, d, true);
      const shifted = E.sub(input, shift);
      if (op === "softmax") {
        const e = E.unary("exp", shifted);
        return E.binary("div", e, R.sum(e, d, true));
      }
      return E.sub(shifted, E.unary("log", R.sum(E.unary("exp", shifted), d, true)));
    });
  }
  recordOp(op, [input], [out], { dim: d });
  if (input !== x) input.dispose();
  return out;
}

/** dx = y ⊙ (dy − Σ dy⊙y): the softmax gradient (kernel or primitives; not recorded). */
export function softmaxBackward(y: Tensor, dy: Tensor, dim: number): Tensor {
  const backend = sameDevice("softmaxBackward", y, dy);
  const kernel = backend.kernels?.softmaxBackward;
  if (kernel && shapesEqual(y.shape, dy.shape)) {
    const dx = emptyTensor(y.shape, y.dtype, y.device);
    kernel.call(backend.kernels, y, dy, dim, dx);
    return dx;
  }
  return decompose(() => E.binary("mul", y, E.sub(dy, R.sum(E.binary("mul", dy, y), dim, true))));
}

/** dx = dy − exp(y) ⊙ Σ dy: the log-softmax gradient (kernel or primitives; not recorded). */
export function logSoftmaxBackward(y: Tensor, dy: Tensor, dim: number): Tensor {
  const backend = sameDevice("logSoftmaxBackward", y, dy);
  const kernel = backend.kernels?.logSoftmaxBackward;
  if (kernel && shapesEqual(y.shape, dy.shape)) {
    const dx = emptyTensor(y.shape, y.dtype, y.device);
    kernel.call(backend.kernels, y, dy, dim, dx);
    return dx;
  }
  return decompose(() => E.sub(dy, E.binary("mul", E.unary("exp", y), R.sum(dy, dim, true))));
}

// ---- convolution ----------------------------------------------------------------------------

/** User-facing convolution options (numbers apply to both spatial dims). */
export interface Conv2dOptions {
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number];
  dilation?: number | readonly [number, number];
  groups?: number;
}

function pair(value: number | readonly number[] | undefined, fallback: number, what: string, op: string): [number, number] {
  const v = value ?? fallback;
  const p: [number, number] = typeof v === "number" ? [v, v] : [v[0]!, v[1]!];
  if (!Number.isInteger(p[0]) || !Number.isInteger(p[1])) throw new ShapeError(`${op}: ${what} must be integers, got ${String(value)}`);
  return p;
}

/** Normalizes convolution options; validates them against the input and weight shapes. */
export function conv2dParams(x: Tensor, weight: Tensor, options: Conv2dOptions, op = "conv2d"): Conv2dParams {
  if (x.ndim !== 4) throw new ShapeError(`${op}: expected input [N, C, H, W], got ${formatShape(x.shape)}`);
  if (weight.ndim !== 4) throw new ShapeError(`${op}: expected weight [out, in/groups, kH, kW], got ${formatShape(weight.shape)}`);
  const groups = options.groups ?? 1;
  const stride = pair(options.stride, 1, "stride", op);
  const padding = pair(options.padding, 0, "padding", op);
  const dilation = pair(options.dilation, 1, "dilation", op);
  if (stride[0] < 1 || stride[1] < 1) throw new ShapeError(`${op}: stride must be ≥ 1, got [${stride}]`);
  if (dilation[0] < 1 || dilation[1] < 1) throw new ShapeError(`${op}: dilation must be ≥ 1, got [${dilation}]`);
  if (padding[0] < 0 || padding[1] < 0) throw new ShapeError(`${op}: padding must be ≥ 0, got [${padding}]`);
  if (!Number.isInteger(groups) || groups < 1) throw new ShapeError(`${op}: groups must be a positive integer, got ${groups}`);
  const channels = x.shape[1]!;
  if (weight.shape[1]! * groups !== channels) {
    throw new ShapeError(
      `${op}: input ${formatShape(x.shape)} has ${channels} channels, but weight ${formatShape(weight.shape)} ` +
        `with groups=${groups} expects ${weight.shape[1]! * groups}`,
    );
  }
  if (weight.shape[0]! % groups !== 0) {
    throw new ShapeError(`${op}: out channels ${weight.shape[0]} must be divisible by groups=${groups}`);
  }
  return { stride, padding, dilation, groups };
}

function convOutputSize(size: number, kernel: number, p: Conv2dParams, axis: 0 | 1): number {
  return Math.floor((size + 2 * p.padding[axis] - p.dilation[axis] * (kernel - 1) - 1) / p.stride[axis]) + 1;
}

/** 2-d convolution (cross-correlation, like PyTorch). */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null, params: Conv2dParams): Tensor {
  const backend = sameDevice("conv2d", x, weight, bias);
  const [n, , h, w] = x.shape as [number, number, number, number];
  const [o, , kh, kw] = weight.shape as [number, number, number, number];
  const oh = convOutputSize(h, kh, params, 0);
  const ow = convOutputSize(w, kw, params, 1);
  if (oh <= 0 || ow <= 0) {
    throw new ShapeError(
      `conv2d: input ${formatShape(x.shape)} (padding [${params.padding}]) is smaller than the dilated kernel ` +
        `${formatShape(weight.shape)}; output would be ${oh}×${ow}`,
    );
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== o)) {
    throw new ShapeError(`conv2d: bias must have shape [${o}], got ${formatShape(bias.shape)}`);
  }
  if (x.dtype !== weight.dtype || (bias && bias.dtype !== x.dtype)) {
    throw new DTypeError(`conv2d: input (${x.dtype}), weight (${weight.dtype})${bias ? ` and bias (${bias.dtype})` : ""} must share a dtype`);
  }
  if (!isFloatingPoint(x.dtype)) throw new DTypeError(`conv2d: expected floating-point tensors, got ${x.dtype}`);
  let out: Tensor;
  const kernel = backend.kernels?.conv2d;
  if (kernel) {
    out = emptyTensor([n, o, oh, ow], x.dtype, x.device);
    try {
      kernel.call(backend.kernels, x, weight, bias, out, params);
    } catch (err) {
      backendFailure("conv2d", backend, err, x, weight, bias);
    }
  } else {
    out = decompose(() => conv2dDecomposed(x, weight, bias, params, oh, ow));
  }
  recordOp("conv2d", bias ? [x, weight, bias] : [x, weight], [out], { params, hasBias: bias !== null });
  return out;
}

/** im2col as a strided view of the padded input: [N, G, OH·OW, Cg·KH·KW]. */
function im2col(x: Tensor, weightShape: readonly number[], p: Conv2dParams, oh: number, ow: number): Tensor {
  const [n, c] = x.shape as [number, number];
  const [, cg, kh, kw] = weightShape as [number, number, number, number];
  const g = p.groups;
  const padded = p.padding[0] || p.padding[1] ? M.pad(x, [p.padding[1], p.padding[1], p.padding[0], p.padding[0]]) : contiguousCopy(x);
  const [sN, sC, sH, sW] = padded.strides as [number, number, number, number];
  const windows = viewOf(
    padded,
    [n, g, oh, ow, cg, kh, kw],
    [sN, sC * cg, sH * p.stride[0], sW * p.stride[1], sC, sH * p.dilation[0], sW * p.dilation[1]],
    padded.offset,
  );
  const cols = contiguousCopy(windows);
  windows.dispose();
  padded.dispose();
  void c;
  return M.reshape(cols, [n, g, oh * ow, cg * kh * kw]);
}

function conv2dDecomposed(x: Tensor, weight: Tensor, bias: Tensor | null, p: Conv2dParams, oh: number, ow: number): Tensor {
  const [n] = x.shape as [number];
  const [o, cg, kh, kw] = weight.shape as [number, number, number, number];
  const g = p.groups;
  const cols = im2col(x, weight.shape, p, oh, ow); // [N, G, L, CgKK]
  const wg = M.transpose(M.reshape(weight, [1, g, o / g, cg * kh * kw]), -1, -2); // [1, G, CgKK, Og]
  const product = matmul(cols, wg); // [N, G, L, Og]
  const arranged = contiguousCopy(M.transpose(product, -1, -2)); // [N, G, Og, L]
  let out = M.reshape(arranged, [n, o, oh, ow]);
  if (bias) out = E.add(out, M.reshape(bias, [1, o, 1, 1]));
  return out;
}

/**
 * Gradient of conv2d with respect to its weight. Recorded for autograd (bilinear in `dy` and `x`),
 * so gradients of gradients flow through it.
 */
export function conv2dBackwardWeight(dy: Tensor, x: Tensor, weightShape: readonly number[], params: Conv2dParams): Tensor {
  const dw = conv2dWeightGradient(dy, x, weightShape, params);
  recordOp("conv2dBackwardWeight", [dy, x], [dw], { params });
  return dw;
}

function conv2dWeightGradient(dy: Tensor, x: Tensor, weightShape: readonly number[], params: Conv2dParams): Tensor {
  const backend = sameDevice("conv2dBackwardWeight", dy, x);
  const kernel = backend.kernels?.conv2dBackwardWeight;
  if (kernel) {
    const dw = emptyTensor(weightShape, x.dtype, x.device);
    try {
      kernel.call(backend.kernels, dy, x, dw, params);
    } catch (err) {
      backendFailure("conv2dBackwardWeight", backend, err, dy, x);
    }
    return dw;
  }
  return decompose(() => {
    const [n, o, oh, ow] = dy.shape as [number, number, number, number];
    const [, cg, kh, kw] = weightShape as [number, number, number, number];
    const g = params.groups;
    const cols = im2col(x, weightShape, params, oh, ow); // [N, G, L, CgKK]
    const dyg = M.reshape(contiguousCopy(dy), [n, g, o / g, oh * ow]); // [N, G, Og, L]
    const perSample = matmul(dyg, cols); // [N, G, Og, CgKK]
    return contiguousCopy(M.reshape(R.sum(perSample, 0, false), [o, cg, kh, kw]));
  });
}

/**
 * Gradient of conv2d with respect to its input (also the forward of a transposed convolution).
 * Recorded for autograd (bilinear in `dy` and `weight`), so gradients of gradients flow through it.
 */
export function conv2dBackwardInput(dy: Tensor, weight: Tensor, inputShape: readonly number[], params: Conv2dParams): Tensor {
  const dx = conv2dInputGradient(dy, weight, inputShape, params);
  recordOp("conv2dBackwardInput", [dy, weight], [dx], { params });
  return dx;
}

function conv2dInputGradient(dy: Tensor, weight: Tensor, inputShape: readonly number[], params: Conv2dParams): Tensor {
  const backend = sameDevice("conv2dBackwardInput", dy, weight);
  const kernel = backend.kernels?.conv2dBackwardInput;
  if (kernel) {
    const dx = emptyTensor(inputShape, dy.dtype, dy.device);
    try {
      kernel.call(backend.kernels, dy, weight, dx, params);
    } catch (err) {
      backendFailure("conv2dBackwardInput", backend, err, dy, weight);
    }
    return dx;
  }
  return decompose(() => {
    const [n, c, h, w] = inputShape as [number, number, number, number];
    const [, o, oh, ow] = dy.shape as [number, number, number, number];
    const [, cg, kh, kw] = weight.shape as [number, number, number, number];
    const g = params.groups;
    const dyg = M.transpose(M.reshape(contiguousCopy(dy), [n, g, o / g, oh * ow]), -1, -2); // [N, G, L, Og]
    const wg = M.reshape(weight, [1, g, o / g, cg * kh * kw]); // [1, G, Og, CgKK]
    const dcols = contiguousCopy(M.reshape(matmul(dyg, wg), [n, g, oh, ow, cg, kh, kw]));
    const hp = h + 2 * params.padding[0];
    const wp = w + 2 * params.padding[1];
    // Padded size must also cover windows that run past the input on the high side.
    const hAll = Math.max(hp, (oh - 1) * params.stride[0] + (kh - 1) * params.dilation[0] + 1);
    const wAll = Math.max(wp, (ow - 1) * params.stride[1] + (kw - 1) * params.dilation[1] + 1);
    const dxp = emptyTensor([n, c, hAll, wAll], dy.dtype, dy.device);
    dxp.backend.fill(dxp, 0);
    const [sN, sC, sH, sW] = dxp.strides as [number, number, number, number];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const region: View = {
          buffer: dxp.buffer,
          dtype: dxp.dtype,
          shape: [n, g, cg, oh, ow],
          strides: [sN, sC * cg, sC, sH * params.stride[0], sW * params.stride[1]],
          offset: i * params.dilation[0] * sH + j * params.dilation[1] * sW,
        };
        const contribution = M.permute(M.select(M.select(dcols, 6, j), 5, i), [0, 1, 4, 2, 3]); // [N, G, Cg, OH, OW]
        dxp.backend.binary("add", region, contribution, region);
      }
    }
    const inner = M.narrow(M.narrow(dxp, 2, params.padding[0], h), 3, params.padding[1], w);
    return contiguousCopy(inner);
  });
}

// ---- pooling --------------------------------------------------------------------------------

export interface Pool2dOptions {
  kernelSize: number | readonly [number, number];
  stride?: number | readonly [number, number] | null;
  padding?: number | readonly [number, number];
  dilation?: number | readonly [number, number];
  ceilMode?: boolean;
  countIncludePad?: boolean;
}

/** Resolves pooling options and the output size (PyTorch's ceil-mode rule included). */
export function pool2dParams(x: Tensor, options: Pool2dOptions, op: string): { params: Pool2dParams; oh: number; ow: number } {
  if (x.ndim !== 4) throw new ShapeError(`${op}: expected input [N, C, H, W], got ${formatShape(x.shape)}`);
  const kernelSize = pair(options.kernelSize, 1, "kernelSize", op);
  const stride = options.stride == null ? kernelSize : pair(options.stride, 1, "stride", op);
  const padding = pair(options.padding, 0, "padding", op);
  const dilation = pair(options.dilation, 1, "dilation", op);
  for (const axis of [0, 1] as const) {
    if (kernelSize[axis] < 1 || stride[axis] < 1 || dilation[axis] < 1) {
      throw new ShapeError(`${op}: kernelSize, stride and dilation must be ≥ 1, got [${kernelSize}], [${stride}], [${dilation}]`);
    }
    if (padding[axis] > Math.floor(kernelSize[axis] / 2)) {
      throw new ShapeError(`${op}: padding [${padding}] must be at most half the kernel size [${kernelSize}]`);
    }
  }
  const outSize = (size: number, axis: 0 | 1): number => {
    const span = size + 2 * padding[axis] - dilation[axis] * (kernelSize[axis] - 1) - 1;
    let out = (options.ceilMode ? Math.ceil(span / stride[axis]) : Math.floor(span / stride[axis])) + 1;
    // The last window must start inside the input or the left padding.
    if (options.ceilMode && (out - 1) * stride[axis] >= size + padding[axis]) out--;
    return out;
  };
  const oh = outSize(x.shape[2]!, 0);
  const ow = outSize(x.shape[3]!, 1);
  if (oh <= 0 || ow <= 0) {
    throw new ShapeError(`${op}: input ${formatShape(x.shape)} is too small for kernel [${kernelSize}] (output ${oh}×${ow})`);
  }
  return {
    params: { kernelSize, stride, padding, dilation, countIncludePad: options.countIncludePad ?? true },
    oh,
    ow,
  };
}

/**
 * Max pooling: values and int32 plane indices (h·W + w) of each window's max. With
 * `withIndices` false the indices are computed only when autograd records the op (its backward
 * needs them); otherwise `indices` is null and the backend writes the values alone.
 */
export function maxPool2d(x: Tensor, params: Pool2dParams, oh: number, ow: number, withIndices?: true): { values: Tensor; indices: Tensor };
export function maxPool2d(x: Tensor, params: Pool2dParams, oh: number, ow: number, withIndices: boolean): { values: Tensor; indices: Tensor | null };
export function maxPool2d(x: Tensor, params: Pool2dParams, oh: number, ow: number, withIndices = true): { values: Tensor; indices: Tensor | null } {
  const backend = sameDevice("maxPool2d", x);
  const [n, c] = x.shape as [number, number];
  const recorded = isFloatingPoint(x.dtype) && needsGrad(x);
  const indexed = withIndices || recorded;
  let values: Tensor;
  let indices: Tensor | null;
  const kernel = backend.kernels?.maxPool2d;
  if (kernel) {
    values = emptyTensor([n, c, oh, ow], x.dtype, x.device);
    indices = indexed ? emptyTensor([n, c, oh, ow], "int32", x.device) : null;
    try {
      kernel.call(backend.kernels, x, values, indices, params);
    } catch (err) {
      backendFailure("maxPool2d", backend, err, x, values);
    }
  } else {
    ({ values, indices } = decompose(() => maxPool2dDecomposed(x, params, oh, ow, indexed)));
  }
  if (recorded) recordOp("maxPool2d", [x], [values, indices!], { params, inputShape: x.shape });
  return { values, indices };
}

/** Pads a pooling input on every side so that all windows (ceil mode too) are in bounds. */
function poolPadded(x: Tensor, p: Pool2dParams, oh: number, ow: number, fill: number): { padded: Tensor; hAll: number; wAll: number } {
  const [, , h, w] = x.shape as [number, number, number, number];
  const hAll = Math.max(h + 2 * p.padding[0], (oh - 1) * p.stride[0] + (p.kernelSize[0] - 1) * p.dilation[0] + 1);
  const wAll = Math.max(w + 2 * p.padding[1], (ow - 1) * p.stride[1] + (p.kernelSize[1] - 1) * p.dilation[1] + 1);
  const padded = M.pad(x, [p.padding[1], wAll - w - p.padding[1], p.padding[0], hAll - h - p.padding[0]], "constant", fill);
  return { padded, hAll, wAll };
}

function windowsOf(padded: Tensor, p: Pool2dParams, oh: number, ow: number): Tensor {
  const [n, c] = padded.shape as [number, number];
  const [sN, sC, sH, sW] = padded.strides as [number, number, number, number];
  return viewOf(
    padded,
    [n, c, oh, ow, p.kernelSize[0], p.kernelSize[1]],
    [sN, sC, sH * p.stride[0], sW * p.stride[1], sH * p.dilation[0], sW * p.dilation[1]],
    padded.offset,
  );
}

function lowestValue(dtype: DType): number {
  return isFloatingPoint(dtype) ? -Infinity : dtype === "uint8" || dtype === "bool" ? 0 : -(2 ** 31);
}

function maxPool2dDecomposed(x: Tensor, p: Pool2dParams, oh: number, ow: number, indexed: boolean): { values: Tensor; indices: Tensor | null } {
  const [n, c, , w] = x.shape as [number, number, number, number];
  const [kh, kw] = p.kernelSize;
  const { padded } = poolPadded(x, p, oh, ow, lowestValue(x.dtype));
  const flat = M.reshape(contiguousCopy(windowsOf(padded, p, oh, ow)), [n, c, oh, ow, kh * kw]);
  const values = R.amax(flat, -1, false);
  if (!indexed) return { values, indices: null };
  const local = R.argReduce("argmax", flat, -1, false); // window-local position
  // Plane index of window cell (i, j) for output (r, s): (r·sh − ph + i·dh)·W + (s·sw − pw + j·dw).
  const rowOf = E.div(local, kw, "floor");
  const colOf = E.binary("mod", local, kw);
  const rowBase = hostIntTensor([oh, 1], (r) => r * p.stride[0] - p.padding[0], x.device);
  const colBase = hostIntTensor([1, ow], (s) => s * p.stride[1] - p.padding[1], x.device);
  const row = E.add(rowBase, E.binary("mul", rowOf, p.dilation[0]));
  const col = E.add(colBase, E.binary("mul", colOf, p.dilation[1]));
  const indices64 = E.add(E.binary("mul", row, w), col);
  const indices = cast(indices64, "int32");
  void kh;
  return { values, indices };
}

function hostIntTensor(shape: number[], valueAt: (i: number) => number, device: string): Tensor {
  const n = shapeNumel(shape);
  const t = emptyTensor(shape, "int64", device);
  t.backend.write(t.buffer, "int64", BigInt64Array.from({ length: n }, (_, i) => BigInt(valueAt(i))), 0);
  return t;
}

/**
 * Routes dy back to each window's max position (kernel or primitives). Recorded for autograd
 * (linear in `dy`), so gradients of gradients flow through it.
 */
export function maxPool2dBackward(dy: Tensor, indices: Tensor, inputShape: readonly number[], params: Pool2dParams): Tensor {
  const dx = maxPool2dInputGradient(dy, indices, inputShape, params);
  recordOp("maxPool2dBackward", [dy, indices], [dx], { params });
  return dx;
}

function maxPool2dInputGradient(dy: Tensor, indices: Tensor, inputShape: readonly number[], params: Pool2dParams): Tensor {
  const backend = sameDevice("maxPool2dBackward", dy, indices);
  const kernel = backend.kernels?.maxPool2dBackward;
  if (kernel) {
    const dx = emptyTensor(inputShape, dy.dtype, dy.device);
    try {
      kernel.call(backend.kernels, dy, indices, dx, params);
    } catch (err) {
      backendFailure("maxPool2dBackward", backend, err, dy, indices);
    }
    return dx;
  }
  return decompose(() => {
    const [, , h, w] = inputShape as [number, number, number, number];
    const [, , oh, ow] = dy.shape as [number, number, number, number];
    return scatterWindows(dy, inputShape, params, oh, ow, (i, j) => {
      // dy where this window cell holds the max; cells in padding match nothing (index −1).
      const cellIndex = hostIntTensor([oh, ow], (k) => {
        const r = Math.floor(k / ow) * params.stride[0] - params.padding[0] + i * params.dilation[0];
        const s = (k % ow) * params.stride[1] - params.padding[1] + j * params.dilation[1];
        return r >= 0 && r < h && s >= 0 && s < w ? r * w + s : -1;
      }, dy.device);
      const hit = E.binary("eq", cast(indices, "int64"), cellIndex);
      return E.where(hit, dy, scalarTensor(0, dy.dtype, dy.device));
    });
  });
}

/** Accumulates per-window-cell contributions into a padded input-gradient buffer, then crops it. */
function scatterWindows(
  dy: Tensor,
  inputShape: readonly number[],
  p: Pool2dParams,
  oh: number,
  ow: number,
  contribution: (i: number, j: number) => Tensor,
): Tensor {
  const [n, c, h, w] = inputShape as [number, number, number, number];
  const hAll = Math.max(h + 2 * p.padding[0], (oh - 1) * p.stride[0] + (p.kernelSize[0] - 1) * p.dilation[0] + 1);
  const wAll = Math.max(w + 2 * p.padding[1], (ow - 1) * p.stride[1] + (p.kernelSize[1] - 1) * p.dilation[1] + 1);
  const dxp = emptyTensor([n, c, hAll, wAll], dy.dtype, dy.device);
  dxp.backend.fill(dxp, 0);
  const [sN, sC, sH, sW] = dxp.strides as [number, number, number, number];
  for (let i = 0; i < p.kernelSize[0]; i++) {
    for (let j = 0; j < p.kernelSize[1]; j++) {
      const region: View = {
        buffer: dxp.buffer,
        dtype: dxp.dtype,
        shape: [n, c, oh, ow],
        strides: [sN, sC, sH * p.stride[0], sW * p.stride[1]],
        offset: i * p.dilation[0] * sH + j * p.dilation[1] * sW,
      };
      const part = contribution(i, j);
      dxp.backend.binary("add", region, part, region);
      part.dispose();
    }
  }
  return contiguousCopy(M.narrow(M.narrow(dxp, 2, p.padding[0], h), 3, p.padding[1], w));
}

/** Divisor per output cell, as PyTorch's avg_pool2d computes it. */
function avgPoolDivisor(h: number, w: number, p: Pool2dParams, oh: number, ow: number, dtype: DType, device: string): Tensor {
  const values = new Float64Array(oh * ow);
  for (let r = 0; r < oh; r++) {
    for (let s = 0; s < ow; s++) {
      let hStart = r * p.stride[0] - p.padding[0];
      let wStart = s * p.stride[1] - p.padding[1];
      let hEnd = Math.min(hStart + p.kernelSize[0], h + p.padding[0]);
      let wEnd = Math.min(wStart + p.kernelSize[1], w + p.padding[1]);
      const padded = (hEnd - hStart) * (wEnd - wStart);
      hStart = Math.max(hStart, 0);
      wStart = Math.max(wStart, 0);
      hEnd = Math.min(hEnd, h);
      wEnd = Math.min(wEnd, w);
      values[r * ow + s] = p.countIncludePad ? padded : (hEnd - hStart) * (wEnd - wStart);
    }
  }
  // Small integers, exact in float32: backends without float64 (WebGPU) can hold them too.
  const storage: DType = dtype === "float64" ? "float64" : "float32";
  const t = emptyTensor([oh, ow], storage, device);
  t.backend.write(t.buffer, storage, storage === "float64" ? values : Float32Array.from(values), 0);
  return dtype === storage ? t : cast(t, dtype);
}

export function avgPool2d(x: Tensor, params: Pool2dParams, oh: number, ow: number): Tensor {
  const backend = sameDevice("avgPool2d", x);
  const input = floatInput("avgPool2d", x);
  if (params.dilation[0] !== 1 || params.dilation[1] !== 1) throw new ShapeError("avgPool2d: dilation is not supported");
  const [n, c, h, w] = input.shape as [number, number, number, number];
  let out: Tensor;
  const kernel = backend.kernels?.avgPool2d;
  if (kernel) {
    out = emptyTensor([n, c, oh, ow], input.dtype, input.device);
    try {
      kernel.call(backend.kernels, input, out, params);
    } catch (err) {
      backendFailure("avgPool2d", backend, err, input, out);
    }
  } else {
    out = decompose(() => {
      const { padded } = poolPadded(input, params, oh, ow, 0);
      const sums = R.sum(windowsOf(padded, params, oh, ow), [4, 5], false);
      return E.binary("div", sums, avgPoolDivisor(h, w, params, oh, ow, input.dtype, input.device));
    });
  }
  recordOp("avgPool2d", [input], [out], { params, inputShape: input.shape });
  if (input !== x) input.dispose();
  return out;
}

/**
 * Gradient of avgPool2d with respect to its input. Recorded for autograd (linear in `dy`), so
 * gradients of gradients flow through it.
 */
export function avgPool2dBackward(dy: Tensor, inputShape: readonly number[], params: Pool2dParams): Tensor {
  const dx = avgPool2dInputGradient(dy, inputShape, params);
  recordOp("avgPool2dBackward", [dy], [dx], { params });
  return dx;
}

function avgPool2dInputGradient(dy: Tensor, inputShape: readonly number[], params: Pool2dParams): Tensor {
  const backend = sameDevice("avgPool2dBackward", dy);
  const kernel = backend.kernels?.avgPool2dBackward;
  if (kernel) {
    const dx = emptyTensor(inputShape, dy.dtype, dy.device);
    try {
      kernel.call(backend.kernels, dy, dx, params);
    } catch (err) {
      backendFailure("avgPool2dBackward", backend, err, dy, dx);
    }
    return dx;
  }
  return decompose(() => {
    const [, , h, w] = inputShape as [number, number, number, number];
    const [, , oh, ow] = dy.shape as [number, number, number, number];
    const scaled = E.binary("div", dy, avgPoolDivisor(h, w, params, oh, ow, dy.dtype, dy.device));
    return scatterWindows(dy, inputShape, params, oh, ow, () => M.reshape(scaled, scaled.shape));
  });
}

// ---- normalization --------------------------------------------------------------------------

/** Layer normalization over the trailing `normalizedShape` dims (biased variance, like PyTorch). */
export function layerNorm(
  x: Tensor,
  normalizedShape: readonly number[],
  weight: Tensor | null,
  bias: Tensor | null,
  eps = 1e-5,
): Tensor {
  const backend = sameDevice("layerNorm", x, weight, bias);
  const k = normalizedShape.length;
  const trailing = x.shape.slice(x.ndim - k);
  if (k === 0 || k > x.ndim || !shapesEqual(trailing, normalizedShape)) {
    throw new ShapeError(
      `layerNorm: expected input with trailing shape ${formatShape(normalizedShape)}, got ${formatShape(x.shape)}`,
    );
  }
  for (const [name, t] of [["weight", weight], ["bias", bias]] as const) {
    if (t && !shapesEqual(t.shape, normalizedShape)) {
      throw new ShapeError(`layerNorm: ${name} must have shape ${formatShape(normalizedShape)}, got ${formatShape(t.shape)}`);
    }
  }
  const input = floatInput("layerNorm", x);
  const dims = Array.from({ length: k }, (_, i) => x.ndim - k + i);
  let out: Tensor;
  const kernel = backend.kernels?.layerNorm;
  if (kernel) {
    const rows = shapeNumel(x.shape.slice(0, x.ndim - k));
    out = emptyTensor(input.shape, input.dtype, input.device);
    const statsDtype = input.dtype === "float64" ? "float64" : "float32";
    const mean = emptyTensor([rows], statsDtype, input.device);
    const rstd = emptyTensor([rows], statsDtype, input.device);
    try {
      kernel.call(backend.kernels, input, weight, bias, eps, out, mean, rstd);
    } catch (err) {
      backendFailure("layerNorm", backend, err, input, weight, bias);
    }
    mean.dispose();
    rstd.dispose();
  } else {
    out = decompose(() => {
      const mu = R.mean(input, dims, true);
      const centered = E.sub(input, mu);
      const variance = R.mean(E.binary("mul", centered, centered), dims, true);
      let y = E.binary("mul", centered, E.unary("rsqrt", E.add(variance, eps)));
      if (weight) y = E.binary("mul", y, weight);
      if (bias) y = E.add(y, bias);
      return y;
    });
  }
  const inputs = [input];
  if (weight) inputs.push(weight);
  if (bias) inputs.push(bias);
  recordOp("layerNorm", inputs, [out], { normalizedShape, eps, hasWeight: weight !== null, hasBias: bias !== null });
  if (input !== x) input.dispose();
  return out;
}

export { contiguousStrides };
