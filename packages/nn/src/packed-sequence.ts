/**
 * Variable-length batches for recurrent layers, like `torch.nn.utils.rnn`: PackedSequence and
 * the pack/pad helpers. Packed data is time-major: the rows of every sequence at step 0 (longest
 * sequence first), then at step 1, and so on.
 */
import { ShapeError, Tensor, cat, formatShape, full, stack, tensor } from "@trek/tensor";

/** A batch of sequences of different lengths, packed without padding. */
export class PackedSequence {
  /**
   * @param data the packed rows [Σ lengths, *].
   * @param batchSizes how many sequences are still running at each step (non-increasing).
   * @param sortedIndices original batch index of each sorted position (null when the input was sorted).
   * @param unsortedIndices sorted position of each original batch index (the inverse permutation).
   */
  constructor(
    readonly data: Tensor,
    readonly batchSizes: readonly number[],
    readonly sortedIndices: readonly number[] | null = null,
    readonly unsortedIndices: readonly number[] | null = null,
  ) {}

  /** Sequence lengths in sorted order (longest first). */
  sortedLengths(): number[] {
    const batch = this.batchSizes[0] ?? 0;
    const lengths = new Array<number>(batch).fill(0);
    for (const size of this.batchSizes) for (let j = 0; j < size; j++) lengths[j]!++;
    return lengths;
  }

  /** Releases the packed data. */
  dispose(): void {
    this.data.dispose();
  }
}

function lengthsOf(op: string, lengths: readonly number[] | Tensor): number[] {
  if (lengths instanceof Tensor) {
    if (lengths.ndim !== 1) throw new ShapeError(`${op}: lengths must be 1-d, got ${formatShape(lengths.shape)}`);
    return Array.from(lengths.dataSync() as ArrayLike<number | bigint>, (v) => Number(v));
  }
  return [...lengths];
}

function int64(values: readonly number[], device: string): Tensor {
  return tensor(BigInt64Array.from(values, (v) => BigInt(v)), { device });
}

/** Sorting permutation (longest first, stable) and its inverse. */
function sortByLength(lengths: readonly number[]): { sorted: number[]; unsorted: number[] } {
  const sorted = lengths.map((_, i) => i).sort((a, b) => lengths[b]! - lengths[a]! || a - b);
  const unsorted = new Array<number>(sorted.length);
  sorted.forEach((original, position) => (unsorted[original] = position));
  return { sorted, unsorted };
}

/** Options of `packPaddedSequence`. */
export interface PackOptions {
  /** The input is [B, T, *] instead of [T, B, *]. */
  batchFirst?: boolean;
  /** Require lengths sorted longest first (default true); false sorts them and records the permutation. */
  enforceSorted?: boolean;
}

/**
 * Packs a padded batch `input` [T, B, *] (or [B, T, *] with `batchFirst`) whose sequence b has
 * `lengths[b]` valid steps. Differentiable with respect to `input`.
 */
export function packPaddedSequence(input: Tensor, lengths: readonly number[] | Tensor, options: PackOptions = {}): PackedSequence {
  const op = "packPaddedSequence";
  const batchFirst = options.batchFirst ?? false;
  if (input.ndim < 2) throw new ShapeError(`${op}: expected input [T, B, *] or [B, T, *], got ${formatShape(input.shape)}`);
  const steps = input.shape[batchFirst ? 1 : 0]!;
  const batch = input.shape[batchFirst ? 0 : 1]!;
  const lens = lengthsOf(op, lengths);
  if (lens.length !== batch) throw new ShapeError(`${op}: got ${lens.length} lengths for a batch of ${batch} (input ${formatShape(input.shape)})`);
  for (const length of lens) {
    if (!Number.isInteger(length) || length < 1 || length > steps) {
      throw new RangeError(`${op}: every length must be an integer in [1, ${steps}], got ${length}`);
    }
  }
  let sortedIndices: number[] | null = null;
  let unsortedIndices: number[] | null = null;
  let order = lens.map((_, i) => i);
  if (options.enforceSorted ?? true) {
    for (let i = 1; i < lens.length; i++) {
      if (lens[i]! > lens[i - 1]!) {
        throw new Error(`${op}: lengths must be sorted in decreasing order when enforceSorted is true (got [${lens.join(", ")}]); pass enforceSorted: false`);
      }
    }
  } else {
    const { sorted, unsorted } = sortByLength(lens);
    sortedIndices = sorted;
    unsortedIndices = unsorted;
    order = sorted;
  }
  const sortedLens = order.map((b) => lens[b]!);
  const batchSizes: number[] = [];
  const rows: number[] = [];
  for (let t = 0; t < sortedLens[0]!; t++) {
    let size = 0;
    while (size < batch && sortedLens[size]! > t) size++;
    batchSizes.push(size);
    for (let j = 0; j < size; j++) rows.push(batchFirst ? order[j]! * steps + t : t * batch + order[j]!);
  }
  const flat = input.reshape([steps * batch, ...input.shape.slice(2)]);
  const index = int64(rows, input.device);
  const data = flat.indexSelect(0, index);
  flat.dispose();
  index.dispose();
  return new PackedSequence(data, batchSizes, sortedIndices, unsortedIndices);
}

/** Options of `padPackedSequence`. */
export interface PadPackedOptions {
  /** Return [B, T, *] instead of [T, B, *]. */
  batchFirst?: boolean;
  /** Value of the padding positions (default 0). */
  paddingValue?: number;
  /** Pad to this many steps instead of the longest sequence. */
  totalLength?: number;
}

/**
 * Unpacks to a padded tensor [T, B, *] (or [B, T, *]) in the original batch order, and the
 * lengths (an int64 tensor). Differentiable with respect to the packed data.
 */
export function padPackedSequence(sequence: PackedSequence, options: PadPackedOptions = {}): [Tensor, Tensor] {
  const op = "padPackedSequence";
  const { data, batchSizes } = sequence;
  const maxSteps = batchSizes.length;
  const steps = options.totalLength ?? maxSteps;
  if (steps < maxSteps) throw new RangeError(`${op}: totalLength ${steps} is shorter than the longest sequence (${maxSteps})`);
  const batch = batchSizes[0] ?? 0;
  const batchFirst = options.batchFirst ?? false;
  const sortedLens = sequence.sortedLengths();
  const offsets: number[] = [];
  let offset = 0;
  for (const size of batchSizes) {
    offsets.push(offset);
    offset += size;
  }
  const sentinel = data.shape[0]!;
  const rows = new Array<number>(steps * batch);
  for (let b = 0; b < batch; b++) {
    const j = sequence.unsortedIndices ? sequence.unsortedIndices[b]! : b;
    for (let t = 0; t < steps; t++) {
      const position = batchFirst ? b * steps + t : t * batch + b;
      rows[position] = t < sortedLens[j]! ? offsets[t]! + j : sentinel;
    }
  }
  const padRow = full([1, ...data.shape.slice(1)], options.paddingValue ?? 0, { dtype: data.dtype, device: data.device });
  const extended = cat([data, padRow], 0);
  const index = int64(rows, data.device);
  const picked = extended.indexSelect(0, index);
  const padded = picked.reshape([batchFirst ? batch : steps, batchFirst ? steps : batch, ...data.shape.slice(1)]);
  for (const t of [padRow, extended, index, picked]) t.dispose();
  const lengths = Array.from({ length: batch }, (_, b) => sortedLens[sequence.unsortedIndices ? sequence.unsortedIndices[b]! : b]!);
  return [padded, int64(lengths, data.device)];
}

/** Options of `padSequence`. */
export interface PadSequenceOptions {
  batchFirst?: boolean;
  paddingValue?: number;
}

/** Stacks sequences [Lᵢ, *] into one padded tensor [T, B, *] (or [B, T, *]). */
export function padSequence(sequences: readonly Tensor[], options: PadSequenceOptions = {}): Tensor {
  if (sequences.length === 0) throw new Error("padSequence: expected at least one sequence");
  const steps = Math.max(...sequences.map((s) => s.shape[0] ?? 0));
  const trailing = sequences[0]!.shape.slice(1);
  const padded = sequences.map((s) => {
    if (s.ndim === 0 || s.shape.slice(1).some((d, i) => d !== trailing[i]) || s.ndim - 1 !== trailing.length) {
      throw new ShapeError(`padSequence: every sequence must be [L, ${trailing.join(", ")}], got ${formatShape(s.shape)}`);
    }
    if (s.shape[0] === steps) return s;
    const fill = full([steps - s.shape[0]!, ...trailing], options.paddingValue ?? 0, { dtype: s.dtype, device: s.device });
    const out = cat([s, fill], 0);
    fill.dispose();
    return out;
  });
  const out = stack(padded, options.batchFirst ? 0 : 1);
  padded.forEach((p, i) => {
    if (p !== sequences[i]) p.dispose();
  });
  return out;
}

/** Packs a list of sequences [Lᵢ, *] (longest first unless `enforceSorted` is false). */
export function packSequence(sequences: readonly Tensor[], options: { enforceSorted?: boolean } = {}): PackedSequence {
  const padded = padSequence(sequences);
  const packed = packPaddedSequence(
    padded,
    sequences.map((s) => s.shape[0]!),
    { enforceSorted: options.enforceSorted ?? true },
  );
  padded.dispose();
  return packed;
}
