/**
 * Movement ops. Reshape (when the layout allows), permute, expand, select, narrow, slice, unfold
 * and diagonal are views: new metadata over the same storage, zero copies. cat, pad, flip, roll
 * and repeat produce new tensors.
 */
import type { View } from "../backend.js";
import { isFloatingPoint, resultType } from "../dtype.js";
import { IndexError, ShapeError } from "../errors.js";
import {
  contiguousStrides,
  formatShape,
  inferShape,
  normalizeDim,
  normalizeDims,
  shapeNumel,
  shapesEqual,
  viewStrides,
} from "../shape.js";
import { Tensor, emptyTensor, sameDevice, viewOf } from "../tensor.js";
import { recordOp } from "../autograd-hooks.js";
import { backendFailure } from "./dispatch.js";
import { indexSelect } from "./indexing.js";
import { cast, contiguousCopy } from "./convert.js";

function recordView(op: string, x: Tensor, out: Tensor, attrs: Record<string, unknown>): Tensor {
  if (x.requiresGrad && isFloatingPoint(x.dtype)) recordOp(op, [x], [out], attrs);
  return out;
}

export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  x._check("reshape");
  const target = inferShape("reshape", shape, x.numel(), x.shape);
  const strides = viewStrides(x.shape, x.strides, target);
  let out: Tensor;
  if (strides) out = viewOf(x, target, strides, x.offset);
  else {
    const copy = contiguousCopy(x);
    out = viewOf(copy, target, contiguousStrides(target), 0);
    copy.dispose();
  }
  return recordView("reshape", x, out, { inputShape: x.shape });
}

/** Like reshape but never copies. */
export function view(x: Tensor, shape: readonly number[]): Tensor {
  x._check("view");
  const target = inferShape("view", shape, x.numel(), x.shape);
  const strides = viewStrides(x.shape, x.strides, target);
  if (!strides) {
    throw new ShapeError(
      `view: size ${formatShape(target)} is not compatible with the input's layout (shape ${formatShape(x.shape)}, ` +
        `strides ${formatShape(x.strides)}); use reshape() or call contiguous() first`,
    );
  }
  return recordView("reshape", x, viewOf(x, target, strides, x.offset), { inputShape: x.shape });
}

export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normalizeDim("flatten", startDim, x.ndim);
  const e = normalizeDim("flatten", endDim, x.ndim);
  if (s > e) throw new IndexError(`flatten: startDim ${startDim} comes after endDim ${endDim}`);
  const shape = [...x.shape.slice(0, s), shapeNumel(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

export function unflatten(x: Tensor, dim: number, sizes: readonly number[]): Tensor {
  const d = normalizeDim("unflatten", dim, x.ndim);
  const inner = inferShape("unflatten", sizes, x.shape[d]!, [x.shape[d]!]);
  return reshape(x, [...x.shape.slice(0, d), ...inner, ...x.shape.slice(d + 1)]);
}

export function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  const dims = dim === undefined ? null : normalizeDims("squeeze", dim, x.ndim);
  const shape = x.shape.filter((s, i) => !(s === 1 && (dims === null || dims.includes(i))));
  return reshape(x, shape);
}

export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normalizeDim("unsqueeze", dim, x.ndim, true);
  const shape = x.shape.slice();
  shape.splice(d, 0, 1);
  // A size-1 dim can take any stride; pick one that keeps contiguous tensors contiguous.
  const strides = x.strides.slice();
  strides.splice(d, 0, d < x.ndim ? x.strides[d]! * x.shape[d]! : 1);
  return recordView("reshape", x, viewOf(x, shape, strides, x.offset), { inputShape: x.shape });
}

export function permute(x: Tensor, dims: readonly number[]): Tensor {
  x._check("permute");
  if (dims.length !== x.ndim) {
    throw new ShapeError(`permute: expected ${x.ndim} dims for shape ${formatShape(x.shape)}, got ${formatShape(dims)}`);
  }
  const normalized = dims.map((d) => normalizeDim("permute", d, x.ndim));
  if (new Set(normalized).size !== normalized.length) throw new ShapeError(`permute: repeated dim in ${formatShape(dims)}`);
  let identity = true;
  for (let i = 0; i < normalized.length; i++) if (normalized[i] !== i) identity = false;
  if (identity) return recordView("permute", x, viewOf(x, x.shape, x.strides, x.offset), { dims: normalized });
  const out = viewOf(
    x,
    normalized.map((d) => x.shape[d]!),
    normalized.map((d) => x.strides[d]!),
    x.offset,
  );
  return recordView("permute", x, out, { dims: normalized });
}

export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const dims = Array.from({ length: x.ndim }, (_, i) => i);
  const a = normalizeDim("transpose", dim0, x.ndim);
  const b = normalizeDim("transpose", dim1, x.ndim);
  dims[a] = b;
  dims[b] = a;
  return permute(x, dims);
}

export function movedim(x: Tensor, source: number, destination: number): Tensor {
  const s = normalizeDim("movedim", source, x.ndim);
  const d = normalizeDim("movedim", destination, x.ndim);
  const order = Array.from({ length: x.ndim }, (_, i) => i).filter((i) => i !== s);
  order.splice(d, 0, s);
  return permute(x, order);
}

export function expand(x: Tensor, sizes: readonly number[]): Tensor {
  x._check("expand");
  if (sizes.length < x.ndim) {
    throw new ShapeError(`expand: the number of sizes (${sizes.length}) must be at least the tensor's dims (${x.ndim}) for shape ${formatShape(x.shape)}`);
  }
  const lead = sizes.length - x.ndim;
  const shape = new Array<number>(sizes.length);
  const strides = new Array<number>(sizes.length);
  for (let i = 0; i < sizes.length; i++) {
    const want = sizes[i]!;
    if (i < lead) {
      if (want < 0) throw new ShapeError(`expand: -1 is not allowed for new leading dims, got ${formatShape(sizes)}`);
      shape[i] = want;
      strides[i] = 0;
      continue;
    }
    const have = x.shape[i - lead]!;
    if (want === -1 || want === have) {
      shape[i] = have;
      strides[i] = x.strides[i - lead]!;
    } else if (have === 1) {
      shape[i] = want;
      strides[i] = 0;
    } else {
      throw new ShapeError(`expand: cannot expand shape ${formatShape(x.shape)} to ${formatShape(sizes)} (dim ${i}: ${have} → ${want})`);
    }
  }
  if (shapesEqual(shape, x.shape)) return recordView("expand", x, viewOf(x, shape, strides, x.offset), { inputShape: x.shape });
  return recordView("expand", x, viewOf(x, shape, strides, x.offset), { inputShape: x.shape });
}

export function select(x: Tensor, dim: number, index: number): Tensor {
  x._check("select");
  const d = normalizeDim("select", dim, x.ndim);
  const size = x.shape[d]!;
  if (!Number.isInteger(index) || index < -size || index >= size) {
    throw new IndexError(`select: index ${index} is out of range for dim ${d} of size ${size}`);
  }
  const i = index < 0 ? index + size : index;
  const shape = x.shape.slice();
  const strides = x.strides.slice();
  shape.splice(d, 1);
  strides.splice(d, 1);
  return recordView("select", x, viewOf(x, shape, strides, x.offset + i * x.strides[d]!), {
    dim: d,
    index: i,
    inputShape: x.shape,
  });
}

/** Python-style slice bounds along one dim (clamped, negative from the end). */
export function slice(x: Tensor, dim: number, start?: number, end?: number, step = 1): Tensor {
  x._check("slice");
  const d = normalizeDim("slice", dim, x.ndim);
  if (!Number.isInteger(step) || step <= 0) throw new IndexError(`slice: step must be a positive integer, got ${step}`);
  const size = x.shape[d]!;
  const clampBound = (v: number | undefined, fallback: number): number => {
    if (v === undefined || v === null) return fallback;
    const n = v < 0 ? v + size : v;
    return Math.min(Math.max(n, 0), size);
  };
  const s = clampBound(start, 0);
  const e = Math.max(clampBound(end, size), s);
  const length = Math.ceil((e - s) / step);
  const shape = x.shape.slice();
  const strides = x.strides.slice();
  shape[d] = length;
  strides[d] = x.strides[d]! * step;
  return recordView("slice", x, viewOf(x, shape, strides, x.offset + s * x.strides[d]!), {
    dim: d,
    start: s,
    step,
    inputShape: x.shape,
  });
}

export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normalizeDim("narrow", dim, x.ndim);
  const size = x.shape[d]!;
  const s = start < 0 ? start + size : start;
  if (s < 0 || length < 0 || s + length > size) {
    throw new IndexError(`narrow: start ${start} and length ${length} exceed dim ${d} of size ${size}`);
  }
  return slice(x, d, s, s + length, 1);
}

export function split(x: Tensor, size: number | readonly number[], dim = 0): Tensor[] {
  const d = normalizeDim("split", dim, x.ndim);
  const total = x.shape[d]!;
  const sizes: number[] = [];
  if (typeof size === "number") {
    if (!Number.isInteger(size) || size <= 0) throw new ShapeError(`split: size must be a positive integer, got ${size}`);
    for (let s = 0; s < total; s += size) sizes.push(Math.min(size, total - s));
    if (total === 0) sizes.push(0);
  } else {
    const sum = size.reduce((a, b) => a + b, 0);
    if (sum !== total) throw new ShapeError(`split: sizes ${formatShape(size)} sum to ${sum}, but dim ${d} has size ${total}`);
    sizes.push(...size);
  }
  const out: Tensor[] = [];
  let start = 0;
  for (const s of sizes) {
    out.push(narrow(x, d, start, s));
    start += s;
  }
  return out;
}

export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  const d = normalizeDim("chunk", dim, x.ndim);
  if (!Number.isInteger(chunks) || chunks <= 0) throw new ShapeError(`chunk: chunks must be a positive integer, got ${chunks}`);
  return split(x, Math.max(1, Math.ceil(x.shape[d]! / chunks)), d);
}

export function unbind(x: Tensor, dim = 0): Tensor[] {
  const d = normalizeDim("unbind", dim, x.ndim);
  return Array.from({ length: x.shape[d]! }, (_, i) => select(x, d, i));
}

export function unfold(x: Tensor, dim: number, size: number, step: number): Tensor {
  x._check("unfold");
  const d = x.ndim === 0 ? 0 : normalizeDim("unfold", dim, x.ndim);
  const length = x.ndim === 0 ? 1 : x.shape[d]!;
  if (size > length) throw new ShapeError(`unfold: size ${size} exceeds dim ${d} of size ${length}`);
  if (step <= 0) throw new ShapeError(`unfold: step must be positive, got ${step}`);
  const shape = x.shape.slice();
  const strides = x.strides.slice();
  shape[d] = Math.floor((length - size) / step) + 1;
  strides[d] = x.strides[d]! * step;
  shape.push(size);
  strides.push(x.strides[d]!);
  return recordView("unfold", x, viewOf(x, shape, strides, x.offset), { dim: d, size, step, inputShape: x.shape });
}

export function diagonal(x: Tensor, offset = 0, dim1 = 0, dim2 = 1): Tensor {
  x._check("diagonal");
  const a = normalizeDim("diagonal", dim1, x.ndim);
  const b = normalizeDim("diagonal", dim2, x.ndim);
  if (a === b) throw new ShapeError(`diagonal: dim1 and dim2 must differ, both are ${a}`);
  const geometryFor = (shapeIn: readonly number[], stridesIn: readonly number[], baseOffset: number) => {
    let start = baseOffset;
    let length: number;
    if (offset >= 0) {
      length = Math.max(Math.min(shapeIn[a]!, shapeIn[b]! - offset), 0);
      if (length > 0) start += offset * stridesIn[b]!;
    } else {
      length = Math.max(Math.min(shapeIn[a]! + offset, shapeIn[b]!), 0);
      if (length > 0) start -= offset * stridesIn[a]!;
    }
    const shape: number[] = [];
    const strides: number[] = [];
    for (let i = 0; i < shapeIn.length; i++) {
      if (i === a || i === b) continue;
      shape.push(shapeIn[i]!);
      strides.push(stridesIn[i]!);
    }
    shape.push(length);
    strides.push(stridesIn[a]! + stridesIn[b]!);
    return { shape, strides, offset: start };
  };
  const g = geometryFor(x.shape, x.strides, x.offset);
  const out = viewOf(x, g.shape, g.strides, g.offset);
  // Gradient geometry is expressed against a contiguous tensor of x's shape.
  return recordView("asStrided", x, out, geometryFor(x.shape, contiguousStrides(x.shape), 0));
}

/** A view with explicit geometry over a contiguous tensor (used by gradient rules). */
export function asStrided(x: Tensor, shape: readonly number[], strides: readonly number[], offset: number): Tensor {
  x._check("asStrided");
  if (!x.isContiguous()) throw new ShapeError("asStrided: the input must be contiguous");
  return recordView("asStrided", x, viewOf(x, shape, strides, x.offset + offset), { shape, strides, offset });
}

/** Reverses the order of elements along dims (a copy, like PyTorch). */
export function flip(x: Tensor, dims: readonly number[]): Tensor {
  x._check("flip");
  const normalized = normalizeDims("flip", dims, x.ndim);
  const strides = x.strides.slice();
  let offset = x.offset;
  for (const d of normalized) {
    if (x.shape[d]! > 0) offset += (x.shape[d]! - 1) * x.strides[d]!;
    strides[d] = -x.strides[d]!;
  }
  const reversed: View = { buffer: x.buffer, dtype: x.dtype, shape: x.shape, strides, offset };
  const out = emptyTensor(x.shape, x.dtype, x.device);
  try {
    x.backend.copy(reversed, out);
  } catch (err) {
    backendFailure("flip", x.backend, err, reversed, out);
  }
  return recordView("flip", x, out, { dims: normalized });
}

export function roll(x: Tensor, shifts: number | readonly number[], dims?: number | readonly number[]): Tensor {
  if (dims === undefined) {
    const flat = reshape(x, [-1]);
    const rolled = roll(flat, typeof shifts === "number" ? shifts : shifts[0]!, 0);
    const out = reshape(rolled, x.shape);
    flat.dispose();
    rolled.dispose();
    return out;
  }
  const shiftList = typeof shifts === "number" ? [shifts] : shifts;
  const dimList = typeof dims === "number" ? [dims] : dims;
  if (shiftList.length !== dimList.length) {
    throw new ShapeError(`roll: shifts ${formatShape(shiftList)} and dims ${formatShape(dimList)} must have the same length`);
  }
  let result = x;
  for (let i = 0; i < dimList.length; i++) {
    const d = normalizeDim("roll", dimList[i]!, x.ndim);
    const size = x.shape[d]!;
    if (size === 0) continue;
    const shift = ((shiftList[i]! % size) + size) % size;
    if (shift === 0) continue;
    const tail = narrow(result, d, size - shift, shift);
    const head = narrow(result, d, 0, size - shift);
    const next = cat([tail, head], d);
    tail.dispose();
    head.dispose();
    if (result !== x) result.dispose();
    result = next;
  }
  return result === x ? reshape(x, x.shape) : result;
}

/** `repeat(r0, r1, …)`: tiles the tensor; sizes may add leading dims. */
export function repeat(x: Tensor, sizes: readonly number[]): Tensor {
  if (sizes.length < x.ndim) {
    throw new ShapeError(`repeat: number of repeat dims (${sizes.length}) cannot be smaller than the tensor's dims (${x.ndim})`);
  }
  const padded = [...new Array<number>(sizes.length - x.ndim).fill(1), ...x.shape];
  const interleaved: number[] = [];
  const expanded: number[] = [];
  for (let i = 0; i < sizes.length; i++) {
    interleaved.push(1, padded[i]!);
    expanded.push(sizes[i]!, padded[i]!);
  }
  const a = reshape(x, interleaved);
  const b = expand(a, expanded);
  const c = contiguousClone(b);
  const out = reshape(c, sizes.map((r, i) => r * padded[i]!));
  for (const t of [a, b, c]) t.dispose();
  return out;
}

function contiguousClone(x: Tensor): Tensor {
  const out = contiguousCopy(x);
  if (x.requiresGrad) recordOp("clone", [x], [out]);
  return out;
}

export function tile(x: Tensor, sizes: readonly number[]): Tensor {
  const full = sizes.length < x.ndim ? [...new Array<number>(x.ndim - sizes.length).fill(1), ...sizes] : sizes;
  return repeat(x, full);
}

/** Concatenates along an existing dim; dtypes promote, shapes must agree elsewhere. */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new ShapeError("cat: expected a non-empty list of tensors");
  // PyTorch skips 1-d empty tensors for backward compatibility.
  const parts = tensors.filter((t) => !(t.ndim === 1 && t.shape[0] === 0));
  if (parts.length === 0) return contiguousClone(tensors[0]!);
  const first = parts[0]!;
  const d = normalizeDim("cat", dim, first.ndim);
  const dtype = resultType(...parts);
  let total = 0;
  for (const t of parts) {
    sameDevice("cat", first, t);
    if (t.ndim !== first.ndim) {
      throw new ShapeError(`cat: tensors must have the same number of dims, got ${formatShape(first.shape)} and ${formatShape(t.shape)}`);
    }
    for (let i = 0; i < t.ndim; i++) {
      if (i !== d && t.shape[i] !== first.shape[i]) {
        throw new ShapeError(
          `cat: sizes must match except in dim ${d}; got ${formatShape(first.shape)} and ${formatShape(t.shape)} (dim ${i})`,
        );
      }
    }
    total += t.shape[d]!;
  }
  const shape = first.shape.slice();
  shape[d] = total;
  const out = emptyTensor(shape, dtype, first.device);
  const backend = out.backend;
  const inputs: Tensor[] = [];
  let start = 0;
  for (const t of parts) {
    const source = t.dtype === dtype ? t : cast(t, dtype);
    inputs.push(source);
    const length = t.shape[d]!;
    if (length > 0) {
      const regionShape = shape.slice();
      regionShape[d] = length;
      const region: View = { buffer: out.buffer, dtype, shape: regionShape, strides: out.strides, offset: start * out.strides[d]! };
      try {
        backend.copy(source, region);
      } catch (err) {
        backendFailure("cat", backend, err, source, region);
      }
    }
    start += length;
  }
  if (isFloatingPoint(dtype)) recordOp("cat", inputs, [out], { dim: d, sizes: parts.map((t) => t.shape[d]!) });
  for (let i = 0; i < parts.length; i++) if (inputs[i] !== parts[i]) inputs[i]!.dispose();
  return out;
}

export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new ShapeError("stack: expected a non-empty list of tensors");
  const first = tensors[0]!;
  for (const t of tensors) {
    if (!shapesEqual(t.shape, first.shape)) {
      throw new ShapeError(`stack: expects each tensor to be equal size, got ${formatShape(first.shape)} and ${formatShape(t.shape)}`);
    }
  }
  const d = normalizeDim("stack", dim, first.ndim, true);
  const expanded = tensors.map((t) => unsqueeze(t, d));
  const out = cat(expanded, d);
  for (const t of expanded) t.dispose();
  return out;
}

export type PadMode = "constant" | "reflect" | "replicate" | "circular";

/**
 * Pads trailing dims like `F.pad`: `pads` = [left_last, right_last, left_prev, right_prev, …].
 * Negative pads crop.
 */
export function pad(x: Tensor, pads: readonly number[], mode: PadMode = "constant", value = 0): Tensor {
  x._check("pad");
  if (pads.length % 2 !== 0 || pads.length / 2 > x.ndim) {
    throw new ShapeError(`pad: expected an even number of pad sizes covering at most ${x.ndim} dims, got ${formatShape(pads)}`);
  }
  if (mode !== "constant") return padByIndex(x, pads, mode);
  // Crop first for negative pads, then pad the rest.
  let source = x;
  const shape = x.shape.slice();
  const before = new Array<number>(x.ndim).fill(0);
  for (let i = 0; i < pads.length / 2; i++) {
    const d = x.ndim - 1 - i;
    const lo = pads[2 * i]!;
    const hi = pads[2 * i + 1]!;
    const cropLo = Math.max(-lo, 0);
    const cropHi = Math.max(-hi, 0);
    if (cropLo || cropHi) {
      if (cropLo + cropHi > source.shape[d]!) throw new ShapeError(`pad: cropping ${cropLo + cropHi} exceeds dim ${d} of size ${source.shape[d]}`);
      const next = narrow(source, d, cropLo, source.shape[d]! - cropLo - cropHi);
      if (source !== x) source.dispose();
      source = next;
    }
    before[d] = Math.max(lo, 0);
    shape[d] = source.shape[d]! + Math.max(lo, 0) + Math.max(hi, 0);
  }
  const out = emptyTensor(shape, x.dtype, x.device);
  const backend = out.backend;
  try {
    backend.fill(out, x.dtype === "int64" ? BigInt(Math.trunc(value)) : x.dtype === "bool" ? value !== 0 : value);
    let offset = 0;
    for (let d = 0; d < x.ndim; d++) offset += before[d]! * out.strides[d]!;
    if (source.numel() > 0) {
      backend.copy(source, { buffer: out.buffer, dtype: x.dtype, shape: source.shape, strides: out.strides, offset });
    }
  } catch (err) {
    backendFailure("pad", backend, err, source, out);
  }
  if (source.requiresGrad && isFloatingPoint(x.dtype)) recordOp("pad", [source], [out], { before, inputShape: source.shape });
  if (source !== x) source.dispose();
  return out;
}

function padByIndex(x: Tensor, pads: readonly number[], mode: PadMode): Tensor {
  // Builds an index per padded dim and gathers with indexSelect (differentiable, any backend).
  let result = x;
  for (let i = 0; i < pads.length / 2; i++) {
    const d = x.ndim - 1 - i;
    const lo = pads[2 * i]!;
    const hi = pads[2 * i + 1]!;
    if (lo === 0 && hi === 0) continue;
    const n = result.shape[d]!;
    if (mode === "reflect" && (lo >= n || hi >= n)) {
      throw new ShapeError(`pad: reflect padding (${lo}, ${hi}) must be smaller than the dim size ${n} (dim ${d})`);
    }
    const indices: number[] = [];
    for (let j = -lo; j < n + hi; j++) {
      let k = j;
      if (mode === "reflect") {
        const period = 2 * (n - 1);
        k = period === 0 ? 0 : ((k % period) + period) % period;
        if (k >= n) k = period - k;
      } else if (mode === "replicate") k = Math.min(Math.max(k, 0), n - 1);
      else k = ((k % n) + n) % n;
      indices.push(k);
    }
    const index = emptyTensor([indices.length], "int64", x.device);
    index.backend.write(index.buffer, "int64", BigInt64Array.from(indices, (v) => BigInt(v)), 0);
    const next = indexSelect(result, d, index);
    index.dispose();
    if (result !== x) result.dispose();
    result = next;
  }
  return result === x ? contiguousClone(x) : result;
}

