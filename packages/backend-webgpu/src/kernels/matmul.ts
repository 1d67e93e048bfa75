/**
 * Batched matmul over strided views (transposed operands are just strides; batch dims may
 * broadcast with stride 0). Float dtypes, float32 accumulation.
 *
 * Two register-blocked variants, 4×4 outputs per invocation:
 * - "registers": each invocation streams its rows of A and columns of B from memory. On CPU
 *   adapters (lavapipe, SwiftShader) this is the fast one: caches do the tiling, and workgroup
 *   barriers are expensive there.
 * - "tiled": 64×64 output tiles staged through workgroup memory in K-steps of 16, the classic
 *   GPU layout that saves memory bandwidth on real GPUs.
 * Columns an invocation owns are interleaved (n, n+16, n+32, n+48 in a tile) so that
 * neighbouring invocations read neighbouring elements of B and C.
 */
import type { View } from "@trek/tensor";
import type { GpuRuntime } from "../runtime.js";
import { collapseDims, numelOf, word } from "../strided-layout.js";
import { MAX_RANK } from "../primitives/map-kernel.js";

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
