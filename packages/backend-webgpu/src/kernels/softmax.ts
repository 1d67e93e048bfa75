/**
 * softmax, logSoftmax and their gradients along any dim of strided views. Short rows get one
 * invocation each; long rows share a workgroup that reduces the max and the sum in workgroup
 * memory. Float dtypes, computed in float32.
 */
import type { View } from "@trek/tensor";
import type { GpuRuntime } from "../runtime.js";
import { groupsFor, globalIndexCode, MAIN_SIGNATURE } from "../wgsl/kernel-source.js";
import { rowLayout } from "./row-layout.js";

const THREAD_GROUP = 64;
const ROW_GROUP = 64;

/** Whether rows are long enough (and few enough) to split one row across a workgroup. */
export function useWorkgroupRows(rows: number, length: number): boolean {
  return length > 128 && rows < 4096;
}

function shell(shared: boolean, group: number, rowCode: string[]): string {
  const lines: string[] = [];
  lines.push(`@compute @workgroup_size(${group})`);
  lines.push(`${MAIN_SIGNATURE} {`);
  if (shared) {
    lines.push("  let row = wid.y * nwg.x + wid.x;");
  } else {
    lines.push(`  let row = ${globalIndexCode(group)};`);
  }
  lines.push("  if (row >= p(0u)) { return; }");
  lines.push("  let n = p(1u);");
  lines.push(...rowCode);
  lines.push("}");
  return lines.join("\n");
}

/** WGSL for a workgroup-wide reduction of `value` with `combine` into `result` (all invocations). */
function workgroupReduce(type: string, value: string, combine: (a: string, b: string) => string, result: string): string[] {
  return [
    `  scratch[lid] = ${value};`,
    "  workgroupBarrier();",
    `  for (var s = ${ROW_GROUP / 2}u; s > 0u; s = s >> 1u) {`,
    `    if (lid < s) { scratch[lid] = ${combine("scratch[lid]", "scratch[lid + s]")}; }`,
    "    workgroupBarrier();",
    "  }",
    `  let ${result}: ${type} = scratch[0];`,
    "  workgroupBarrier();",
  ];
}

const maxOf = (a: string, b: string): string => `select(${a}, ${b}, ${b} > ${a} || is_nan(${b}))`;
const sumOf = (a: string, b: string): string => `${a} + ${b}`;

export function softmax(runtime: GpuRuntime, x: View, dim: number, out: View, log: boolean): void {
  const layout = rowLayout([x, out], dim);
  if (layout.rows === 0 || layout.length === 0) return;
  const shared = useWorkgroupRows(layout.rows, layout.length);
  const group = shared ? ROW_GROUP : THREAD_GROUP;
  const start = shared ? "lid" : "0u";
  const stride = shared ? `${group}u` : "1u";
  runtime.run({
    key: `${log ? "logSoftmax" : "softmax"}:${shared ? "shared" : "thread"}`,
    operands: [
      { name: "x", view: x },
      { name: "out", view: out, write: true },
    ],
    params: Uint32Array.from(layout.words),
    groups: shared ? groupsFor(layout.rows, 1) : groupsFor(layout.rows, group),
    snippets: ["exp_precise", "log_precise"],
    body: () => {
      const code: string[] = [...layout.base("row")];
      code.push(`  let xs = ${layout.step(0)};`);
      code.push(`  let os = ${layout.step(1)};`);
      code.push("  var m = -f32_inf();");
      code.push(`  for (var k = ${start}; k < n; k = k + ${stride}) { m = ${maxOf("m", "ld_x(u32(base0 + i32(k) * xs))")}; }`);
      if (shared) code.push(...workgroupReduce("f32", "m", maxOf, "rowMax"));
      else code.push("  let rowMax = m;");
      // A row of -inf: exp(x - 0) keeps it defined, as the CPU backend does.
      code.push("  let shift = select(rowMax, 0.0, is_inf(rowMax) && rowMax < 0.0);");
      code.push("  var total = 0.0;");
      code.push(`  for (var k = ${start}; k < n; k = k + ${stride}) { total = total + exp_precise(ld_x(u32(base0 + i32(k) * xs)) - shift); }`);
      if (shared) code.push(...workgroupReduce("f32", "total", sumOf, "rowTotal"));
      else code.push("  let rowTotal = total;");
      if (log) {
        // (x − max) − log Σ: subtracting the max first keeps large inputs exact.
        code.push("  let logTotal = log_precise(rowTotal);");
        code.push(`  for (var k = ${start}; k < n; k = k + ${stride}) { st_out(u32(base1 + i32(k) * os), (ld_x(u32(base0 + i32(k) * xs)) - shift) - logTotal); }`);
      } else {
        code.push("  let scale = 1.0 / rowTotal;");
        code.push(`  for (var k = ${start}; k < n; k = k + ${stride}) { st_out(u32(base1 + i32(k) * os), exp_precise(ld_x(u32(base0 + i32(k) * xs)) - shift) * scale); }`);
      }
      const decl = shared ? `var<workgroup> scratch: array<f32, ${group}>;\n` : "";
      return decl + shell(shared, group, code);
    },
  });
}

export function softmaxBackward(runtime: GpuRuntime, y: View, dy: View, dim: number, dx: View, log: boolean): void {
  const layout = rowLayout([y, dy, dx], dim);
  if (layout.rows === 0 || layout.length === 0) return;
  const shared = useWorkgroupRows(layout.rows, layout.length);
  const group = shared ? ROW_GROUP : THREAD_GROUP;
  const start = shared ? "lid" : "0u";
  const stride = shared ? `${group}u` : "1u";
  runtime.run({
    key: `${log ? "logSoftmaxBackward" : "softmaxBackward"}:${shared ? "shared" : "thread"}`,
    operands: [
      { name: "y", view: y },
      { name: "dy", view: dy },
      { name: "dx", view: dx, write: true },
    ],
    params: Uint32Array.from(layout.words),
    groups: shared ? groupsFor(layout.rows, 1) : groupsFor(layout.rows, group),
    snippets: ["exp_precise"],
    body: () => {
      const code: string[] = [...layout.base("row")];
      code.push(`  let ys = ${layout.step(0)};`);
      code.push(`  let gs = ${layout.step(1)};`);
      code.push(`  let xs = ${layout.step(2)};`);
      code.push("  var dot = 0.0;");
      const term = log ? "ld_dy(u32(base1 + i32(k) * gs))" : "ld_dy(u32(base1 + i32(k) * gs)) * ld_y(u32(base0 + i32(k) * ys))";
      code.push(`  for (var k = ${start}; k < n; k = k + ${stride}) { dot = dot + ${term}; }`);
      if (shared) code.push(...workgroupReduce("f32", "dot", sumOf, "rowDot"));
      else code.push("  let rowDot = dot;");
      const value = log
        ? "ld_dy(u32(base1 + i32(k) * gs)) - exp_precise(ld_y(u32(base0 + i32(k) * ys))) * rowDot"
        : "ld_y(u32(base0 + i32(k) * ys)) * (ld_dy(u32(base1 + i32(k) * gs)) - rowDot)";
      code.push(`  for (var k = ${start}; k < n; k = k + ${stride}) { st_dx(u32(base2 + i32(k) * xs), ${value}); }`);
      const decl = shared ? `var<workgroup> scratch: array<f32, ${group}>;\n` : "";
      return decl + shell(shared, group, code);
    },
  });
}
