/** MNIST-format datasets (MNIST, Fashion-MNIST) from a folder of IDX files, as tensors. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { tensor, type Tensor } from "@trek/tensor";
import { IdxFormatError, readIdx } from "./idx.js";

/** Fashion-MNIST's class names, by label. */
export const FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"] as const;

/** One split: images as float32 [N, 1, rows, cols] scaled to [0, 1], labels as int64 [N]. */
export interface ImageSplit {
  images: Tensor;
  labels: Tensor;
  count: number;
}

const FILES = {
  train: ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"],
  test: ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"],
} as const;

function locate(dir: string, base: string): string {
  for (const name of [`${base}.gz`, base]) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  throw new IdxFormatError(`${dir}: no ${base}.gz (or ${base}) — expected MNIST-format IDX files there`);
}

/**
 * Loads the `train` or `test` split of an MNIST-format folder. `limit` keeps the first N samples
 * (for quick runs).
 */
export async function loadImageSplit(dir: string, split: "train" | "test", options: { limit?: number } = {}): Promise<ImageSplit> {
  const [imageBase, labelBase] = FILES[split];
  const imagePath = locate(dir, imageBase);
  const labelPath = locate(dir, labelBase);
  const [images, labels] = await Promise.all([readIdx(imagePath), readIdx(labelPath)]);
  if (images.type !== "uint8" || images.shape.length !== 3) {
    throw new IdxFormatError(`${imagePath}: expected uint8 images of shape [N, rows, cols], got ${images.type} [${images.shape.join(", ")}]`);
  }
  if (labels.type !== "uint8" || labels.shape.length !== 1) {
    throw new IdxFormatError(`${labelPath}: expected uint8 labels of shape [N], got ${labels.type} [${labels.shape.join(", ")}]`);
  }
  const [n, rows, cols] = images.shape as [number, number, number];
  if (labels.shape[0] !== n) throw new IdxFormatError(`${imagePath} has ${n} images but ${labelPath} has ${labels.shape[0]} labels`);
  const count = Math.min(n, options.limit ?? n);
  const pixels = new Float32Array(count * rows * cols);
  const source = images.data as Uint8Array;
  for (let i = 0; i < pixels.length; i++) pixels[i] = source[i]! / 255;
  const classes = new BigInt64Array(count);
  for (let i = 0; i < count; i++) classes[i] = BigInt((labels.data as Uint8Array)[i]!);
  return {
    images: tensor(pixels, { shape: [count, 1, rows, cols] }),
    labels: tensor(classes, { shape: [count] }),
    count,
  };
}
