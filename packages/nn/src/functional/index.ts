/**
 * `functional`: the stateless operations behind the layers, like `torch.nn.functional`.
 * Import it as `import { functional as F } from "@trek/nn"`.
 */
export { linear, bilinear } from "./linear.js";
export { conv1d, conv2d, conv3d, convTranspose1d, convTranspose2d } from "./conv.js";
export type { Conv1dOptions, Conv2dOptions, Conv3dOptions, ConvTranspose1dOptions, ConvTranspose2dOptions, ConvPadding, PaddingMode } from "./conv.js";
export {
  maxPool1d,
  maxPool1dWithIndices,
  maxPool2d,
  maxPool2dWithIndices,
  avgPool1d,
  maxPool3d,
  maxPool3dWithIndices,
  avgPool2d,
  avgPool3d,
  adaptiveAvgPool2d,
  adaptiveAvgPool3d,
  adaptiveMaxPool2d,
  adaptiveMaxPool2dWithIndices,
} from "./pooling.js";
export type {
  MaxPool1dOptions,
  MaxPool2dOptions,
  MaxPool3dOptions,
  AvgPool1dOptions,
  AvgPool2dOptions,
  AvgPool3dOptions,
  AdaptiveSize2,
  AdaptiveSize3,
} from "./pooling.js";
export {
  maxUnpool1d,
  maxUnpool2d,
  maxUnpool3d,
  lpPool1d,
  lpPool2d,
  adaptiveMaxPool1d,
  adaptiveMaxPool1dWithIndices,
  adaptiveMaxPool3d,
  adaptiveMaxPool3dWithIndices,
} from "./pooling-extra.js";
export type { MaxUnpoolOptions, LPPoolOptions } from "./pooling-extra.js";
export { interpolate, pixelShuffle, pixelUnshuffle, channelShuffle, unfold, fold } from "./resampling.js";
export type { InterpolateMode, InterpolateOptions, UnfoldOptions } from "./resampling.js";
export { affineGrid, gridSample } from "./grid.js";
export type { AffineGridOptions, GridSampleMode, GridSampleOptions, GridSamplePaddingMode } from "./grid.js";
export { batchNorm, layerNorm, groupNorm } from "./normalization.js";
export type { BatchNormOptions, NormOptions } from "./normalization.js";
export { dropout, dropout2d } from "./dropout.js";
export type { DropoutOptions } from "./dropout.js";
export { embedding } from "./embedding.js";
export type { EmbeddingOptions } from "./embedding.js";
export {
  relu,
  leakyRelu,
  prelu,
  elu,
  selu,
  gelu,
  silu,
  mish,
  sigmoid,
  tanh,
  hardtanh,
  relu6,
  softplus,
  logsigmoid,
  softmax,
  logSoftmax,
} from "./activation.js";
export {
  mseLoss,
  l1Loss,
  smoothL1Loss,
  huberLoss,
  crossEntropy,
  nllLoss,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  klDiv,
} from "./loss.js";
export type {
  Reduction,
  ReductionOptions,
  SmoothL1Options,
  HuberOptions,
  ClassLossOptions,
  CrossEntropyOptions,
  BceOptions,
  BceWithLogitsOptions,
  KlDivOptions,
} from "./loss.js";
export { scaledDotProductAttention } from "./attention.js";
export type { ScaledDotProductAttentionOptions } from "./attention.js";
export { pad } from "@trek/tensor";
