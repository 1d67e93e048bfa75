/**
 * conv2d and its two gradients as direct loops (no im2col buffer), on dense float views.
 *
 * - forward: one invocation per output pixel and block of 4 output channels, so each input
 *   value read serves 4 channels;
 * - input gradient: one invocation per input pixel and block of 4 input channels, gathering
 *   every (output pixel, tap) that read it: no atomics, deterministic;
 * - weight gradient: one workgroup per (output channel, input channel) pair, its invocations
 *   splitting the sum over batch and output pixels for every kernel tap at once, then adding
 *   the partial sums in workgroup memory.
 * Blocks fall back to 1 channel when a group's channel count is not a multiple of 4.
 */
import type { Conv2dParams, View } from "@trek/tensor";
import type { GpuRuntime } from "../runtime.js";
import { groupsFor, globalIndexCode, MAIN_SIGNATURE } from "../wgsl/kernel-source.js";
import { dense, denseOutput } from "./staging.js";
import { word } from "../strided-layout.js";

const GROUP = 64;
const WEIGHT_GROUP = 64;
/** Kernel taps a weight-gradient invocation accumulates at once (7×7). */
const MAX_TAPS = 49;

interface Geometry {
  n: number;
  c: number;
  h: number;
  w: number;
  o: number;
  kh: number;
  kw: number;
  oh: number;
  ow: number;
  groups: number;
  cg: number;
  og: number;
}

function geometry(x: readonly number[], weight: readonly number[], y: readonly number[], groups: number): Geometry {
  return {
    n: x[0]!,
    c: x[1]!,
    h: x[2]!,
    w: x[3]!,
    o: weight[0]!,
    kh: weight[2]!,
    kw: weight[3]!,
    oh: y[2]!,
    ow: y[3]!,
    groups,
    cg: weight[1]!,
    og: weight[0]! / groups,
  };
}

/** Uniform words shared by the three kernels (offsets appended by each). */
function geometryWords(g: Geometry, p: Conv2dParams): number[] {
  return [
    g.n, g.c, g.h, g.w, g.o, g.kh, g.kw, g.oh, g.ow, g.groups, g.cg, g.og,
    p.stride[0], p.stride[1], word(p.padding[0]), word(p.padding[1]), p.dilation[0], p.dilation[1],
  ];
}

const GEOMETRY_CODE = `
  let N = p(0u); let C = p(1u); let H = i32(p(2u)); let W = i32(p(3u));
  let O = p(4u); let KH = p(5u); let KW = p(6u); let OH = p(7u); let OW = p(8u);
  let CG = p(10u); let OG = p(11u);
  let SH = i32(p(12u)); let SW = i32(p(13u)); let PH = pi(14u); let PW = pi(15u);
  let DH = i32(p(16u)); let DW = i32(p(17u));`;
const OFFSETS_AT = 18;

export function conv2d(runtime: GpuRuntime, xIn: View, weightIn: View, biasIn: View | null, outView: View, params: Conv2dParams): void {
  const g = geometry(xIn.shape, weightIn.shape, outView.shape, params.groups);
  if (g.n * g.o * g.oh * g.ow === 0) return;
  const x = dense(runtime, xIn);
  const weight = dense(runtime, weightIn);
  const bias = biasIn ? dense(runtime, biasIn) : null;
  const out = denseOutput(runtime, outView);
  const block = g.og % 4 === 0 ? 4 : 1;
  const words = [...geometryWords(g, params), word(x.view.offset), word(weight.view.offset), word(bias?.view.offset ?? 0), word(out.view.offset)];
  const pixels = g.n * g.oh * g.ow;
  const operands = [
    { name: "x", view: x.view },
    { name: "w", view: weight.view },
    ...(bias ? [{ name: "bias", view: bias.view }] : []),
    { name: "out", view: out.view, write: true },
  ];
  const [gx, gy] = groupsFor(pixels, GROUP);
  runtime.run({
    key: `conv2d:b${block}:${bias ? "bias" : "nobias"}`,
    operands,
    params: Uint32Array.from(words),
    groups: [gx, gy, g.o / block],
    body: () => `
@compute @workgroup_size(${GROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  ${GEOMETRY_CODE}
  let pixel = (wid.y * nwg.x + wid.x) * ${GROUP}u + lid;
  if (pixel >= N * OH * OW) { return; }
  let ow = pixel % OW;
  let oh = (pixel / OW) % OH;
  let n = pixel / (OW * OH);
  let o0 = wid.z * ${block}u;
  let grp = o0 / OG;
  let xo = pi(${OFFSETS_AT}u);
  let wo = pi(${OFFSETS_AT + 1}u);
  var acc: array<f32, ${block}>;
  for (var c = 0u; c < CG; c = c + 1u) {
    let xPlane = xo + i32((n * C + grp * CG + c) * u32(H * W));
    for (var i = 0u; i < KH; i = i + 1u) {
      let ih = i32(oh) * SH - PH + i32(i) * DH;
      if (ih < 0i || ih >= H) { continue; }
      for (var j = 0u; j < KW; j = j + 1u) {
        let iw = i32(ow) * SW - PW + i32(j) * DW;
        if (iw < 0i || iw >= W) { continue; }
        let xv = ld_x(u32(xPlane + ih * W + iw));
        for (var b = 0u; b < ${block}u; b = b + 1u) {
          acc[b] = fma(xv, ld_w(u32(wo + i32((((o0 + b) * CG + c) * KH + i) * KW + j))), acc[b]);
        }
      }
    }
  }
  for (var b = 0u; b < ${block}u; b = b + 1u) {
    ${bias ? `let value = acc[b] + ld_bias(u32(pi(${OFFSETS_AT + 2}u) + i32(o0 + b)));` : "let value = acc[b];"}
    st_out(u32(pi(${OFFSETS_AT + 3}u) + i32(((n * O + o0 + b) * OH + oh) * OW + ow)), value);
  }
}`,
  });
  out.finish();
  x.release();
  weight.release();
  bias?.release();
}

export function conv2dBackwardInput(runtime: GpuRuntime, dyIn: View, weightIn: View, dxView: View, params: Conv2dParams): void {
  const g = geometry(dxView.shape, weightIn.shape, dyIn.shape, params.groups);
  if (g.n * g.c * g.h * g.w === 0) return;
  const dy = dense(runtime, dyIn);
  const weight = dense(runtime, weightIn);
  const dx = denseOutput(runtime, dxView);
  const block = g.cg % 4 === 0 ? 4 : 1;
  const words = [...geometryWords(g, params), word(dy.view.offset), word(weight.view.offset), word(dx.view.offset)];
  const pixels = g.n * g.h * g.w;
  const [gx, gy] = groupsFor(pixels, GROUP);
  runtime.run({
    key: `conv2dBackwardInput:b${block}`,
    operands: [
      { name: "dy", view: dy.view },
      { name: "w", view: weight.view },
      { name: "dx", view: dx.view, write: true },
    ],
    params: Uint32Array.from(words),
    groups: [gx, gy, g.c / block],
    body: () => `
@compute @workgroup_size(${GROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  ${GEOMETRY_CODE}
  let pixel = (wid.y * nwg.x + wid.x) * ${GROUP}u + lid;
  if (pixel >= N * u32(H * W)) { return; }
  let iw = i32(pixel % u32(W));
  let ih = i32((pixel / u32(W)) % u32(H));
  let n = pixel / u32(H * W);
  let c0 = wid.z * ${block}u;
  let grp = c0 / CG;
  let cl = c0 % CG;
  let yo = pi(${OFFSETS_AT}u);
  let wo = pi(${OFFSETS_AT + 1}u);
  var acc: array<f32, ${block}>;
  for (var i = 0u; i < KH; i = i + 1u) {
    let th = ih + PH - i32(i) * DH;
    if (th < 0i || th % SH != 0i) { continue; }
    let oh = th / SH;
    if (oh >= i32(OH)) { continue; }
    for (var j = 0u; j < KW; j = j + 1u) {
      let tw = iw + PW - i32(j) * DW;
      if (tw < 0i || tw % SW != 0i) { continue; }
      let ow = tw / SW;
      if (ow >= i32(OW)) { continue; }
      for (var q = 0u; q < OG; q = q + 1u) {
        let o = grp * OG + q;
        let g = ld_dy(u32(yo + i32(((n * O + o) * OH + u32(oh)) * OW + u32(ow))));
        for (var b = 0u; b < ${block}u; b = b + 1u) {
          acc[b] = fma(g, ld_w(u32(wo + i32(((o * CG + cl + b) * KH + i) * KW + j))), acc[b]);
        }
      }
    }
  }
  for (var b = 0u; b < ${block}u; b = b + 1u) {
    st_dx(u32(pi(${OFFSETS_AT + 2}u) + i32(((n * C + c0 + b) * u32(H) + u32(ih)) * u32(W) + u32(iw))), acc[b]);
  }
}`,
  });
  dx.finish();
  dy.release();
  weight.release();
}

export function conv2dBackwardWeight(runtime: GpuRuntime, dyIn: View, xIn: View, dwView: View, params: Conv2dParams): void {
  const g = geometry(xIn.shape, dwView.shape, dyIn.shape, params.groups);
  const taps = g.kh * g.kw;
  if (g.o * g.cg * taps === 0) return;
  const dy = dense(runtime, dyIn);
  const x = dense(runtime, xIn);
  const dw = denseOutput(runtime, dwView);
  // Large kernels: one workgroup per tap instead of all taps at once.
  const perTap = taps > MAX_TAPS;
  const tapsHeld = perTap ? 1 : taps;
  const words = [...geometryWords(g, params), word(dy.view.offset), word(x.view.offset), word(dw.view.offset)];
  const pairs = g.o * g.cg;
  const [gx, gy] = groupsFor(pairs, 1);
  runtime.run({
    key: `conv2dBackwardWeight:t${tapsHeld}:${perTap ? "tap" : "all"}`,
    operands: [
      { name: "dy", view: dy.view },
      { name: "x", view: x.view },
      { name: "dw", view: dw.view, write: true },
    ],
    params: Uint32Array.from(words),
    groups: [gx, gy, perTap ? taps : 1],
    body: () => `
var<workgroup> partial: array<array<f32, ${tapsHeld}>, ${WEIGHT_GROUP}>;
@compute @workgroup_size(${WEIGHT_GROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  ${GEOMETRY_CODE}
  let pair = wid.y * nwg.x + wid.x;
  if (pair >= O * CG) { return; }
  let o = pair / CG;
  let cl = pair % CG;
  let c = (o / OG) * CG + cl;
  let firstTap = ${perTap ? "wid.z" : "0u"};
  let yo = pi(${OFFSETS_AT}u);
  let xo = pi(${OFFSETS_AT + 1}u);
  var acc: array<f32, ${tapsHeld}>;
  let total = N * OH * OW;
  for (var s = lid; s < total; s = s + ${WEIGHT_GROUP}u) {
    let ow = s % OW;
    let oh = (s / OW) % OH;
    let n = s / (OW * OH);
    let g = ld_dy(u32(yo + i32(((n * O + o) * OH + oh) * OW + ow)));
    let xPlane = xo + i32((n * C + c) * u32(H * W));
    for (var t = 0u; t < ${tapsHeld}u; t = t + 1u) {
      let tap = firstTap + t;
      let ih = i32(oh) * SH - PH + i32(tap / KW) * DH;
      let iw = i32(ow) * SW - PW + i32(tap % KW) * DW;
      if (ih >= 0i && ih < H && iw >= 0i && iw < W) { acc[t] = fma(g, ld_x(u32(xPlane + ih * W + iw)), acc[t]); }
    }
  }
  for (var t = 0u; t < ${tapsHeld}u; t = t + 1u) { partial[lid][t] = acc[t]; }
  workgroupBarrier();
  for (var span = ${WEIGHT_GROUP / 2}u; span > 0u; span = span >> 1u) {
    if (lid < span) {
      for (var t = 0u; t < ${tapsHeld}u; t = t + 1u) { partial[lid][t] = partial[lid][t] + partial[lid + span][t]; }
    }
    workgroupBarrier();
  }
  if (lid < ${tapsHeld}u) {
    let tap = firstTap + lid;
    st_dw(u32(pi(${OFFSETS_AT + 2}u) + i32((o * CG + cl) * KH * KW + tap)), partial[0][lid]);
  }
}`,
  });
  dw.finish();
  dy.release();
  x.release();
}
