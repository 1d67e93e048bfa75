/**
 * Layer normalization over the trailing elements of each row: mean, biased variance (two passes,
 * so large means do not cancel), then the affine transform. One invocation per row for short
 * rows, one workgroup per row for long ones.
 */
import type { View } from "@trek/tensor";
import type { GpuRuntime } from "../runtime.js";
import { groupsFor, globalIndexCode, MAIN_SIGNATURE } from "../wgsl/kernel-source.js";
import { floatWord, numelOf, word } from "../strided-layout.js";
import { dense, denseOutput } from "./staging.js";

const GROUP = 64;

export function layerNorm(
  runtime: GpuRuntime,
  xIn: View,
  weightIn: View | null,
  biasIn: View | null,
  eps: number,
  outView: View,
  meanView: View,
  rstdView: View,
): void {
  const rows = numelOf(meanView.shape);
  if (rows === 0) return;
  const cols = numelOf(xIn.shape) / rows;
  const x = dense(runtime, xIn);
  const weight = weightIn ? dense(runtime, weightIn) : null;
  const bias = biasIn ? dense(runtime, biasIn) : null;
  const out = denseOutput(runtime, outView);
  const mean = denseOutput(runtime, meanView);
  const rstd = denseOutput(runtime, rstdView);
  const shared = cols > 256;
  const operands = [
    { name: "x", view: x.view },
    ...(weight ? [{ name: "w", view: weight.view }] : []),
    ...(bias ? [{ name: "b", view: bias.view }] : []),
    { name: "out", view: out.view, write: true },
    { name: "mean", view: mean.view, write: true },
    { name: "rstd", view: rstd.view, write: true },
  ];
  const params = [
    rows, cols, floatWord(eps),
    word(x.view.offset), word(weight?.view.offset ?? 0), word(bias?.view.offset ?? 0),
    word(out.view.offset), word(mean.view.offset), word(rstd.view.offset),
  ];
  const start = shared ? "lid" : "0u";
  const stride = shared ? `${GROUP}u` : "1u";
  const reduceShared = (value: string, result: string): string =>
    shared
      ? `  scratch[lid] = ${value};
  workgroupBarrier();
  for (var span = ${GROUP / 2}u; span > 0u; span = span >> 1u) {
    if (lid < span) { scratch[lid] = scratch[lid] + scratch[lid + span]; }
    workgroupBarrier();
  }
  let ${result} = scratch[0];
  workgroupBarrier();`
      : `  let ${result} = ${value};`;
  runtime.run({
    key: `layerNorm:${shared ? "shared" : "thread"}:${weight ? "w" : ""}${bias ? "b" : ""}`,
    operands,
    params: Uint32Array.from(params),
    groups: shared ? groupsFor(rows, 1) : groupsFor(rows, GROUP),
    body: () => `${shared ? `var<workgroup> scratch: array<f32, ${GROUP}>;` : ""}
@compute @workgroup_size(${GROUP})
${MAIN_SIGNATURE} {
  let row = ${shared ? "wid.y * nwg.x + wid.x" : globalIndexCode(GROUP)};
  if (row >= p(0u)) { return; }
  let n = p(1u);
  let xo = pi(3u) + i32(row * n);
  let oo = pi(6u) + i32(row * n);
  var total = 0.0;
  for (var k = ${start}; k < n; k = k + ${stride}) { total = total + ld_x(u32(xo + i32(k))); }
${reduceShared("total", "rowTotal")}
  let mu = rowTotal / f32(n);
  var squares = 0.0;
  for (var k = ${start}; k < n; k = k + ${stride}) { let d = ld_x(u32(xo + i32(k))) - mu; squares = squares + d * d; }
${reduceShared("squares", "rowSquares")}
  let inv = 1.0 / sqrt(rowSquares / f32(n) + pf(2u));
  if (${shared ? "lid == 0u" : "true"}) {
    st_mean(u32(pi(7u) + i32(row)), mu);
    st_rstd(u32(pi(8u) + i32(row)), inv);
  }
  for (var k = ${start}; k < n; k = k + ${stride}) {
    var y = (ld_x(u32(xo + i32(k))) - mu) * inv;
    ${weight ? "y = y * ld_w(u32(pi(4u) + i32(k)));" : ""}
    ${bias ? "y = y + ld_b(u32(pi(5u) + i32(k)));" : ""}
    st_out(u32(oo + i32(k)), y);
  }
}`,
  });
  out.finish();
  mean.finish();
  rstd.finish();
  x.release();
  weight?.release();
  bias?.release();
}
