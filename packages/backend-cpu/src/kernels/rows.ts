/**
 * Kernels that work along one dim ("rows"): softmax and its gradient, arg-reductions, cumulative
 * sums, sorting. A row is every element along `dim` for one position of the other dims.
 */
import type { View } from "@trek/tensor";
import { forEachRow } from "../strided.js";
import { narrowInto, scratchFor, widen } from "../elementwise.js";

type NumArray = { [i: number]: number; length: number };

const isHalf = (v: View): boolean => v.dtype === "float16" || v.dtype === "bfloat16";

/** Calls `row(offsets)` with each operand's offset at the start of every row along `dim`. */
export function forEachLine(views: readonly View[], dim: number, row: (offsets: number[]) => void): void {
  const shape = views[0]!.shape.map((s, i) => (i === dim ? 1 : s));
  const starts = new Array<number>(views.length);
  forEachRow(
    shape,
    views.map((v) => v.strides),
    views.map((v) => v.offset),
    (count, offs, inner) => {
      for (let j = 0; j < views.length; j++) starts[j] = offs[j]!;
      for (let k = 0; k < count; k++) {
        row(starts);
        for (let j = 0; j < views.length; j++) starts[j]! += inner[j]!;
      }
    },
  );
}

export function softmax(xIn: View, dim: number, outIn: View, log = false): void {
  const x = isHalf(xIn) ? widen(xIn) : xIn;
  const out = isHalf(outIn) ? scratchFor(outIn) : outIn;
  const n = x.shape[dim]!;
  const xs = x.strides[dim]!;
  const os = out.strides[dim]!;
  const xa = x.buffer as NumArray;
  const oa = out.buffer as NumArray;
  forEachLine([x, out], dim, ([xo, oo]) => {
    let max = -Infinity;
    for (let k = 0, i = xo!; k < n; k++, i += xs) {
      const v = xa[i]!;
      if (v > max || v !== v) max = v;
    }
    if (max === -Infinity) max = 0; // all -inf: exp(x - 0) keeps the row well defined
    let total = 0;
    if (log) {
      for (let k = 0, i = xo!; k < n; k++, i += xs) total += Math.exp(xa[i]! - max);
      const logTotal = Math.log(total) + max;
      for (let k = 0, i = xo!, o = oo!; k < n; k++, i += xs, o += os) oa[o] = xa[i]! - logTotal;
    } else {
      for (let k = 0, i = xo!, o = oo!; k < n; k++, i += xs, o += os) {
        const e = Math.exp(xa[i]! - max);
        oa[o] = e;
        total += e;
      }
      const scale = 1 / total;
      for (let k = 0, o = oo!; k < n; k++, o += os) oa[o] *= scale;
    }
  });
  if (out !== outIn) narrowInto(out, outIn);
}

/** softmax: dx = y(dy − Σ dy·y); log-softmax: dx = dy − exp(y)·Σ dy. */
export function softmaxBackward(yIn: View, dyIn: View, dim: number, dxOut: View, log = false): void {
  const y = isHalf(yIn) ? widen(yIn) : yIn;
  const dy = isHalf(dyIn) ? widen(dyIn) : dyIn;
  const dx = isHalf(dxOut) ? scratchFor(dxOut) : dxOut;
  const n = y.shape[dim]!;
  const ys = y.strides[dim]!;
  const gs = dy.strides[dim]!;
  const xs = dx.strides[dim]!;
  const ya = y.buffer as NumArray;
  const ga = dy.buffer as NumArray;
  const xa = dx.buffer as NumArray;
  forEachLine([y, dy, dx], dim, ([yo, go, xo]) => {
    let dot = 0;
    if (log) {
      for (let k = 0, g = go!; k < n; k++, g += gs) dot += ga[g]!;
      for (let k = 0, i = yo!, g = go!, o = xo!; k < n; k++, i += ys, g += gs, o += xs) xa[o] = ga[g]! - Math.exp(ya[i]!) * dot;
    } else {
      for (let k = 0, i = yo!, g = go!; k < n; k++, i += ys, g += gs) dot += ga[g]! * ya[i]!;
      for (let k = 0, i = yo!, g = go!, o = xo!; k < n; k++, i += ys, g += gs, o += xs) xa[o] = ya[i]! * (ga[g]! - dot);
    }
  });
  if (dx !== dxOut) narrowInto(dx, dxOut);
}

export function argReduce(op: "argmax" | "argmin", xIn: View, dim: number, out: View): void {
  const x = isHalf(xIn) ? widen(xIn) : xIn;
  const n = x.shape[dim]!;
  const xs = x.strides[dim]!;
  const oa = out.buffer as BigInt64Array;
  const isMax = op === "argmax";
  if (x.dtype === "int64") {
    const xa = x.buffer as BigInt64Array;
    forEachLine([x, out], dim, ([xo, oo]) => {
      let best = xa[xo!]!;
      let bestIndex = 0;
      for (let k = 1, i = xo! + xs; k < n; k++, i += xs) {
        const v = xa[i]!;
        if (isMax ? v > best : v < best) {
          best = v;
          bestIndex = k;
        }
      }
      oa[oo!] = BigInt(bestIndex);
    });
    return;
  }
  const xa = x.buffer as NumArray;
  forEachLine([x, out], dim, ([xo, oo]) => {
    let best = xa[xo!]!;
    let bestIndex = 0;
    if (best === best) {
      for (let k = 1, i = xo! + xs; k < n; k++, i += xs) {
        const v = xa[i]!;
        if (v !== v) {
          bestIndex = k; // NaN counts as the extreme value, the first one wins
          break;
        }
        if (isMax ? v > best : v < best) {
          best = v;
          bestIndex = k;
        }
      }
    }
    oa[oo!] = BigInt(bestIndex);
  });
}

export function cumsum(xIn: View, dim: number, outIn: View): void {
  const x = isHalf(xIn) ? widen(xIn) : xIn;
  const out = isHalf(outIn) ? scratchFor(outIn) : outIn;
  const n = x.shape[dim]!;
  const xs = x.strides[dim]!;
  const os = out.strides[dim]!;
  if (x.dtype === "int64") {
    const xa = x.buffer as BigInt64Array;
    const oa = out.buffer as BigInt64Array;
    forEachLine([x, out], dim, ([xo, oo]) => {
      let total = 0n;
      for (let k = 0, i = xo!, o = oo!; k < n; k++, i += xs, o += os) {
        total = BigInt.asIntN(64, total + xa[i]!);
        oa[o] = total;
      }
    });
  } else {
    const xa = x.buffer as NumArray;
    const oa = out.buffer as NumArray;
    forEachLine([x, out], dim, ([xo, oo]) => {
      let total = 0;
      for (let k = 0, i = xo!, o = oo!; k < n; k++, i += xs, o += os) {
        total += xa[i]!;
        oa[o] = total;
      }
    });
  }
  if (out !== outIn) narrowInto(out, outIn);
}

/** Stable sort along dim; NaN sorts as the largest value. */
export function sort(xIn: View, dim: number, descending: boolean, valuesIn: View, indices: View): void {
  const x = isHalf(xIn) ? widen(xIn) : xIn;
  const values = isHalf(valuesIn) ? scratchFor(valuesIn) : valuesIn;
  const n = x.shape[dim]!;
  const xs = x.strides[dim]!;
  const vs = values.strides[dim]!;
  const is = indices.strides[dim]!;
  const xa = x.buffer as { [i: number]: number | bigint };
  const va = values.buffer as { [i: number]: number | bigint };
  const ia = indices.buffer as BigInt64Array;
  const keys: (number | bigint)[] = new Array(n);
  const order: number[] = new Array(n);
  const compare = (p: number, q: number): number => {
    const a = keys[p]!;
    const b = keys[q]!;
    const aNan = a !== a;
    const bNan = b !== b;
    let c: number;
    if (aNan || bNan) c = aNan === bNan ? 0 : aNan ? 1 : -1;
    else c = a < b ? -1 : a > b ? 1 : 0;
    return descending ? -c : c;
  };
  forEachLine([x, values, indices], dim, ([xo, vo, io]) => {
    for (let k = 0, i = xo!; k < n; k++, i += xs) {
      keys[k] = xa[i]!;
      order[k] = k;
    }
    order.sort(compare);
    for (let k = 0, v = vo!, o = io!; k < n; k++, v += vs, o += is) {
      va[v] = keys[order[k]!]!;
      ia[o] = BigInt(order[k]!);
    }
  });
  if (values !== valuesIn) narrowInto(values, valuesIn);
}
