/**
 * conv2d and its gradients as matrix products (float32), the layout that suits the matmul
 * kernel: im2col writes every receptive field as a row, zero-padded to a multiple of 4,
 *   cols[g, n, p, (c, i, j)] = x[n, g·Cg + c, oh·sh − ph + i·dh, ow·sw − pw + j·dw]  (0 outside)
 * and then
 * - forward:          out[n, g, p, o] = cols[g, n, p, :] · W[g, o, :]ᵀ           (+ bias)
 * - weight gradient:  dW[g, o, :]     = Σ_(n,p) dY[n, g, o, p] · cols[g, n, p, :]
 * - input gradient:   dcols           = dY[n, g, p, :] · W[g, :, :], then col2im sums every
 *                     column entry back into the input pixel it came from (a gather: no atomics).
 * `cols` costs N·OH·OW·Cg·KH·KW floats; larger problems use the direct kernels (conv2d.ts).
 */
import type { Conv2dParams, View } from "@trek/tensor";
import type { GpuRuntime } from "../runtime.js";
import { contiguousStrides, word } from "../strided-layout.js";
import { groupsFor, globalIndexCode, MAIN_SIGNATURE } from "../wgsl/kernel-source.js";
import { binary, copy, fill } from "../primitives/elementwise.js";
import { dense, denseOutput, temporary, viewAs, type Staged } from "./staging.js";
import { matmul, type MatmulVariant } from "./matmul.js";

const GROUP = 64;
/** Largest im2col buffer (bytes) this path allocates. */
const MAX_COLUMN_BYTES = 64 * 1024 * 1024;

interface Shape {
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
  /** Cg·KH·KW, the reduction length, and rounded up to 4. */
  k: number;
  k4: number;
  /** OH·OW */
  p: number;
}

function shapeOf(x: readonly number[], weight: readonly number[], y: readonly number[], groups: number): Shape {
  const k = weight[1]! * weight[2]! * weight[3]!;
  return {
    n: x[0]!, c: x[1]!, h: x[2]!, w: x[3]!,
    o: weight[0]!, kh: weight[2]!, kw: weight[3]!,
    oh: y[2]!, ow: y[3]!,
    groups, cg: weight[1]!, og: weight[0]! / groups,
    k, k4: Math.ceil(k / 4) * 4, p: y[2]! * y[3]!,
  };
}

/** Whether the matrix-product path applies (float32, and the column buffer fits). */
export function gemmApplies(dtype: string, x: readonly number[], weight: readonly number[], y: readonly number[], groups: number): boolean {
  if (dtype !== "float32") return false;
  const s = shapeOf(x, weight, y, groups);
  return s.groups * s.n * s.p * s.k4 * 4 <= MAX_COLUMN_BYTES;
}

function geometryWords(s: Shape, params: Conv2dParams): number[] {
  return [
    s.n, s.c, s.h, s.w, s.oh, s.ow, s.kh, s.kw, s.groups, s.cg, s.k, s.k4,
    params.stride[0], params.stride[1], word(params.padding[0]), word(params.padding[1]), params.dilation[0], params.dilation[1],
  ];
}

const GEOMETRY = `
  let N = p(0u); let C = p(1u); let H = i32(p(2u)); let W = i32(p(3u));
  let OH = p(4u); let OW = p(5u); let KH = p(6u); let KW = p(7u);
  let G = p(8u); let CG = p(9u); let K = p(10u); let K4 = p(11u);
  let SH = i32(p(12u)); let SW = i32(p(13u)); let PH = pi(14u); let PW = pi(15u);
  let DH = i32(p(16u)); let DW = i32(p(17u));`;
const OFFSETS = 18;

/** cols [G, N, OH·OW, K4] from dense x. */
function im2col(runtime: GpuRuntime, x: View, s: Shape, params: Conv2dParams): Staged {
  const cols = temporary(runtime, "float32", [s.groups, s.n, s.p, s.k4]);
  const total = s.groups * s.n * s.p * s.k4;
  runtime.run({
    key: "conv2d:im2col",
    operands: [
      { name: "x", view: x },
      { name: "cols", view: cols.view, write: true },
    ],
    params: Uint32Array.from([...geometryWords(s, params), word(x.offset)]),
    groups: groupsFor(total, GROUP),
    body: () => `
@compute @workgroup_size(${GROUP})
${MAIN_SIGNATURE} {
  ${GEOMETRY}
  let gid = ${globalIndexCode(GROUP)};
  if (gid >= G * N * OH * OW * K4) { return; }
  let col = gid % K4;
  let row = gid / K4;
  let ow = i32(row % OW);
  let oh = i32((row / OW) % OH);
  let n = (row / (OW * OH)) % N;
  let g = row / (OW * OH * N);
  var value = 0.0;
  if (col < K) {
    let j = i32(col % KW);
    let i = i32((col / KW) % KH);
    let c = col / (KW * KH);
    let ih = oh * SH - PH + i * DH;
    let iw = ow * SW - PW + j * DW;
    if (ih >= 0i && ih < H && iw >= 0i && iw < W) {
      value = ld_x(u32(pi(${OFFSETS}u) + ((i32(n * C + g * CG + c) * H + ih) * W + iw)));
    }
  }
  st_cols(gid, value);
}`,
  });
  return cols;
}

/** A [G, k4rows, cols] zero-padded packed copy of `v` viewed as [G, rows, cols]. */
function packRows(runtime: GpuRuntime, v: View, rows: number, rows4: number): Staged {
  const [groups, , cols] = v.shape as [number, number, number];
  const packed = temporary(runtime, "float32", [groups, rows4, cols]);
  if (rows4 !== rows) fill(runtime, packed.view, 0);
  copy(runtime, v, viewAs(packed.view, [groups, rows, cols]));
  return packed;
}

export function conv2dGemm(runtime: GpuRuntime, variant: MatmulVariant, xIn: View, weightIn: View, bias: View | null, out: View, params: Conv2dParams): void {
  const s = shapeOf(xIn.shape, weightIn.shape, out.shape, params.groups);
  if (s.n * s.o * s.p === 0) return;
  const x = dense(runtime, xIn);
  const weight = dense(runtime, weightIn);
  const cols = im2col(runtime, x.view, s, params);
  x.release();
  // Wᵀ as [G, K4, Og] with zero rows past K, so the padded columns of `cols` add nothing.
  const wt = packRows(runtime, viewAs(weight.view, [s.groups, s.k, s.og], [s.og * s.k, 1, s.k]), s.k, s.k4);
  weight.release();
  // out[n, g·Og + o, p] seen as [N, G, P, Og]
  const [sn, sc] = out.strides as [number, number, number, number];
  const target = viewAs(out, [s.n, s.groups, s.p, s.og], [sn, s.og * sc, out.strides[3]!, sc]);
  const plane = out.strides[2]! === s.ow * out.strides[3]!;
  if (plane) {
    matmul(
      runtime,
      viewAs(cols.view, [s.n, s.groups, s.p, s.k4], [s.p * s.k4, s.n * s.p * s.k4, s.k4, 1]),
      viewAs(wt.view, [s.n, s.groups, s.k4, s.og], [0, s.k4 * s.og, s.og, 1]),
      target,
      variant,
    );
  } else {
    const staged = denseOutput(runtime, out);
    conv2dGemmInto(runtime, variant, cols, wt, s, staged.view);
    staged.finish();
  }
  cols.release();
  wt.release();
  if (bias) {
    const biasView = viewAs(bias, out.shape, [0, bias.strides[0]!, 0, 0]);
    binary(runtime, "add", out, biasView, out);
  }
}

function conv2dGemmInto(runtime: GpuRuntime, variant: MatmulVariant, cols: Staged, wt: Staged, s: Shape, out: View): void {
  const target: View = viewAs(out, [s.n, s.groups, s.p, s.og], [s.o * s.p, s.og * s.p, 1, s.p]);
  matmul(
    runtime,
    viewAs(cols.view, [s.n, s.groups, s.p, s.k4], [s.p * s.k4, s.n * s.p * s.k4, s.k4, 1]),
    viewAs(wt.view, [s.n, s.groups, s.k4, s.og], [0, s.k4 * s.og, s.og, 1]),
    target,
    variant,
  );
}

export function conv2dBackwardWeightGemm(runtime: GpuRuntime, variant: MatmulVariant, dyIn: View, xIn: View, dw: View, params: Conv2dParams): void {
  const s = shapeOf(xIn.shape, dw.shape, dyIn.shape, params.groups);
  if (s.o * s.k === 0) return;
  const x = dense(runtime, xIn);
  const cols = im2col(runtime, x.view, s, params);
  x.release();
  // dY as [G, Og, N·P] rows (one copy: (n, p) is not one stride in NCHW)
  const dyRows = temporary(runtime, "float32", [s.groups, s.og, s.n, s.p]);
  const [yn, yc, yh, yw] = dyIn.strides as [number, number, number, number];
  const planeStride = yh === s.ow * yw ? yw : 0;
  if (planeStride) {
    copy(runtime, viewAs(dyIn, [s.groups, s.og, s.n, s.p], [s.og * yc, yc, yn, yw]), dyRows.view);
  } else {
    copy(runtime, viewAs(dyIn, [s.groups, s.og, s.n, s.oh, s.ow], [s.og * yc, yc, yn, yh, yw]), viewAs(dyRows.view, [s.groups, s.og, s.n, s.oh, s.ow], contiguousStrides([s.groups, s.og, s.n, s.oh, s.ow])));
  }
  const target = denseOutput(runtime, dw);
  matmul(
    runtime,
    viewAs(dyRows.view, [s.groups, s.og, s.n * s.p], [s.og * s.n * s.p, s.n * s.p, 1]),
    viewAs(cols.view, [s.groups, s.n * s.p, s.k], [s.n * s.p * s.k4, s.k4, 1]),
    viewAs(target.view, [s.groups, s.og, s.k], [s.og * s.k, s.k, 1]),
    variant,
  );
  target.finish();
  dyRows.release();
  cols.release();
}

export function conv2dBackwardInputGemm(runtime: GpuRuntime, variant: MatmulVariant, dyIn: View, weightIn: View, dxView: View, params: Conv2dParams): void {
  const s = shapeOf(dxView.shape, weightIn.shape, dyIn.shape, params.groups);
  if (s.n * s.c * s.h * s.w === 0) return;
  const weight = dense(runtime, weightIn);
  const dcols = temporary(runtime, "float32", [s.groups, s.n, s.p, s.k4]);
  const [yn, yc, yh, yw] = dyIn.strides as [number, number, number, number];
  // dY as [G, N, OH, OW, Og] (the matmul packs it into rows along Og)
  const a: View = viewAs(dyIn, [s.groups, s.n, s.oh, s.ow, s.og], [s.og * yc, yn, yh, yw, yc]);
  const dyRows = temporary(runtime, "float32", [s.groups, s.n, s.oh, s.ow, s.og]);
  copy(runtime, a, dyRows.view);
  matmul(
    runtime,
    viewAs(dyRows.view, [s.groups, s.n * s.p, s.og], [s.n * s.p * s.og, s.og, 1]),
    viewAs(weight.view, [s.groups, s.og, s.k], [s.og * s.k, s.k, 1]),
    viewAs(dcols.view, [s.groups, s.n * s.p, s.k], [s.n * s.p * s.k4, s.k4, 1]),
    variant,
  );
  dyRows.release();
  weight.release();
  const dx = denseOutput(runtime, dxView);
  const total = s.n * s.c * s.h * s.w;
  runtime.run({
    key: "conv2d:col2im",
    operands: [
      { name: "cols", view: dcols.view },
      { name: "dx", view: dx.view, write: true },
    ],
    params: Uint32Array.from([...geometryWords(s, params), word(dx.view.offset)]),
    groups: groupsFor(total, GROUP),
    body: () => `
@compute @workgroup_size(${GROUP})
${MAIN_SIGNATURE} {
  ${GEOMETRY}
  let gid = ${globalIndexCode(GROUP)};
  if (gid >= N * C * u32(H * W)) { return; }
  let w = i32(gid % u32(W));
  let h = i32((gid / u32(W)) % u32(H));
  let c = (gid / u32(H * W)) % C;
  let n = gid / (u32(H * W) * C);
  let g = c / CG;
  let cl = c % CG;
  let rowBase = (g * N + n) * OH * OW;
  var acc = 0.0;
  for (var i = 0u; i < KH; i = i + 1u) {
    let th = h + PH - i32(i) * DH;
    if (th < 0i || th % SH != 0i || th / SH >= i32(OH)) { continue; }
    let oh = u32(th / SH);
    for (var j = 0u; j < KW; j = j + 1u) {
      let tw = w + PW - i32(j) * DW;
      if (tw < 0i || tw % SW != 0i || tw / SW >= i32(OW)) { continue; }
      let ow = u32(tw / SW);
      acc = acc + ld_cols((rowBase + oh * OW + ow) * K4 + (cl * KH + i) * KW + j);
    }
  }
  st_dx(u32(pi(${OFFSETS}u) + i32(gid)), acc);
}`,
  });
  dx.finish();
  dcols.release();
}
