/**
 * gather, indexSelect and scatter (set / add) over strided views with int32 or int64 indices.
 *
 * A shader cannot throw: an index outside [0, size) makes gather/indexSelect write 0 and
 * scatter skip the element (the CPU backend raises an IndexError instead; validating on the GPU
 * would need a synchronous readback).
 *
 * scatter runs as a gather when that is cheap: each output element scans the index entries that
 * could land on it, so duplicates resolve exactly as on the CPU (last write wins, sums in index
 * order). When that scan would be long (a big output times a long index dim), float32 and int32
 * adds use atomics (float32 through a compare-exchange loop) and sets write directly, so among
 * duplicate indices any one value may win.
 */
import type { View } from "@trek/tensor";
import type { GpuRuntime } from "../runtime.js";
import { storageFormat, type ComputeFamily } from "../storage-format.js";
import { collapseDims, numelOf, word } from "../strided-layout.js";
import { MAX_RANK } from "../primitives/map-kernel.js";
import { groupsFor, globalIndexCode, MAIN_SIGNATURE } from "../wgsl/kernel-source.js";

const GROUP = 64;
/** Output elements × index length above which scatter stops scanning and writes directly. */
const SCAN_LIMIT = 1 << 24;

/** WGSL reading index element `at` as i32, or -1 when it cannot be a valid position. */
function indexValue(index: View, at: string): string {
  return storageFormat(index.dtype).family === "int64"
    ? `index_of(ld_idx(${at}))`
    : `ld_idx(${at})`;
}

const INDEX_OF = `
fn index_of(v: vec2<u32>) -> i32 { return select(-1i, bitcast<i32>(v.x), v.y == 0u && v.x < 0x80000000u); }`;

function zero(family: ComputeFamily): string {
  return family === "float" ? "0.0" : family === "int" ? "0i" : "vec2<u32>(0u, 0u)";
}

const pad = (values: number[]): number[] => [...values, ...new Array<number>(MAX_RANK - values.length).fill(0)];

/** out[i] = x[i with `dim` replaced by index[i]] for every position i of `index`/`out`. */
export function gather(runtime: GpuRuntime, x: View, dim: number, index: View, out: View): void {
  const numel = numelOf(out.shape);
  if (numel === 0) return;
  const xStrides = x.strides.map((s, i) => (i === dim ? 0 : s));
  const collapsed = collapseDims(out.shape, [index.strides, out.strides, xStrides]);
  const rank = collapsed.shape.length;
  if (rank > MAX_RANK) throw new RangeError(`gather supports at most ${MAX_RANK} non-mergeable dims`);
  const words = [
    numel, rank, word(index.offset), word(out.offset), word(x.offset), x.shape[dim] ?? 1, word(x.strides[dim] ?? 0),
    ...pad(collapsed.shape), ...collapsed.strides.flatMap((s) => pad(s.map(word))),
  ];
  const SHAPE = 7;
  const family = storageFormat(out.dtype).family;
  runtime.run({
    key: "gather",
    operands: [
      { name: "x", view: x },
      { name: "idx", view: index },
      { name: "out", view: out, write: true },
    ],
    params: Uint32Array.from(words),
    groups: groupsFor(numel, GROUP),
    body: () => `${INDEX_OF}
@compute @workgroup_size(${GROUP})
${MAIN_SIGNATURE} {
  let gid = ${globalIndexCode(GROUP)};
  if (gid >= p(0u)) { return; }
  var oi = pi(2u);
  var oo = pi(3u);
  var ox = pi(4u);
  var rem = gid;
  for (var d = i32(p(1u)) - 1i; d >= 0i; d = d - 1i) {
    let size = p(${SHAPE}u + u32(d));
    let c = i32(rem % size);
    rem = rem / size;
    oi = oi + c * pi(${SHAPE + MAX_RANK}u + u32(d));
    oo = oo + c * pi(${SHAPE + 2 * MAX_RANK}u + u32(d));
    ox = ox + c * pi(${SHAPE + 3 * MAX_RANK}u + u32(d));
  }
  let j = ${indexValue(index, "u32(oi)")};
  if (j < 0i || j >= i32(p(5u))) {
    st_out(u32(oo), ${zero(family)});
  } else {
    raw_st_out(u32(oo), raw_ld_x(u32(ox + j * pi(6u))));
  }
}`,
  });
}

/** out = x.indexSelect(dim, index) for a 1-d index: a gather with the index broadcast. */
export function indexSelect(runtime: GpuRuntime, x: View, dim: number, index: View, out: View): void {
  const broadcast: View = {
    buffer: index.buffer,
    dtype: index.dtype,
    shape: out.shape,
    strides: out.shape.map((_, i) => (i === dim ? (index.strides[0] ?? 0) : 0)),
    offset: index.offset,
  };
  gather(runtime, x, dim, broadcast, out);
}

/** In place: out[index[i] along dim] (=|+=) src[i] for every position i of `index`. */
export function scatter(runtime: GpuRuntime, out: View, dim: number, index: View, src: View, reduce: "set" | "add"): void {
  const rank = out.shape.length;
  const indexNumel = numelOf(index.shape);
  if (indexNumel === 0 || numelOf(out.shape) === 0) return;
  if (rank > MAX_RANK) throw new RangeError(`scatter supports at most ${MAX_RANK} dims`);
  const scanCost = numelOf(out.shape) * (index.shape[dim] ?? 1);
  const atomicAdd = reduce === "add" && (out.dtype === "float32" || out.dtype === "int32");
  if (scanCost > SCAN_LIMIT && (reduce === "set" || atomicAdd)) scatterDirect(runtime, out, dim, index, src, reduce);
  else scatterScan(runtime, out, dim, index, src, reduce);
}

function scatterScan(runtime: GpuRuntime, out: View, dim: number, index: View, src: View, reduce: "set" | "add"): void {
  const rank = out.shape.length;
  const numel = numelOf(out.shape);
  const words = [
    numel, rank, dim, word(out.offset), word(index.offset), word(src.offset),
    ...pad([...out.shape]), ...pad([...index.shape]),
    ...pad(out.strides.map(word)), ...pad(index.strides.map(word)), ...pad(src.strides.map(word)),
  ];
  const OUT_SHAPE = 6;
  const INDEX_SHAPE = OUT_SHAPE + MAX_RANK;
  const OUT_STRIDES = INDEX_SHAPE + MAX_RANK;
  const INDEX_STRIDES = OUT_STRIDES + MAX_RANK;
  const SRC_STRIDES = INDEX_STRIDES + MAX_RANK;
  const family = storageFormat(out.dtype).family;
  const add = family === "int64" ? "i64_add(ld_out(u32(oo)), acc)" : "ld_out(u32(oo)) + acc";
  runtime.run({
    key: `scatter.${reduce}:scan`,
    operands: [
      { name: "idx", view: index },
      { name: "src", view: src },
      { name: "out", view: out, write: true },
    ],
    params: Uint32Array.from(words),
    groups: groupsFor(numel, GROUP),
    snippets: family === "int64" ? ["i64_basic"] : [],
    body: () => `${INDEX_OF}
@compute @workgroup_size(${GROUP})
${MAIN_SIGNATURE} {
  let gid = ${globalIndexCode(GROUP)};
  if (gid >= p(0u)) { return; }
  let dim = i32(p(2u));
  var oo = pi(3u);
  var io = pi(4u);
  var so = pi(5u);
  var along = 0i;
  var covered = true;
  var rem = gid;
  for (var d = i32(p(1u)) - 1i; d >= 0i; d = d - 1i) {
    let size = p(${OUT_SHAPE}u + u32(d));
    let c = rem % size;
    rem = rem / size;
    oo = oo + i32(c) * pi(${OUT_STRIDES}u + u32(d));
    if (d == dim) {
      along = i32(c);
    } else {
      if (c >= p(${INDEX_SHAPE}u + u32(d))) { covered = false; }
      io = io + i32(c) * pi(${INDEX_STRIDES}u + u32(d));
      so = so + i32(c) * pi(${SRC_STRIDES}u + u32(d));
    }
  }
  if (!covered) { return; }
  let length = p(${INDEX_SHAPE}u + u32(dim));
  let indexStep = pi(${INDEX_STRIDES}u + u32(dim));
  let srcStep = pi(${SRC_STRIDES}u + u32(dim));
${
  reduce === "set"
    ? `  var last = -1i;
  for (var i = 0u; i < length; i = i + 1u) {
    if (${indexValue(index, "u32(io + i32(i) * indexStep)")} == along) { last = i32(i); }
  }
  if (last >= 0i) { raw_st_out(u32(oo), raw_ld_src(u32(so + last * srcStep))); }`
    : `  var acc = ${zero(family)};
  var hit = false;
  for (var i = 0u; i < length; i = i + 1u) {
    if (${indexValue(index, "u32(io + i32(i) * indexStep)")} == along) {
      acc = ${family === "int64" ? "i64_add(acc, ld_src(u32(so + i32(i) * srcStep)))" : "acc + ld_src(u32(so + i32(i) * srcStep))"};
      hit = true;
    }
  }
  if (hit) { st_out(u32(oo), ${add}); }`
}
}`,
  });
}

function scatterDirect(runtime: GpuRuntime, out: View, dim: number, index: View, src: View, reduce: "set" | "add"): void {
  const numel = numelOf(index.shape);
  const outStrides = out.strides.map((s, i) => (i === dim ? 0 : s));
  const collapsed = collapseDims(index.shape, [index.strides, src.strides, outStrides]);
  const rank = collapsed.shape.length;
  const words = [
    numel, rank, word(index.offset), word(src.offset), word(out.offset), out.shape[dim] ?? 1, word(out.strides[dim] ?? 0),
    ...pad(collapsed.shape), ...collapsed.strides.flatMap((s) => pad(s.map(word))),
  ];
  const SHAPE = 7;
  const atomic = reduce === "add";
  const update = !atomic
    ? "raw_st_out(u32(dest), raw_ld_src(u32(os)));"
    : out.dtype === "int32"
      ? "atomicAdd(&atomic_out[u32(dest)], ld_src(u32(os)));"
      : `{
      let addend = ld_src(u32(os));
      var old = atomicLoad(&atomic_out[u32(dest)]);
      loop {
        let swapped = atomicCompareExchangeWeak(&atomic_out[u32(dest)], old, bitcast<u32>(bitcast<f32>(old) + addend));
        if (swapped.exchanged) { break; }
        old = swapped.old_value;
      }
    }`;
  runtime.run({
    key: `scatter.${reduce}:direct`,
    operands: [
      { name: "idx", view: index },
      { name: "src", view: src },
      { name: "out", view: out, write: true, atomic },
    ],
    params: Uint32Array.from(words),
    groups: groupsFor(numel, GROUP),
    body: () => `${INDEX_OF}
@compute @workgroup_size(${GROUP})
${MAIN_SIGNATURE} {
  let gid = ${globalIndexCode(GROUP)};
  if (gid >= p(0u)) { return; }
  var oi = pi(2u);
  var os = pi(3u);
  var oo = pi(4u);
  var rem = gid;
  for (var d = i32(p(1u)) - 1i; d >= 0i; d = d - 1i) {
    let size = p(${SHAPE}u + u32(d));
    let c = i32(rem % size);
    rem = rem / size;
    oi = oi + c * pi(${SHAPE + MAX_RANK}u + u32(d));
    os = os + c * pi(${SHAPE + 2 * MAX_RANK}u + u32(d));
    oo = oo + c * pi(${SHAPE + 3 * MAX_RANK}u + u32(d));
  }
  let j = ${indexValue(index, "u32(oi)")};
  if (j < 0i || j >= i32(p(5u))) { return; }
  let dest = oo + j * pi(6u);
  ${update}
}`,
  });
}
