/**
 * The WebAssembly kernels of @trek/backend-cpu (AssemblyScript, compiled with SIMD, and with
 * threads for a shared memory). The module imports its memory and keeps no data of its own: all
 * buffers, scratch and job descriptors live in memory the host allocates.
 */
export { GEMM_SCRATCH_BYTES, sgemm } from "./gemm";
export { binaryF32, unaryF32, whereF32, copyF32, transposeF32 } from "./elementwise";
export { reduceF32, fillF64, narrowF64 } from "./reduce";
export { softmaxF32, softmaxBackwardF32, layerNormF32 } from "./rows";
export {
  im2colF32,
  col2imF32,
  addBiasF32,
  convScratchBytes,
  conv2dForwardF32,
  conv2dBackwardInputF32,
  conv2dBackwardWeightF32,
} from "./conv";
export { maxPool2dF32, maxPoolScratchBytes, maxPool2dBackwardF32, avgPool2dF32, avgPool2dBackwardF32 } from "./pool";
export { sgdStepF32, adamStepF32, rmspropStepF32 } from "./optimizer";
export { runTask } from "./tasks";
