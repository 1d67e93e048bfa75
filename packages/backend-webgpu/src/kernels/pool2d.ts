/**
 * 2-d max and average pooling and their gradients on dense [N, C, H, W] views. The gradients
 * are gathers (one invocation per input element collecting the windows that cover it), so
 * overlapping windows need no atomics and results are deterministic.
 */
import type { Pool2dParams, View } from "@trek/tensor";
import type { GpuRuntime } from "../runtime.js";
import { storageFormat } from "../storage-format.js";
import { groupsFor, globalIndexCode, MAIN_SIGNATURE } from "../wgsl/kernel-source.js";
import { dense, denseOutput } from "./staging.js";
import { word } from "../strided-layout.js";

const GROUP = 64;

function words(x: readonly number[], y: readonly number[], p: Pool2dParams, offsets: number[]): number[] {
  return [
    x[0]! * x[1]!, x[2]!, x[3]!, y[2]!, y[3]!,
    p.kernelSize[0], p.kernelSize[1], p.stride[0], p.stride[1],
    word(p.padding[0]), word(p.padding[1]), p.dilation[0], p.dilation[1], p.countIncludePad ? 1 : 0,
    ...offsets.map(word),
  ];
}

const GEOMETRY = `
  let planes = p(0u); let H = i32(p(1u)); let W = i32(p(2u)); let OH = i32(p(3u)); let OW = i32(p(4u));
  let KH = i32(p(5u)); let KW = i32(p(6u)); let SH = i32(p(7u)); let SW = i32(p(8u));
  let PH = pi(9u); let PW = pi(10u); let DH = i32(p(11u)); let DW = i32(p(12u)); let includePad = p(13u) == 1u;`;
const OFFSETS = 14;

/** Stores a plane index into an int32 or int64 index tensor. */
function indexStore(indexDType: string): (at: string, value: string) => string {
  return storageFormat(indexDType as "int32").family === "int64"
    ? (at, value) => `st_idx(${at}, i64_from_i32(${value}));`
    : (at, value) => `st_idx(${at}, ${value});`;
}

/** `indicesView` null (no gradient needed): a variant of the kernel that stores the values only. */
export function maxPool2d(runtime: GpuRuntime, xIn: View, valuesView: View, indicesView: View | null, params: Pool2dParams): void {
  const count = valuesView.shape.reduce((a, b) => a * b, 1);
  if (count === 0) return;
  const x = dense(runtime, xIn);
  const values = denseOutput(runtime, valuesView);
  const indices = indicesView ? denseOutput(runtime, indicesView) : null;
  const store = indicesView ? indexStore(indicesView.dtype) : () => "";
  const offsets = [x.view.offset, values.view.offset];
  if (indices) offsets.push(indices.view.offset);
  runtime.run({
    key: indices ? "maxPool2d" : "maxPool2dValues",
    operands: [
      { name: "x", view: x.view },
      { name: "out", view: values.view, write: true },
      ...(indices ? [{ name: "idx", view: indices.view, write: true }] : []),
    ],
    params: Uint32Array.from(words(xIn.shape, valuesView.shape, params, offsets)),
    groups: groupsFor(count, GROUP),
    snippets: ["i64_basic"],
    body: () => `
@compute @workgroup_size(${GROUP})
${MAIN_SIGNATURE} {
  ${GEOMETRY}
  let gid = ${globalIndexCode(GROUP)};
  if (gid >= planes * u32(OH * OW)) { return; }
  let s = i32(gid % u32(OW));
  let r = i32((gid / u32(OW)) % u32(OH));
  let plane = gid / u32(OH * OW);
  let xPlane = pi(${OFFSETS}u) + i32(plane) * H * W;
  var best = -f32_inf();
  var bestIndex = -1i;
  for (var i = 0i; i < KH; i = i + 1i) {
    let ih = r * SH - PH + i * DH;
    if (ih < 0i || ih >= H) { continue; }
    for (var j = 0i; j < KW; j = j + 1i) {
      let iw = s * SW - PW + j * DW;
      if (iw < 0i || iw >= W) { continue; }
      let v = ld_x(u32(xPlane + ih * W + iw));
      // NaN wins over numbers; the first of equal maxima wins.
      if (v > best || bestIndex < 0i || (is_nan(v) && !is_nan(best))) {
        best = v;
        bestIndex = ih * W + iw;
      }
    }
  }
  st_out(u32(pi(${OFFSETS + 1}u) + i32(gid)), best);
  ${store(`u32(pi(${OFFSETS + 2}u) + i32(gid))`, "bestIndex")}
}`,
  });
  values.finish();
  indices?.finish();
  x.release();
}

export function maxPool2dBackward(runtime: GpuRuntime, dyIn: View, indicesIn: View, dxView: View, params: Pool2dParams): void {
  const count = dxView.shape.reduce((a, b) => a * b, 1);
  if (count === 0) return;
  const dy = dense(runtime, dyIn);
  const indices = dense(runtime, indicesIn);
  const dx = denseOutput(runtime, dxView);
  const wide = storageFormat(indicesIn.dtype).family === "int64";
  runtime.run({
    key: "maxPool2dBackward",
    operands: [
      { name: "dy", view: dy.view },
      { name: "idx", view: indices.view },
      { name: "dx", view: dx.view, write: true },
    ],
    params: Uint32Array.from(words(dxView.shape, dyIn.shape, params, [dy.view.offset, indices.view.offset, dx.view.offset])),
    groups: groupsFor(count, GROUP),
    body: () => `
@compute @workgroup_size(${GROUP})
${MAIN_SIGNATURE} {
  ${GEOMETRY}
  let gid = ${globalIndexCode(GROUP)};
  if (gid >= planes * u32(H * W)) { return; }
  let w = i32(gid % u32(W));
  let h = i32((gid / u32(W)) % u32(H));
  let plane = i32(gid / u32(H * W));
  let flat = h * W + w;
  let outPlane = plane * OH * OW;
  var acc = 0.0;
  for (var i = 0i; i < KH; i = i + 1i) {
    let th = h + PH - i * DH;
    if (th < 0i || th % SH != 0i || th / SH >= OH) { continue; }
    let r = th / SH;
    for (var j = 0i; j < KW; j = j + 1i) {
      let tw = w + PW - j * DW;
      if (tw < 0i || tw % SW != 0i || tw / SW >= OW) { continue; }
      let s = tw / SW;
      let at = outPlane + r * OW + s;
      let chosen = ${wide ? `bitcast<i32>(ld_idx(u32(pi(${OFFSETS + 1}u) + at)).x)` : `ld_idx(u32(pi(${OFFSETS + 1}u) + at))`};
      if (chosen == flat) { acc = acc + ld_dy(u32(pi(${OFFSETS}u) + at)); }
    }
  }
  st_dx(u32(pi(${OFFSETS + 2}u) + i32(gid)), acc);
}`,
  });
  dx.finish();
  dy.release();
  indices.release();
}

/** WGSL: the averaging divisor of window (r, s), as PyTorch's avg_pool2d computes it. */
const DIVISOR = `
fn pool_divisor(r: i32, s: i32, H: i32, W: i32, KH: i32, KW: i32, SH: i32, SW: i32, PH: i32, PW: i32, includePad: bool) -> f32 {
  var h0 = r * SH - PH;
  var w0 = s * SW - PW;
  var h1 = min(h0 + KH, H + PH);
  var w1 = min(w0 + KW, W + PW);
  if (!includePad) {
    h0 = max(h0, 0i);
    w0 = max(w0, 0i);
    h1 = min(h1, H);
    w1 = min(w1, W);
  }
  return f32((h1 - h0) * (w1 - w0));
}`;

export function avgPool2d(runtime: GpuRuntime, xIn: View, outView: View, params: Pool2dParams): void {
  const count = outView.shape.reduce((a, b) => a * b, 1);
  if (count === 0) return;
  const x = dense(runtime, xIn);
  const out = denseOutput(runtime, outView);
  runtime.run({
    key: "avgPool2d",
    operands: [
      { name: "x", view: x.view },
      { name: "out", view: out.view, write: true },
    ],
    params: Uint32Array.from(words(xIn.shape, outView.shape, params, [x.view.offset, out.view.offset])),
    groups: groupsFor(count, GROUP),
    body: () => `${DIVISOR}
@compute @workgroup_size(${GROUP})
${MAIN_SIGNATURE} {
  ${GEOMETRY}
  let gid = ${globalIndexCode(GROUP)};
  if (gid >= planes * u32(OH * OW)) { return; }
  let s = i32(gid % u32(OW));
  let r = i32((gid / u32(OW)) % u32(OH));
  let plane = i32(gid / u32(OH * OW));
  let xPlane = pi(${OFFSETS}u) + plane * H * W;
  let h0 = max(r * SH - PH, 0i);
  let h1 = min(r * SH - PH + KH, H);
  let w0 = max(s * SW - PW, 0i);
  let w1 = min(s * SW - PW + KW, W);
  var total = 0.0;
  for (var ih = h0; ih < h1; ih = ih + 1i) {
    for (var iw = w0; iw < w1; iw = iw + 1i) { total = total + ld_x(u32(xPlane + ih * W + iw)); }
  }
  st_out(u32(pi(${OFFSETS + 1}u) + i32(gid)), total / pool_divisor(r, s, H, W, KH, KW, SH, SW, PH, PW, includePad));
}`,
  });
  out.finish();
  x.release();
}

export function avgPool2dBackward(runtime: GpuRuntime, dyIn: View, dxView: View, params: Pool2dParams): void {
  const count = dxView.shape.reduce((a, b) => a * b, 1);
  if (count === 0) return;
  const dy = dense(runtime, dyIn);
  const dx = denseOutput(runtime, dxView);
  runtime.run({
    key: "avgPool2dBackward",
    operands: [
      { name: "dy", view: dy.view },
      { name: "dx", view: dx.view, write: true },
    ],
    params: Uint32Array.from(words(dxView.shape, dyIn.shape, params, [dy.view.offset, dx.view.offset])),
    groups: groupsFor(count, GROUP),
    body: () => `${DIVISOR}
@compute @workgroup_size(${GROUP})
${MAIN_SIGNATURE} {
  ${GEOMETRY}
  let gid = ${globalIndexCode(GROUP)};
  if (gid >= planes * u32(H * W)) { return; }
  let w = i32(gid % u32(W));
  let h = i32((gid / u32(W)) % u32(H));
  let plane = i32(gid / u32(H * W));
  let yPlane = pi(${OFFSETS}u) + plane * OH * OW;
  // Windows [r·SH − PH, r·SH − PH + KH) containing h.
  let rFirst = max((h + PH - KH + SH) / SH, 0i);
  let rLast = min((h + PH) / SH, OH - 1i);
  let sFirst = max((w + PW - KW + SW) / SW, 0i);
  let sLast = min((w + PW) / SW, OW - 1i);
  var acc = 0.0;
  for (var r = rFirst; r <= rLast; r = r + 1i) {
    for (var s = sFirst; s <= sLast; s = s + 1i) {
      acc = acc + ld_dy(u32(yPlane + r * OW + s)) / pool_divisor(r, s, H, W, KH, KW, SH, SW, PH, PW, includePad);
    }
  }
  st_dx(u32(pi(${OFFSETS + 1}u) + i32(gid)), acc);
}`,
  });
  dx.finish();
  dy.release();
}
