/** The backend's fast kernels, bound to one runtime. Each has a decomposition in @trek/tensor. */
import type { FastKernels } from "@trek/tensor";
import type { GpuRuntime } from "../runtime.js";
import { activation } from "./activation.js";
import { argReduce } from "./arg-reduce.js";
import { conv2d, conv2dBackwardInput, conv2dBackwardWeight } from "./conv2d.js";
import { cumsum } from "./cumsum.js";
import { conv2dBackwardInputGemm, conv2dBackwardWeightGemm, conv2dGemm, gemmApplies } from "./conv2d-gemm.js";
import { gather, indexSelect, scatter } from "./index-ops.js";
import { layerNorm } from "./layer-norm.js";
import { matmul, type MatmulVariant } from "./matmul.js";
import { avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from "./pool2d.js";
import { softmax, softmaxBackward } from "./softmax.js";
import { sort } from "./sort.js";
import { adamStep, rmspropStep, sgdStep } from "./optimizer.js";

export function createKernels(runtime: GpuRuntime, matmulVariant: MatmulVariant): FastKernels {
  return {
    matmul: (a, b, out) => matmul(runtime, a, b, out, matmulVariant),
    // float32 convolutions run as matrix products (im2col) when the column buffer fits.
    conv2d: (x, weight, bias, out, params) =>
      gemmApplies(x.dtype, x.shape, weight.shape, out.shape, params.groups)
        ? conv2dGemm(runtime, matmulVariant, x, weight, bias, out, params)
        : conv2d(runtime, x, weight, bias, out, params),
    conv2dBackwardInput: (dy, weight, dx, params) =>
      gemmApplies(dy.dtype, dx.shape, weight.shape, dy.shape, params.groups)
        ? conv2dBackwardInputGemm(runtime, matmulVariant, dy, weight, dx, params)
        : conv2dBackwardInput(runtime, dy, weight, dx, params),
    conv2dBackwardWeight: (dy, x, dw, params) =>
      gemmApplies(dy.dtype, x.shape, dw.shape, dy.shape, params.groups)
        ? conv2dBackwardWeightGemm(runtime, matmulVariant, dy, x, dw, params)
        : conv2dBackwardWeight(runtime, dy, x, dw, params),
    maxPool2d: (x, out, indices, params) => maxPool2d(runtime, x, out, indices, params),
    maxPool2dBackward: (dy, indices, dx, params) => maxPool2dBackward(runtime, dy, indices, dx, params),
    avgPool2d: (x, out, params) => avgPool2d(runtime, x, out, params),
    avgPool2dBackward: (dy, dx, params) => avgPool2dBackward(runtime, dy, dx, params),
    softmax: (x, dim, out) => softmax(runtime, x, dim, out, false),
    logSoftmax: (x, dim, out) => softmax(runtime, x, dim, out, true),
    softmaxBackward: (y, dy, dim, dx) => softmaxBackward(runtime, y, dy, dim, dx, false),
    logSoftmaxBackward: (y, dy, dim, dx) => softmaxBackward(runtime, y, dy, dim, dx, true),
    activation: (op, x, out, alpha) => activation(runtime, op, x, out, alpha),
    layerNorm: (x, weight, bias, eps, out, mean, rstd) => layerNorm(runtime, x, weight, bias, eps, out, mean, rstd),
    gather: (x, dim, index, out) => gather(runtime, x, dim, index, out),
    scatter: (out, dim, index, src, reduce) => scatter(runtime, out, dim, index, src, reduce),
    indexSelect: (x, dim, index, out) => indexSelect(runtime, x, dim, index, out),
    argReduce: (op, x, dim, out) => argReduce(runtime, op, x, dim, out),
    cumsum: (x, dim, out) => cumsum(runtime, x, dim, out),
    sort: (x, dim, descending, values, indices) => sort(runtime, x, dim, descending, values, indices),
    sgdStep: (param, grad, buffer, hyper) => sgdStep(runtime, param, grad, buffer, hyper),
    adamStep: (param, grad, expAvg, expAvgSq, maxExpAvgSq, hyper) =>
      adamStep(runtime, param, grad, expAvg, expAvgSq, maxExpAvgSq, hyper),
    rmspropStep: (param, grad, squareAvg, buffer, gradAvg, hyper) =>
      rmspropStep(runtime, param, grad, squareAvg, buffer, gradAvg, hyper),
  };
}

export type { MatmulVariant };
