/**
 * @trek/nn — neural-network building blocks for TorchTrek, like `torch.nn`: Module and
 * Parameter, layers, activations, losses, `functional`, `init`, gradient clipping, recurrent
 * sequence packing, and safetensors checkpoints. Importing it installs @trek/autograd.
 *
 * ```ts
 * import { Sequential, Linear, ReLU, CrossEntropyLoss } from "@trek/nn";
 * const model = new Sequential(new Linear(784, 128), new ReLU(), new Linear(128, 10));
 * const loss = new CrossEntropyLoss().call(model.call(x), labels);
 * loss.backward();
 * ```
 * @packageDocumentation
 */
import "@trek/autograd";

export { Module } from "./module.js";
export type {
  StateDict,
  IncompatibleKeys,
  LoadStateDictOptions,
  StateDictOptions,
  ModuleTarget,
  ForwardHook,
  ForwardPreHook,
} from "./module.js";
export { Parameter } from "./parameter.js";
export { Sequential, ModuleList, ModuleDict } from "./containers.js";
export type { FactoryOptions, Size2, Size3 } from "./util.js";

export { Identity, Flatten, Unflatten } from "./layers/basic.js";
export { Linear, Bilinear } from "./layers/linear.js";
export type { LinearOptions } from "./layers/linear.js";
export { Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d } from "./layers/conv.js";
export type {
  Conv1dLayerOptions,
  Conv2dLayerOptions,
  Conv3dLayerOptions,
  ConvTranspose1dLayerOptions,
  ConvTranspose2dLayerOptions,
} from "./layers/conv.js";
export {
  MaxPool1d,
  MaxPool2d,
  MaxPool3d,
  AvgPool1d,
  AvgPool2d,
  AvgPool3d,
  AdaptiveAvgPool2d,
  AdaptiveAvgPool3d,
  AdaptiveMaxPool2d,
  AdaptiveMaxPool1d,
  AdaptiveMaxPool3d,
  MaxUnpool1d,
  MaxUnpool2d,
  MaxUnpool3d,
  LPPool1d,
  LPPool2d,
} from "./layers/pooling.js";
export { BatchNorm1d, BatchNorm2d, LayerNorm, GroupNorm } from "./layers/normalization.js";
export type { BatchNormOptions, LayerNormOptions, GroupNormOptions } from "./layers/normalization.js";
export {
  Upsample,
  UpsamplingNearest2d,
  UpsamplingBilinear2d,
  PixelShuffle,
  PixelUnshuffle,
  ChannelShuffle,
  Unfold,
  Fold,
} from "./layers/resampling.js";
export type { UpsampleOptions } from "./layers/resampling.js";
export { Dropout, Dropout2d } from "./layers/dropout.js";
export { Embedding } from "./layers/embedding.js";
export type { EmbeddingOptions, FromPretrainedOptions } from "./layers/embedding.js";
export { RNN, LSTM, GRU } from "./layers/recurrent.js";
export type { RecurrentOptions, RNNOptions, LSTMOptions, RecurrentForwardOptions } from "./layers/recurrent.js";
export { MultiheadAttention } from "./layers/attention.js";
export type { MultiheadAttentionOptions, MultiheadAttentionForwardOptions } from "./layers/attention.js";
export { TransformerEncoderLayer, TransformerDecoderLayer, TransformerEncoder, TransformerDecoder, Transformer } from "./layers/transformer.js";
export type {
  TransformerEncoderLayerOptions,
  TransformerEncoderLayerForwardOptions,
  TransformerDecoderLayerOptions,
  TransformerDecoderLayerForwardOptions,
  TransformerEncoderOptions,
  TransformerEncoderForwardOptions,
  TransformerDecoderOptions,
  TransformerDecoderForwardOptions,
  TransformerOptions,
  TransformerForwardOptions,
} from "./layers/transformer.js";
export {
  ReLU,
  LeakyReLU,
  PReLU,
  ELU,
  SELU,
  GELU,
  SiLU,
  Mish,
  Sigmoid,
  Tanh,
  Hardtanh,
  Softplus,
  Softmax,
  LogSoftmax,
} from "./layers/activation.js";
export type { PReLUOptions } from "./layers/activation.js";
export {
  MSELoss,
  L1Loss,
  SmoothL1Loss,
  HuberLoss,
  CrossEntropyLoss,
  NLLLoss,
  BCELoss,
  BCEWithLogitsLoss,
  KLDivLoss,
} from "./losses.js";
export type { LossOptions } from "./losses.js";

export * as functional from "./functional/index.js";
export type { AffineGridOptions, GridSampleMode, GridSampleOptions, GridSamplePaddingMode } from "./functional/grid.js";
export * as init from "./init.js";
export { clipGradNorm_, clipGradValue_ } from "./clip-grad.js";
export type { ClipGradNormOptions } from "./clip-grad.js";
export { PackedSequence, packPaddedSequence, padPackedSequence, padSequence, packSequence } from "./packed-sequence.js";
export type { PackOptions, PadPackedOptions, PadSequenceOptions } from "./packed-sequence.js";

export {
  serialize,
  serializeAsync,
  deserialize,
  deserializeWithMetadata,
  SafetensorsError,
} from "./serialization/safetensors.js";
export type { SerializeOptions, DeserializeOptions, SafetensorsContents } from "./serialization/safetensors.js";
export { save, saveAsync, load, loadAsync, loadWithMetadata } from "./serialization/file.js";
