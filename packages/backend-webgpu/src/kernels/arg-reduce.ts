/**
 * argmax / argmin along a dim: the first index of the extreme value, NaN counting as the
 * extreme (the first NaN wins). Short rows: one invocation per row; long rows: a workgroup
 * whose invocations scan interleaved elements and then combine (value, index) pairs.
 */
import type { View } from "@trek/tensor";
import type { GpuRuntime } from "../runtime.js";
import { storageFormat } from "../storage-format.js";
import { groupsFor, globalIndexCode, MAIN_SIGNATURE } from "../wgsl/kernel-source.js";
import { rowLayout } from "./row-layout.js";

const GROUP = 64;

export function argReduce(runtime: GpuRuntime, op: "argmax" | "argmin", x: View, dim: number, out: View): void {
  const layout = rowLayout([x, out], dim);
  if (layout.rows === 0) return;
  const family = storageFormat(x.dtype).family;
  const shared = layout.length > 512 && layout.rows < 2048;
  const type = family === "float" ? "f32" : family === "int" ? "i32" : "vec2<u32>";
  const max = op === "argmax";
  // better(v, k, b, bk): does (v, k) beat (b, bk)?
  const better =
    family === "float"
      ? `fn better(v: f32, k: u32, b: f32, bk: u32) -> bool {
  if (is_nan(v) || is_nan(b)) { return is_nan(v) && (!is_nan(b) || k < bk); }
  return v ${max ? ">" : "<"} b || (v == b && k < bk);
}`
      : family === "int"
        ? `fn better(v: i32, k: u32, b: i32, bk: u32) -> bool { return v ${max ? ">" : "<"} b || (v == b && k < bk); }`
        : `fn better(v: vec2<u32>, k: u32, b: vec2<u32>, bk: u32) -> bool {
  return ${max ? "i64_lt(b, v)" : "i64_lt(v, b)"} || (i64_eq(v, b) && k < bk);
}`;
  runtime.run({
    key: `argReduce.${op}:${shared ? "shared" : "thread"}`,
    operands: [
      { name: "x", view: x },
      { name: "out", view: out, write: true },
    ],
    params: Uint32Array.from(layout.words),
    groups: shared ? groupsFor(layout.rows, 1) : groupsFor(layout.rows, GROUP),
    snippets: family === "int64" ? ["i64_basic"] : [],
    body: () => `${better}
${shared ? `var<workgroup> bestValues: array<${type}, ${GROUP}>;\nvar<workgroup> bestIndices: array<u32, ${GROUP}>;` : ""}
@compute @workgroup_size(${GROUP})
${MAIN_SIGNATURE} {
  let row = ${shared ? "wid.y * nwg.x + wid.x" : globalIndexCode(GROUP)};
  if (row >= p(0u)) { return; }
  let n = p(1u);
${layout.base("row").join("\n")}
  let xs = ${layout.step(0)};
  let first = ${shared ? "min(lid, n - 1u)" : "0u"};
  var best = ld_x(u32(base0 + i32(first) * xs));
  var bestIndex = first;
  for (var k = first; k < n; k = k + ${shared ? `${GROUP}u` : "1u"}) {
    let v = ld_x(u32(base0 + i32(k) * xs));
    if (better(v, k, best, bestIndex)) { best = v; bestIndex = k; }
  }
${
  shared
    ? `  bestValues[lid] = best;
  bestIndices[lid] = bestIndex;
  workgroupBarrier();
  for (var span = ${GROUP / 2}u; span > 0u; span = span >> 1u) {
    if (lid < span && better(bestValues[lid + span], bestIndices[lid + span], bestValues[lid], bestIndices[lid])) {
      bestValues[lid] = bestValues[lid + span];
      bestIndices[lid] = bestIndices[lid + span];
    }
    workgroupBarrier();
  }
  if (lid == 0u) { st_out(u32(base1), vec2<u32>(bestIndices[0], 0u)); }`
    : "  st_out(u32(base1), vec2<u32>(bestIndex, 0u));"
}
}`,
  });
}
