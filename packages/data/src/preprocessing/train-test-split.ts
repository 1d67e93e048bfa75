import { defaultGenerator, Generator, isTensor, tensor, type Tensor } from "@trek/tensor";
import { DataError } from "../errors.js";
import { permutation } from "../samplers/permutation.js";
import { readLabels, sortedUnique, type LabelVector } from "./labels.js";

/** What `trainTestSplit` can split along the first dimension. */
export type Splittable = Tensor | readonly unknown[] | Float32Array | Float64Array | Int32Array | Uint8Array | BigInt64Array;

export interface TrainTestSplitOptions {
  /** Fraction (0..1) or count of test samples; default 0.25 (or the complement of trainSize). */
  testSize?: number;
  /** Fraction or count of training samples; default the complement of testSize. */
  trainSize?: number;
  /** Shuffle before splitting (default true). */
  shuffle?: boolean;
  /** Labels: keep each class's proportion the same in both parts. */
  stratify?: LabelVector;
  generator?: Generator;
  /** Shorthand for `generator: new Generator(seed)` (scikit-learn's random_state). */
  seed?: number;
}

type Pairs<T extends readonly Splittable[]> = T extends readonly [infer A, ...infer Rest extends readonly Splittable[]]
  ? [A, A, ...Pairs<Rest>]
  : Splittable[];

/**
 * Splits arrays/tensors (same first dimension) into train and test parts, like scikit-learn's
 * `train_test_split`: returns `[aTrain, aTest, bTrain, bTest, …]`. With `stratify`, each class
 * keeps its share in both parts (rounded as evenly as possible).
 * @example const [xTrain, xTest, yTrain, yTest] = trainTestSplit([x, y], { testSize: 0.2, stratify: y, seed: 0 });
 */
export function trainTestSplit<const T extends readonly Splittable[]>(arrays: T, options: TrainTestSplitOptions = {}): Pairs<T> {
  if (arrays.length === 0) throw new DataError("trainTestSplit: at least one array required as input");
  const n = firstDimension(arrays[0]!);
  arrays.forEach((a, i) => {
    const size = firstDimension(a);
    if (size !== n) throw new DataError(`trainTestSplit: found inputs with inconsistent numbers of samples: [${arrays.map(firstDimension).join(", ")}] (input ${i})`);
  });
  const [nTrain, nTest] = splitSizes(n, options.testSize, options.trainSize);
  const generator = options.generator ?? (options.seed !== undefined ? new Generator(options.seed) : defaultGenerator);
  const shuffle = options.shuffle ?? true;
  let train: Int32Array;
  let test: Int32Array;
  if (options.stratify !== undefined) {
    if (!shuffle) throw new DataError("trainTestSplit: stratified splitting needs shuffle: true");
    [train, test] = stratifiedIndices(options.stratify, n, nTrain, nTest, generator);
  } else if (shuffle) {
    const order = permutation(n, generator);
    test = order.slice(0, nTest);
    train = order.slice(nTest, nTest + nTrain);
  } else {
    train = Int32Array.from({ length: nTrain }, (_, i) => i);
    test = Int32Array.from({ length: nTest }, (_, i) => nTrain + i);
  }
  const out: Splittable[] = [];
  for (const a of arrays) out.push(take(a, train), take(a, test));
  return out as Pairs<T>;
}

function firstDimension(a: Splittable): number {
  if (isTensor(a)) {
    if (a.ndim === 0) throw new DataError("trainTestSplit: cannot split a 0-d tensor");
    return a.shape[0]!;
  }
  return (a as ArrayLike<unknown>).length;
}

/** Train and test counts, scikit-learn's rounding: test = ceil(f·n), train = floor(f·n). */
export function splitSizes(n: number, testSize?: number, trainSize?: number): [number, number] {
  const resolve = (value: number, name: string, round: (x: number) => number): number => {
    if (value > 0 && value < 1) return round(value * n);
    if (Number.isInteger(value) && value >= 0 && value <= n) return value;
    throw new DataError(`trainTestSplit: ${name}=${value} should be a fraction in (0, 1) or a count in [0, ${n}]`);
  };
  let nTest = testSize === undefined ? undefined : resolve(testSize, "testSize", Math.ceil);
  let nTrain = trainSize === undefined ? undefined : resolve(trainSize, "trainSize", Math.floor);
  if (nTest === undefined && nTrain === undefined) nTest = Math.ceil(0.25 * n);
  if (nTest === undefined) nTest = n - nTrain!;
  if (nTrain === undefined) nTrain = n - nTest;
  if (nTrain + nTest > n) {
    throw new DataError(`trainTestSplit: the sum of train (${nTrain}) and test (${nTest}) sizes exceeds the ${n} samples`);
  }
  if (nTrain === 0) throw new DataError(`trainTestSplit: with n_samples=${n} and testSize=${testSize}, the training set would be empty`);
  return [nTrain, nTest];
}

/**
 * Per class, a share of the test set proportional to its size (largest remainders get the
 * leftover samples), then a random choice of members; both parts are shuffled at the end.
 */
function stratifiedIndices(
  stratify: LabelVector,
  n: number,
  nTrain: number,
  nTest: number,
  generator: Generator,
): [Int32Array, Int32Array] {
  const labels = readLabels("trainTestSplit (stratify)", stratify);
  if (labels.length !== n) throw new DataError(`trainTestSplit: stratify has ${labels.length} labels for ${n} samples`);
  const classes = sortedUnique("trainTestSplit (stratify)", labels);
  const members = new Map(classes.map((c) => [c, [] as number[]]));
  labels.forEach((label, i) => members.get(label)!.push(i));
  const counts = classes.map((c) => members.get(c)!.length);
  const smallest = Math.min(...counts);
  if (smallest < 2) {
    throw new DataError(
      `trainTestSplit: the least populated class in stratify has only ${smallest} member, which is too few; ` +
        "every class needs at least 2 members",
    );
  }
  if (nTest < classes.length || nTrain < classes.length) {
    throw new DataError(
      `trainTestSplit: train (${nTrain}) and test (${nTest}) sizes should each be at least the number of classes (${classes.length})`,
    );
  }
  const testCounts = allocate(counts, nTest);
  const trainCounts = allocate(
    counts.map((c, k) => c - testCounts[k]!),
    nTrain,
  );
  const train: number[] = [];
  const test: number[] = [];
  classes.forEach((c, k) => {
    const list = members.get(c)!;
    const order = permutation(list.length, generator);
    for (let i = 0; i < testCounts[k]!; i++) test.push(list[order[i]!]!);
    for (let i = testCounts[k]!; i < testCounts[k]! + trainCounts[k]!; i++) train.push(list[order[i]!]!);
  });
  const shuffled = (list: number[]) => {
    const order = permutation(list.length, generator);
    return Int32Array.from(order, (i) => list[i]!);
  };
  return [shuffled(train), shuffled(test)];
}

/** Splits `total` over groups in proportion to `sizes`, never exceeding a group's size. */
function allocate(sizes: readonly number[], total: number): number[] {
  const sum = sizes.reduce((a, b) => a + b, 0);
  const exact = sizes.map((s) => (sum === 0 ? 0 : (s * total) / sum));
  const counts = exact.map(Math.floor);
  let left = total - counts.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((e, k) => ({ k, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r || a.k - b.k);
  for (let i = 0; left > 0 && i < byRemainder.length * 2; i++) {
    const { k } = byRemainder[i % byRemainder.length]!;
    if (counts[k]! < sizes[k]!) {
      counts[k]!++;
      left--;
    }
  }
  return counts;
}

function take(a: Splittable, rows: Int32Array): Splittable {
  if (isTensor(a)) {
    const index = tensor(rows, { device: a.device });
    const out = a.indexSelect(0, index);
    index.dispose();
    return out;
  }
  if (Array.isArray(a)) return Array.from(rows, (i) => a[i]);
  const typed = a as Float32Array;
  const out = new (typed.constructor as new (n: number) => Float32Array)(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = typed[rows[i]!]!;
  return out;
}
