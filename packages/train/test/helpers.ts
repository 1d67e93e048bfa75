/** Shared fixtures for the train tests: a separable toy problem and small models. */
import { Generator, manualSeed, randn, tensor, type Tensor } from "@trek/tensor";
import { Linear, ReLU, Sequential } from "@trek/nn";
import { DataLoader, TensorDataset } from "@trek/data";

/** Two Gaussian blobs in 2-D, class = side of the line x0 + x1 = 0 (separable with margin). */
export function blobs(count: number, seed: number): { x: Tensor; y: Tensor } {
  const generator = new Generator(seed);
  const points = randn([count, 2], { generator });
  const values = points.dataSync() as Float32Array;
  const labels = new BigInt64Array(count);
  for (let i = 0; i < count; i++) {
    const side = values[2 * i]! + values[2 * i + 1]! > 0 ? 1 : 0;
    // Push each point away from the boundary so the classes are cleanly separable.
    values[2 * i]! += side ? 0.5 : -0.5;
    values[2 * i + 1]! += side ? 0.5 : -0.5;
    labels[i] = BigInt(side);
  }
  points.dispose();
  return { x: tensor(values, { shape: [count, 2] }), y: tensor(labels, { shape: [count] }) };
}

/** A two-layer classifier with deterministic initial weights. */
export function smallClassifier(seed = 0): Sequential {
  manualSeed(seed);
  return new Sequential(new Linear(2, 16), new ReLU(), new Linear(16, 2));
}

export function loaderOf(x: Tensor, y: Tensor, batchSize: number, options: { shuffle?: boolean; seed?: number } = {}): DataLoader<Tensor[], Tensor[]> {
  return new DataLoader(new TensorDataset(x, y), { batchSize, shuffle: options.shuffle ?? false, seed: options.seed ?? 0 });
}

/** A writable that records what is written, as a TTY or not. */
export function recordingStream(isTTY: boolean): { write(text: string): boolean; isTTY: boolean; columns: number; text(): string } {
  const chunks: string[] = [];
  return {
    isTTY,
    columns: 120,
    write(text: string) {
      chunks.push(String(text));
      return true;
    },
    text: () => chunks.join(""),
  };
}

/** Copies of every parameter's values, by name. */
export async function snapshotWeights(model: Sequential): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [name, p] of model.namedParameters()) out[name] = Array.from(await p.data(), Number);
  return out;
}
