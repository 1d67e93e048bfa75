/** Inclusive prefix sums along a dim, one invocation per row (floats with Kahan compensation). */
import type { View } from "@trek/tensor";
import type { GpuRuntime } from "../runtime.js";
import { storageFormat } from "../storage-format.js";
import { groupsFor, globalIndexCode, MAIN_SIGNATURE } from "../wgsl/kernel-source.js";
import { rowLayout } from "./row-layout.js";

const GROUP = 64;

export function cumsum(runtime: GpuRuntime, x: View, dim: number, out: View): void {
  const layout = rowLayout([x, out], dim);
  if (layout.rows === 0 || layout.length === 0) return;
  const family = storageFormat(x.dtype).family;
  const step =
    family === "float"
      ? "{ let y = v - comp; let t = total + y; comp = select((t - total) - y, 0.0, is_inf(t) || is_nan(t)); total = t; }"
      : family === "int"
        ? "total = total + v;"
        : "total = i64_add(total, v);";
  const init = family === "float" ? "0.0" : family === "int" ? "0i" : "vec2<u32>(0u, 0u)";
  runtime.run({
    key: "cumsum",
    operands: [
      { name: "x", view: x },
      { name: "out", view: out, write: true },
    ],
    params: Uint32Array.from(layout.words),
    groups: groupsFor(layout.rows, GROUP),
    snippets: family === "int64" ? ["i64_basic"] : [],
    body: () => `
@compute @workgroup_size(${GROUP})
${MAIN_SIGNATURE} {
  let row = ${globalIndexCode(GROUP)};
  if (row >= p(0u)) { return; }
  let n = p(1u);
${layout.base("row").join("\n")}
  let xs = ${layout.step(0)};
  let os = ${layout.step(1)};
  var total = ${init};
  var comp = 0.0;
  for (var k = 0u; k < n; k = k + 1u) {
    let v = ld_x(u32(base0 + i32(k) * xs));
    ${step}
    st_out(u32(base1 + i32(k) * os), total);
  }
}`,
  });
}
