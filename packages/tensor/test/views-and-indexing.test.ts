import { describe, expect, it } from "vitest";
import { arange, cat, registerBackend, stack, tensor, where, zeros, pad, type Tensor } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";

registerBackend("cpu", () => new CpuBackend());

const nested = (t: Tensor): unknown => t.tolistSync();
const grid = (rows: number, cols: number): Tensor => arange(rows * cols).reshape(rows, cols).float();

describe("views share storage (zero copy) and writes show through", () => {
  it("reshape / view / permute / transpose / expand / select / narrow / slice", () => {
    const x = grid(2, 3);
    const views = [x.reshape(3, 2), x.view(6), x.permute(1, 0), x.T, x.select(0, 1), x.narrow(1, 1, 2), x.slice(1, 0, 3, 2)];
    for (const v of views) expect(v.buffer).toBe(x.buffer);
    x.select(0, 1).fill_(9);
    expect(nested(x)).toEqual([[0, 1, 2], [9, 9, 9]]);
    x.T.select(0, 0).mul_(10); // column 0
    expect(nested(x)).toEqual([[0, 1, 2], [90, 9, 9]]);
    expect(nested(tensor([1, 2]).unsqueeze(0).expand(3, 2))).toEqual([[1, 2], [1, 2], [1, 2]]);
  });

  it("view fails on incompatible layouts; reshape copies then", () => {
    const t = grid(2, 3).T;
    expect(() => t.view(6)).toThrow(/not compatible with the input's layout.*use reshape/);
    const flat = t.reshape(6);
    expect(flat.buffer).not.toBe(t.buffer);
    expect(nested(flat)).toEqual([0, 3, 1, 4, 2, 5]);
  });

  it("shape helpers", () => {
    const x = zeros(2, 1, 3, 1);
    expect(x.squeeze().shape).toEqual([2, 3]);
    expect(x.squeeze(1).shape).toEqual([2, 3, 1]);
    expect(x.unsqueeze(-1).shape).toEqual([2, 1, 3, 1, 1]);
    expect(x.flatten().shape).toEqual([6]);
    expect(x.flatten(1).shape).toEqual([2, 3]);
    expect(zeros(2, 6).unflatten(1, [2, -1]).shape).toEqual([2, 2, 3]);
    expect(zeros(2, 3, 4).mT.shape).toEqual([2, 4, 3]);
    expect(zeros(2, 3, 4).movedim(0, 2).shape).toEqual([3, 4, 2]);
    expect(grid(2, 3).contiguous().isContiguous()).toBe(true);
    expect(grid(2, 3).T.isContiguous()).toBe(false);
    expect(() => zeros(2, 3).reshape(4, -1)).toThrow(/shape \[4, -1\] is invalid for input \[2, 3\] of 6 elements/);
    expect(() => zeros(2, 3).expand(4, 3)).toThrow(/cannot expand shape \[2, 3\] to \[4, 3\]/);
  });

  it("split, chunk, unbind, unfold, diagonal", () => {
    const x = arange(7);
    expect(x.split(3).map(nested)).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(x.split([2, 5]).map((t) => t.shape[0])).toEqual([2, 5]);
    expect(x.chunk(3).map((t) => t.shape[0])).toEqual([3, 3, 1]);
    expect(grid(2, 2).unbind(1).map(nested)).toEqual([[0, 2], [1, 3]]);
    expect(nested(arange(5).unfold(0, 3, 2))).toEqual([[0, 1, 2], [2, 3, 4]]);
    expect(nested(grid(3, 3).diagonal())).toEqual([0, 4, 8]);
    expect(nested(grid(3, 3).diagonal(1))).toEqual([1, 5]);
    expect(nested(grid(3, 3).diagonal(-1))).toEqual([3, 7]);
  });
});

describe("index() mirrors Python indexing", () => {
  const x = arange(24).reshape(2, 3, 4);

  it("integers, slices with steps and negative bounds, new axes and ellipsis", () => {
    expect(nested(x.index(1, 2))).toEqual([20, 21, 22, 23]);
    expect(nested(x.index(-1, -1, -1))).toBe(23);
    expect(nested(x.index(0, "1:", "::2"))).toEqual([[4, 6], [8, 10]]);
    expect(nested(x.index(0, 0, "-3:-1"))).toEqual([1, 2]);
    expect(nested(x.index("...", 1))).toEqual([[1, 5, 9], [13, 17, 21]]);
    expect(x.index(null, ":", null).shape).toEqual([1, 2, 1, 3, 4]);
    expect(nested(x.index(0, { start: 1, stop: 3 }, 0))).toEqual([4, 8]);
    expect(nested(x.index(1, 0, "10:"))).toEqual([]);
  });

  it("tensor indices gather; boolean masks select", () => {
    const m = arange(6).reshape(2, 3);
    expect(nested(m.index(":", tensor([2n, 0n])))).toEqual([[2, 0], [5, 3]]);
    expect(nested(m.index(tensor([1n, 0n, 1n])))).toEqual([[3, 4, 5], [0, 1, 2], [3, 4, 5]]);
    expect(nested(m.index(tensor([-1n])))).toEqual([[3, 4, 5]]);
    expect(nested(m.index(m.gt(2)))).toEqual([3, 4, 5]);
    expect(nested(m.index(tensor([1n, 0n]), tensor([2n, 1n])))).toEqual([5, 1]);
  });

  it("out-of-range indices name the dim, size and index", () => {
    expect(() => x.index(2)).toThrow(/index 2 is out of bounds for dim 0 with size 2/);
    expect(() => x.index(0, 0, 0, 0)).toThrow(/too many indices/);
    expect(() => x.select(1, 3)).toThrow(/index 3 is out of range for dim 1 of size 3/);
    expect(() => x.index(":", tensor([5n]))).toThrow(/index 5 is out of bounds for dim 1 with size 3/);
  });

  it("indexPut_ assigns in place through slices, tensor indices and masks", () => {
    const t = zeros(3, 3);
    t.indexPut_([":", 0], 1);
    t.indexPut_([2], tensor([7, 8, 9]));
    t.indexPut_([tensor([0n, 1n]), "1:"], 5);
    expect(nested(t)).toEqual([[1, 5, 5], [1, 5, 5], [7, 8, 9]]);
    t.indexPut_([t.gt(6)], -1);
    expect(nested(t)).toEqual([[1, 5, 5], [1, 5, 5], [-1, -1, -1]]);
  });
});

describe("gather, scatter and friends", () => {
  it("gather / scatter / scatterAdd / indexSelect", () => {
    const src = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(nested(src.gather(1, tensor([[2n, 0n], [1n, 1n]])))).toEqual([[3, 1], [5, 5]]);
    expect(nested(zeros(2, 3).scatter(1, tensor([[2n], [0n]]), tensor([[7], [8]])))).toEqual([[0, 0, 7], [8, 0, 0]]);
    expect(nested(zeros(3).scatterAdd(0, tensor([0n, 2n, 0n]), tensor([1, 2, 3])))).toEqual([4, 0, 2]);
    expect(nested(src.indexSelect(1, tensor([2n, 2n, 0n])))).toEqual([[3, 3, 1], [6, 6, 4]]);
    expect(() => src.gather(1, tensor([[3n]]).expand(2, 1))).toThrow(/index 3 is out of bounds for dim 1 with size 3/);
    expect(() => src.gather(1, tensor([[0.5]]))).toThrow(/index must be an int64 or int32 tensor, got float32/);
  });

  it("where, maskedFill, cat, stack, flip, roll, repeat, tile, pad, nonzero", () => {
    const a = tensor([1, 2, 3]);
    expect(nested(where(a.gt(1), a, 0))).toEqual([0, 2, 3]);
    expect(nested(a.maskedFill(a.eq(2), -5))).toEqual([1, -5, 3]);
    expect(nested(cat([a, tensor([4])]))).toEqual([1, 2, 3, 4]);
    expect(nested(cat([grid(1, 2), grid(2, 2)], 0))).toEqual([[0, 1], [0, 1], [2, 3]]);
    expect(nested(stack([a, a], 1))).toEqual([[1, 1], [2, 2], [3, 3]]);
    expect(nested(grid(2, 2).flip(0))).toEqual([[2, 3], [0, 1]]);
    expect(nested(arange(5).roll(2))).toEqual([3, 4, 0, 1, 2]);
    expect(nested(grid(2, 2).roll(-1, 1))).toEqual([[1, 0], [3, 2]]);
    expect(nested(tensor([1, 2]).repeat(2, 2))).toEqual([[1, 2, 1, 2], [1, 2, 1, 2]]);
    expect(nested(tensor([[1, 2]]).tile(2))).toEqual([[1, 2, 1, 2]]);
    expect(nested(pad(tensor([1, 2]), [1, 2], "constant", 9))).toEqual([9, 1, 2, 9, 9]);
    expect(nested(pad(tensor([1, 2, 3]), [2, 1], "reflect"))).toEqual([3, 2, 1, 2, 3, 2]);
    expect(nested(pad(tensor([1, 2, 3]), [2, 1], "replicate"))).toEqual([1, 1, 1, 2, 3, 3]);
    expect(nested(pad(tensor([1, 2, 3]), [1, 1], "circular"))).toEqual([3, 1, 2, 3, 1]);
    expect(nested(tensor([[0, 1], [2, 0]]).nonzero())).toEqual([[0, 1], [1, 0]]);
    expect(() => cat([zeros(2, 2), zeros(3, 3)], 0)).toThrow(/sizes must match except in dim 0; got \[2, 2\] and \[3, 3\]/);
    expect(() => stack([zeros(2), zeros(3)])).toThrow(/equal size, got \[2\] and \[3\]/);
  });

  it("sort and topk are stable and put NaN last (largest)", () => {
    const x = tensor([3, NaN, 1, 3, 2]);
    const { values, indices } = x.sort();
    expect(nested(values)).toEqual([1, 2, 3, 3, NaN]);
    expect(nested(indices)).toEqual([2, 4, 0, 3, 1]);
    expect(nested(x.sort(0, true).indices)).toEqual([1, 0, 3, 4, 2]);
    const top = tensor([[1, 5, 3], [9, 0, 4]]).topk(2, 1);
    expect(nested(top.values)).toEqual([[5, 3], [9, 4]]);
    expect(nested(top.indices)).toEqual([[1, 2], [0, 2]]);
    expect(nested(tensor([4, 1, 3]).argsort())).toEqual([1, 2, 0]);
  });
});
