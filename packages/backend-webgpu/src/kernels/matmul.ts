/**
 * Batched matmul over strided views (transposed operands are just strides; batch dims may
 * broadcast with stride 0). Float dtypes, float32 accumulation.
 *
 * Two register-blocked layouts:
 * - "registers", for CPU adapters (lavapipe, SwiftShader), where invocations are SIMD lanes and
 *   workgroup barriers are expensive: a workgroup owns 8 rows, so every load of A is the same
 *   address for all lanes (one scalar load, broadcast), and each invocation owns 4 adjacent
 *   columns read from B as one vec4. B is first packed row-major with rows padded to 4 floats
 *   when its layout does not allow that (a copy of K×N elements, small next to M×N×K work).
 *   float16/bfloat16 use the general strided form of this layout (4×4 outputs per invocation).
 * - "tiled", for GPUs: 64×64 output tiles staged through workgroup memory in K-steps of 16, 4×4
 *   outputs per invocation, columns interleaved (n, n+16, n+32, n+48) so that neighbouring
 *   invocations read neighbouring elements.
 */
import type { View } from "@trek/tensor";
import type { GpuRuntime } from "../runtime.js";
import { collapseDims, contiguousStrides, numelOf, word } from "../strided-layout.js";
import { MAX_RANK } from "../primitives/map-kernel.js";
import { copy, fill } from "../primitives/elementwise.js";
import { temporary, viewAs } from "./staging.js";

export type MatmulVariant = "registers" | "tiled";

const TILE = 64;
const K_STEP = 16;
const MAX_BATCH_GROUPS = 65535;

export function matmul(runtime: GpuRuntime, a: View, b: View, out: View, variant: MatmulVariant): void {
  const nd = out.shape.length;
  const M = out.shape[nd - 2]!;
  const N = out.shape[nd - 1]!;
  const K = a.shape[nd - 1]!;
  const batchShape = out.shape.slice(0, nd - 2);
  const batch = numelOf(batchShape);
  if (M === 0 || N === 0 || batch === 0) return;
  if (variant === "registers" && a.dtype === "float32" && b.dtype === "float32" && out.dtype === "float32") {
    matmulPacked(runtime, a, b, out);
    return;
  }
  const collapsed = collapseDims(batchShape, [a.strides.slice(0, nd - 2), b.strides.slice(0, nd - 2), out.strides.slice(0, nd - 2)]);
  const rank = collapsed.shape.length;
  if (rank > MAX_RANK) throw new RangeError(`matmul supports at most ${MAX_RANK} non-mergeable batch dims`);
  const pad = (values: number[]): number[] => [...values, ...new Array<number>(MAX_RANK - values.length).fill(0)];
  const head = [
    M, N, K, rank,
    word(a.offset), word(b.offset), word(out.offset),
    word(a.strides[nd - 2]!), word(a.strides[nd - 1]!),
    word(b.strides[nd - 2]!), word(b.strides[nd - 1]!),
    word(out.strides[nd - 2]!), word(out.strides[nd - 1]!),
  ];
  const BATCH_BASE = head.length;
  const SHAPE = BATCH_BASE + 1;
  const STRIDES = SHAPE + MAX_RANK;
  const tail = [...pad(collapsed.shape), ...collapsed.strides.flatMap((s) => pad(s.map(word)))];
  const groupsX = Math.ceil(N / TILE);
  const groupsY = Math.ceil(M / TILE);
  for (let start = 0; start < batch; start += MAX_BATCH_GROUPS) {
    const count = Math.min(MAX_BATCH_GROUPS, batch - start);
    runtime.run({
      key: `matmul:${variant}`,
      operands: [
        { name: "a", view: a },
        { name: "b", view: b },
        { name: "out", view: out, write: true },
      ],
      params: Uint32Array.from([...head, start, ...tail]),
      groups: [groupsX, groupsY, count],
      body: () => (variant === "tiled" ? tiledBody(BATCH_BASE, SHAPE, STRIDES) : registersBody(BATCH_BASE, SHAPE, STRIDES)),
    });
  }
}

/** Offsets of this workgroup's batch entry in a, b and out. */
function batchOffsets(batchBase: number, shapeAt: number, stridesAt: number): string {
  return `
  var ao = pi(4u);
  var bo = pi(5u);
  var oo = pi(6u);
  var rem = wid.z + p(${batchBase}u);
  for (var d = i32(p(3u)) - 1i; d >= 0i; d = d - 1i) {
    let size = p(${shapeAt}u + u32(d));
    let c = i32(rem % size);
    rem = rem / size;
    ao = ao + c * pi(${stridesAt}u + u32(d));
    bo = bo + c * pi(${stridesAt + MAX_RANK}u + u32(d));
    oo = oo + c * pi(${stridesAt + 2 * MAX_RANK}u + u32(d));
  }`;
}

const STORE = `
  for (var i = 0u; i < 4u; i = i + 1u) {
    let m = m0 + i;
    if (m >= M) { break; }
    for (var j = 0u; j < 4u; j = j + 1u) {
      let n = n0 + j * 16u;
      if (n < N) { st_out(u32(oo + i32(m) * pi(11u) + i32(n) * pi(12u)), acc[i][j]); }
    }
  }`;

function registersBody(batchBase: number, shapeAt: number, stridesAt: number): string {
  return `
@compute @workgroup_size(16, 16, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let M = p(0u);
  let N = p(1u);
  let K = p(2u);
  ${batchOffsets(batchBase, shapeAt, stridesAt)}
  let m0 = wid.y * ${TILE}u + lid.y * 4u;
  let n0 = wid.x * ${TILE}u + lid.x;
  if (m0 >= M || n0 >= N) { return; }
  let ak = pi(8u);
  let bk = pi(9u);
  // Rows and columns past the edge read a valid neighbour; their results are never stored.
  var aRow: array<i32, 4>;
  var bCol: array<i32, 4>;
  for (var i = 0u; i < 4u; i = i + 1u) {
    aRow[i] = ao + i32(min(m0 + i, M - 1u)) * pi(7u);
    bCol[i] = bo + i32(min(n0 + i * 16u, N - 1u)) * pi(10u);
  }
  var acc: array<vec4<f32>, 4>;
  for (var k = 0u; k < K; k = k + 1u) {
    let ka = i32(k) * ak;
    let kb = i32(k) * bk;
    let bv = vec4<f32>(ld_b(u32(bCol[0] + kb)), ld_b(u32(bCol[1] + kb)), ld_b(u32(bCol[2] + kb)), ld_b(u32(bCol[3] + kb)));
    acc[0] = fma(vec4<f32>(ld_a(u32(aRow[0] + ka))), bv, acc[0]);
    acc[1] = fma(vec4<f32>(ld_a(u32(aRow[1] + ka))), bv, acc[1]);
    acc[2] = fma(vec4<f32>(ld_a(u32(aRow[2] + ka))), bv, acc[2]);
    acc[3] = fma(vec4<f32>(ld_a(u32(aRow[3] + ka))), bv, acc[3]);
  }
  ${STORE}
}`;
}

function tiledBody(batchBase: number, shapeAt: number, stridesAt: number): string {
  return `
var<workgroup> tileA: array<array<f32, ${TILE}>, ${K_STEP}>;
var<workgroup> tileB: array<array<f32, ${TILE}>, ${K_STEP}>;
@compute @workgroup_size(16, 16, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) flat: u32) {
  let M = p(0u);
  let N = p(1u);
  let K = p(2u);
  ${batchOffsets(batchBase, shapeAt, stridesAt)}
  let rowBase = wid.y * ${TILE}u;
  let colBase = wid.x * ${TILE}u;
  let m0 = rowBase + lid.y * 4u;
  let n0 = colBase + lid.x;
  var acc: array<vec4<f32>, 4>;
  for (var k0 = 0u; k0 < K; k0 = k0 + ${K_STEP}u) {
    // 256 invocations load a 64×16 slice of A and a 16×64 slice of B, 4 elements each.
    for (var e = 0u; e < 4u; e = e + 1u) {
      let index = flat + e * 256u;
      let r = index / ${K_STEP}u;
      let kk = index % ${K_STEP}u;
      let m = rowBase + r;
      let ka = k0 + kk;
      var va = 0.0;
      if (m < M && ka < K) { va = ld_a(u32(ao + i32(m) * pi(7u) + i32(ka) * pi(8u))); }
      tileA[kk][r] = va;
      let kb = k0 + index / ${TILE}u;
      let n = colBase + index % ${TILE}u;
      var vb = 0.0;
      if (n < N && kb < K) { vb = ld_b(u32(bo + i32(kb) * pi(9u) + i32(n) * pi(10u))); }
      tileB[index / ${TILE}u][index % ${TILE}u] = vb;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < ${K_STEP}u; kk = kk + 1u) {
      let bv = vec4<f32>(tileB[kk][lid.x], tileB[kk][lid.x + 16u], tileB[kk][lid.x + 32u], tileB[kk][lid.x + 48u]);
      acc[0] = fma(vec4<f32>(tileA[kk][lid.y * 4u]), bv, acc[0]);
      acc[1] = fma(vec4<f32>(tileA[kk][lid.y * 4u + 1u]), bv, acc[1]);
      acc[2] = fma(vec4<f32>(tileA[kk][lid.y * 4u + 2u]), bv, acc[2]);
      acc[3] = fma(vec4<f32>(tileA[kk][lid.y * 4u + 3u]), bv, acc[3]);
    }
    workgroupBarrier();
  }
  ${STORE}
}`;
}

/** Rows and columns per invocation of the packed layout (8×8 outputs, 16 vec4 loads per 4 k-steps). */
const BLOCK = 8;
const LANES = 8;

/** A zero-padded packed copy of a matrix view: [batch…, rows, cols4] row-major, cols rounded up to 4. */
function pack(runtime: GpuRuntime, v: View, batchKept: number[], rows: number, cols: number, colsPadded: number): ReturnType<typeof temporary> {
  const shape = [...batchKept, rows, colsPadded];
  const staged = temporary(runtime, "float32", shape);
  const strides = contiguousStrides(shape);
  if (colsPadded !== cols) fill(runtime, staged.view, 0);
  const region = [...batchKept, rows, cols];
  copy(runtime, viewAs(v, region), { buffer: staged.view.buffer, dtype: "float32", shape: region, strides, offset: 0 });
  return staged;
}

/**
 * Whether a float32 matrix view can be read as vec4 rows in place. With `ragged`, a row may end
 * inside its last vec4 when the rest of that vec4 is still inside the buffer: those extra
 * columns only feed outputs that are never stored (used for B, never for A, whose padding
 * would enter the sums).
 */
function packable(v: View, ragged: boolean): boolean {
  const nd = v.shape.length;
  const cols = v.shape[nd - 1]!;
  const rowStride = v.strides[nd - 2]!;
  if (v.strides[nd - 1] !== 1 || v.offset % 4 !== 0 || !v.strides.slice(0, nd - 1).every((s) => s % 4 === 0)) return false;
  if (cols % 4 === 0) return true;
  if (!ragged || rowStride < Math.ceil(cols / 4) * 4) return false;
  // the furthest element read: the last row's padded end
  let last = v.offset + Math.ceil(cols / 4) * 4;
  v.shape.slice(0, nd - 1).forEach((size, i) => (last += Math.max(size - 1, 0) * v.strides[i]!));
  return last <= (v.buffer as { numel: number }).numel;
}

/**
 * The "registers" layout for float32 (see the file comment): A and B are read as vec4 rows
 * (packed, zero-padded copies when their layout does not allow it), each invocation computes an
 * 8×8 block of C from 16 vec4 loads per 4 steps of k.
 */
function matmulPacked(runtime: GpuRuntime, a: View, b: View, out: View): void {
  const nd = out.shape.length;
  const M = out.shape[nd - 2]!;
  const N = out.shape[nd - 1]!;
  const K = a.shape[nd - 1]!;
  const K4 = Math.max(4, Math.ceil(K / 4) * 4);
  const N4 = Math.ceil(N / 4) * 4;
  const batchShape = out.shape.slice(0, nd - 2);
  const batch = numelOf(batchShape);
  const temps: ReturnType<typeof temporary>[] = [];
  // Operand layout after packing: strides in vec4 units, broadcast batch dims keep stride 0.
  const prepare = (v: View, cols: number, colsPadded: number, rows: number, ragged: boolean): { view: View; strides: number[]; offset: number } => {
    if (packable(v, ragged) && (ragged || cols === colsPadded)) {
      return { view: v, strides: v.strides.map((s) => s / 4), offset: v.offset / 4 };
    }
    const kept = batchShape.map((size, i) => (v.strides[i] === 0 ? 1 : size));
    const staged = pack(runtime, v, kept, rows, cols, colsPadded);
    temps.push(staged);
    const strides = contiguousStrides([...kept, rows, colsPadded]).map((s, i) => (i < nd - 2 && kept[i] === 1 ? 0 : s / 4));
    return { view: staged.view, strides, offset: 0 };
  };
  const A = prepare(a, K, K4, M, false);
  // B needs its rows padded to K4 as well when K is not a multiple of 4: pack it as [K4, N4].
  const B = K === K4 ? prepare(b, N, N4, K, true) : prepareRows(runtime, b, batchShape, K, K4, N, N4, temps);
  const collapsed = collapseDims(batchShape, [A.strides.slice(0, nd - 2), B.strides.slice(0, nd - 2), out.strides.slice(0, nd - 2)]);
  const rank = collapsed.shape.length;
  if (rank > MAX_RANK) throw new RangeError(`matmul supports at most ${MAX_RANK} non-mergeable batch dims`);
  const pad = (values: number[]): number[] => [...values, ...new Array<number>(MAX_RANK - values.length).fill(0)];
  const head = [
    M, N, K4 / 4, N4 / 4, rank,
    A.offset, B.offset, word(out.offset),
    A.strides[nd - 2]!, B.strides[nd - 2]!,
    word(out.strides[nd - 2]!), word(out.strides[nd - 1]!),
  ];
  const BATCH_BASE = head.length;
  const SHAPE = BATCH_BASE + 1;
  const STRIDES = SHAPE + MAX_RANK;
  const tail = [...pad(collapsed.shape), ...pad(collapsed.strides[0]!), ...pad(collapsed.strides[1]!), ...pad(collapsed.strides[2]!.map(word))];
  const tile = LANES * BLOCK;
  const rows = Array.from({ length: BLOCK }, (_, r) => r);
  const ks = [0, 1, 2, 3];
  const lanes = ["x", "y", "z", "w"];
  for (let start = 0; start < batch; start += MAX_BATCH_GROUPS) {
    const count = Math.min(MAX_BATCH_GROUPS, batch - start);
    runtime.run({
      key: "matmul:packed",
      operands: [
        { name: "a", view: A.view, vec4: true },
        { name: "b", view: B.view, vec4: true },
        { name: "out", view: out, write: true },
      ],
      params: Uint32Array.from([...head, start, ...tail]),
      groups: [Math.ceil(N / tile), Math.ceil(M / tile), count],
      body: () => `
@compute @workgroup_size(${LANES}, ${LANES}, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let M = p(0u);
  let N = p(1u);
  let K4 = p(2u);
  let NV = p(3u);
  var ao = i32(p(5u));
  var bo = i32(p(6u));
  var oo = pi(7u);
  var rem = wid.z + p(${BATCH_BASE}u);
  for (var d = i32(p(4u)) - 1i; d >= 0i; d = d - 1i) {
    let size = p(${SHAPE}u + u32(d));
    let c = i32(rem % size);
    rem = rem / size;
    ao = ao + c * pi(${STRIDES}u + u32(d));
    bo = bo + c * pi(${STRIDES + MAX_RANK}u + u32(d));
    oo = oo + c * pi(${STRIDES + 2 * MAX_RANK}u + u32(d));
  }
  let m0 = wid.y * ${tile}u + lid.y * ${BLOCK}u;
  let v0 = wid.x * ${tile / 4}u + lid.x * 2u;
  let aRow = i32(p(8u));
  let bRow = i32(p(9u));
  // Rows and columns past the edge read valid neighbours (no early exit keeps all lanes active).
${rows.map((r) => `  let a${r} = ao + i32(min(m0 + ${r}u, M - 1u)) * aRow;`).join("\n")}
  let b0 = bo + i32(min(v0, NV - 1u));
  let b1 = bo + i32(min(v0 + 1u, NV - 1u));
${rows.map((r) => `  var c${r}0 = vec4<f32>(0.0);\n  var c${r}1 = vec4<f32>(0.0);`).join("\n")}
  for (var k = 0u; k < K4; k = k + 1u) {
${rows.map((r) => `    let x${r} = ld4_a(u32(a${r} + i32(k)));`).join("\n")}
    let kb = i32(k) * 4i * bRow;
${ks
  .map(
    (kk) => `    {
      let y0 = ld4_b(u32(b0 + kb + ${kk}i * bRow));
      let y1 = ld4_b(u32(b1 + kb + ${kk}i * bRow));
${rows.map((r) => `      c${r}0 = c${r}0 + x${r}.${lanes[kk]} * y0;\n      c${r}1 = c${r}1 + x${r}.${lanes[kk]} * y1;`).join("\n")}
    }`,
  )
  .join("\n")}
  }
  let n0 = v0 * 4u;
${rows
  .map(
    (r) => `  if (m0 + ${r}u < M) {
    let o = oo + i32(m0 + ${r}u) * pi(10u);
${[0, 1]
  .flatMap((h) => lanes.map((l, c) => `    if (n0 + ${h * 4 + c}u < N) { st_out(u32(o + i32(n0 + ${h * 4 + c}u) * pi(11u)), c${r}${h}.${l}); }`))
  .join("\n")}
  }`,
  )
  .join("\n")}
}`,
    });
  }
  for (const t of temps) t.release();
}

/** B packed as [batch…, K4, N4] with zero rows past K (so padded k contributes nothing). */
function prepareRows(
  runtime: GpuRuntime,
  b: View,
  batchShape: number[],
  K: number,
  K4: number,
  N: number,
  N4: number,
  temps: ReturnType<typeof temporary>[],
): { view: View; strides: number[]; offset: number } {
  const nd = b.shape.length;
  const kept = batchShape.map((size, i) => (b.strides[i] === 0 ? 1 : size));
  const shape = [...kept, K4, N4];
  const staged = temporary(runtime, "float32", shape);
  temps.push(staged);
  const strides = contiguousStrides(shape);
  fill(runtime, staged.view, 0);
  const region = [...kept, K, N];
  copy(runtime, viewAs(b, region), { buffer: staged.view.buffer, dtype: "float32", shape: region, strides, offset: 0 });
  return { view: staged.view, strides: strides.map((s, i) => (i < nd - 2 && kept[i] === 1 ? 0 : s / 4)), offset: 0 };
}
