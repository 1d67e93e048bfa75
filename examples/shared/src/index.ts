/** Helpers shared by the examples and the demo. */
export { parseIdx, readIdx, encodeIdx, IdxFormatError } from "./idx.js";
export type { IdxArray, IdxType } from "./idx.js";
export { loadImageSplit, FASHION_CLASSES } from "./mnist.js";
export type { ImageSplit } from "./mnist.js";
export { dataDir, findDataset, repoRoot } from "./data-dir.js";
