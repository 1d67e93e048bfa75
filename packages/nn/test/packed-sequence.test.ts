import { describe, expect, it } from "vitest";
import { registerBackend, tensor } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { packPaddedSequence, packSequence, padPackedSequence, padSequence } from "@trek/nn";

registerBackend("cpu", () => new CpuBackend());

describe("packed sequences", () => {
  // Three sequences of lengths 2, 3, 1 (values encode [sequence, step]).
  const padded = tensor([
    [[10], [20], [30]],
    [[11], [21], [0]],
    [[0], [22], [0]],
  ]); // [T=3, B=3, 1]

  it("packs time-major, longest first, and records the permutation", () => {
    const packed = packPaddedSequence(padded, [2, 3, 1], { enforceSorted: false });
    expect(packed.batchSizes).toEqual([3, 2, 1]);
    expect(packed.sortedIndices).toEqual([1, 0, 2]);
    expect(packed.unsortedIndices).toEqual([1, 0, 2]);
    expect((packed.data.tolistSync() as number[][]).flat()).toEqual([20, 10, 30, 21, 11, 22]);
  });

  it("pads back to the original order and lengths", () => {
    const packed = packPaddedSequence(padded, [2, 3, 1], { enforceSorted: false });
    const [restored, lengths] = padPackedSequence(packed, { paddingValue: -1, totalLength: 4 });
    expect(lengths.tolistSync()).toEqual([2, 3, 1]);
    expect((restored.tolistSync() as number[][][]).map((row) => row.flat())).toEqual([
      [10, 20, 30],
      [11, 21, -1],
      [-1, 22, -1],
      [-1, -1, -1],
    ]);
  });

  it("handles batch-first layouts and lists of sequences", () => {
    const seqs = [tensor([[1], [2], [3]]), tensor([[4]])];
    const batchFirst = padSequence(seqs, { batchFirst: true });
    expect(batchFirst.shape).toEqual([2, 3, 1]);
    const packed = packSequence(seqs);
    expect(packed.batchSizes).toEqual([2, 1, 1]);
    const [back] = padPackedSequence(packed, { batchFirst: true });
    expect(back.equal(batchFirst)).toBe(true);
  });

  it("is differentiable", () => {
    const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const packed = packPaddedSequence(x.unsqueeze(2), [2, 1]);
    packed.data.sum().backward();
    expect(x.grad!.tolistSync()).toEqual([[1, 1], [1, 0]]);
  });

  it("explains bad lengths", () => {
    expect(() => packPaddedSequence(padded, [1, 3, 2])).toThrow("lengths must be sorted in decreasing order when enforceSorted is true");
    expect(() => packPaddedSequence(padded, [2, 3])).toThrow("got 2 lengths for a batch of 3");
    expect(() => packPaddedSequence(padded, [4, 3, 1], { enforceSorted: false })).toThrow("every length must be an integer in [1, 3], got 4");
  });
});
