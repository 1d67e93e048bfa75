/** gather, scatter (set/add) and indexSelect with bounds checks that name the op, dim and index. */
import type { View } from "@trek/tensor";
import { IndexError } from "@trek/tensor";
import { forEachRow, isContiguous } from "../strided.js";
import { copy, narrowInto, widen } from "../elementwise.js";

type AnyArray = { [i: number]: number | bigint };

function readIndex(index: View, position: number): number {
  return Number((index.buffer as AnyArray)[position]!);
}

function outOfRange(op: string, dim: number, size: number, value: number): IndexError {
  return new IndexError(`${op}: index ${value} is out of bounds for dim ${dim} with size ${size}`);
}

/** Strides of `v` with `dim` zeroed: offsets of the start of the addressed line. */
function withoutDim(v: View, dim: number): number[] {
  const s = v.strides.slice();
  s[dim] = 0;
  return s;
}

export function gather(x: View, dim: number, index: View, out: View): void {
  const size = x.shape[dim]!;
  const step = x.strides[dim]!;
  const xa = x.buffer as AnyArray;
  const oa = out.buffer as AnyArray;
  forEachRow(index.shape, [index.strides, withoutDim(x, dim), out.strides], [index.offset, x.offset, out.offset], (n, offs, inner) => {
    let ii = offs[0]!;
    let xi = offs[1]!;
    let oi = offs[2]!;
    for (let k = 0; k < n; k++, ii += inner[0]!, xi += inner[1]!, oi += inner[2]!) {
      const j = readIndex(index, ii);
      if (j < 0 || j >= size) throw outOfRange("gather", dim, size, j);
      oa[oi] = xa[xi + j * step]!;
    }
  });
}

export function scatter(outIn: View, dim: number, index: View, srcIn: View, reduce: "set" | "add"): void {
  const half = outIn.dtype === "float16" || outIn.dtype === "bfloat16";
  const out = half && reduce === "add" ? widen(outIn) : outIn;
  const src = half && reduce === "add" ? widen(srcIn) : srcIn;
  const size = out.shape[dim]!;
  const step = out.strides[dim]!;
  const oa = out.buffer as { [i: number]: number };
  const sa = src.buffer as { [i: number]: number };
  const big = out.dtype === "int64";
  forEachRow(index.shape, [index.strides, src.strides, withoutDim(out, dim)], [index.offset, src.offset, out.offset], (n, offs, inner) => {
    let ii = offs[0]!;
    let si = offs[1]!;
    let oi = offs[2]!;
    for (let k = 0; k < n; k++, ii += inner[0]!, si += inner[1]!, oi += inner[2]!) {
      const j = readIndex(index, ii);
      if (j < 0 || j >= size) throw outOfRange(reduce === "add" ? "scatterAdd" : "scatter", dim, size, j);
      const target = oi + j * step;
      if (reduce === "set") oa[target] = sa[si]!;
      else if (big) (oa as unknown as BigInt64Array)[target] = BigInt.asIntN(64, (oa as unknown as BigInt64Array)[target]! + (sa as unknown as BigInt64Array)[si]!);
      else oa[target] = oa[target]! + sa[si]!;
    }
  });
  if (out !== outIn) narrowInto(out, outIn);
}

export function indexSelect(x: View, dim: number, index: View, out: View): void {
  const size = x.shape[dim]!;
  const count = index.shape[0] ?? 1;
  if (isContiguous(x.shape, x.strides) && isContiguous(out.shape, out.strides)) {
    // Contiguous rows (a DataLoader gathering a shuffled batch): one block copy per selected row.
    let inner = 1;
    for (let d = dim + 1; d < x.shape.length; d++) inner *= x.shape[d]!;
    let outer = 1;
    for (let d = 0; d < dim; d++) outer *= x.shape[d]!;
    const src = x.buffer as Float32Array;
    const dst = out.buffer as Float32Array;
    const rows = new Float64Array(count);
    for (let k = 0; k < count; k++) {
      const j = readIndex(index, index.offset + k * (index.strides[0] ?? 0));
      if (j < 0 || j >= size) throw outOfRange("indexSelect", dim, size, j);
      rows[k] = j;
    }
    // Tensors in the kernel heap share one buffer: copyWithin moves each row without creating views.
    const sameBuffer = src.buffer === dst.buffer;
    const bytes = src.BYTES_PER_ELEMENT;
    const heap = sameBuffer ? new Uint8Array(src.buffer) : null;
    for (let o = 0; o < outer; o++) {
      const from = x.offset + o * size * inner;
      const to = out.offset + o * count * inner;
      for (let k = 0; k < count; k++) {
        const start = from + rows[k]! * inner;
        if (heap) {
          const source = src.byteOffset + start * bytes;
          heap.copyWithin(dst.byteOffset + (to + k * inner) * bytes, source, source + inner * bytes);
        } else dst.set(src.subarray(start, start + inner), to + k * inner);
      }
    }
    return;
  }
  const innerShape = x.shape.filter((_, i) => i !== dim);
  const xStrides = x.strides.filter((_, i) => i !== dim);
  const oStrides = out.strides.filter((_, i) => i !== dim);
  for (let k = 0; k < count; k++) {
    const j = readIndex(index, index.offset + k * (index.strides[0] ?? 0));
    if (j < 0 || j >= size) throw outOfRange("indexSelect", dim, size, j);
    copy(
      { buffer: x.buffer, dtype: x.dtype, shape: innerShape, strides: xStrides, offset: x.offset + j * x.strides[dim]! },
      { buffer: out.buffer, dtype: out.dtype, shape: innerShape, strides: oStrides, offset: out.offset + k * out.strides[dim]! },
    );
  }
}
