/**
 * Stable sort along a dim as a bottom-up merge sort: each pass merges neighbouring sorted runs
 * of width w into runs of 2w, every element finding its new position by a binary search in the
 * sibling run (left elements go before equal right elements, which keeps the sort stable).
 * log2(n) passes, each one dispatch over all elements; keys and original positions ping-pong
 * between two pairs of temporaries. NaN sorts as the largest value.
 */
import type { View } from "@trek/tensor";
import type { GpuRuntime } from "../runtime.js";
import { storageFormat } from "../storage-format.js";
import { groupsFor, globalIndexCode, MAIN_SIGNATURE } from "../wgsl/kernel-source.js";
import { rowLayout } from "./row-layout.js";
import { temporary } from "./staging.js";

const GROUP = 64;

export function sort(runtime: GpuRuntime, x: View, dim: number, descending: boolean, values: View, indices: View): void {
  const layout = rowLayout([x, values, indices], dim);
  const n = layout.length;
  const total = layout.rows * n;
  if (total === 0) return;
  const family = storageFormat(x.dtype).family;
  const type = family === "float" ? "f32" : family === "int" ? "i32" : "vec2<u32>";
  // before(a, b): a sorts strictly before b (ascending: NaN last; descending: the mirror image).
  const ascending = (a: string, b: string): string =>
    family === "float" ? `!is_nan(${a}) && (is_nan(${b}) || ${a} < ${b})` : family === "int" ? `${a} < ${b}` : `i64_lt(${a}, ${b})`;
  const before = `fn before(a: ${type}, b: ${type}) -> bool { return ${descending ? ascending("b", "a") : ascending("a", "b")}; }`;
  const snippets = family === "int64" ? ["i64_basic"] : [];
  const shape = [layout.rows, n];
  let keys = temporary(runtime, x.dtype, shape);
  let order = temporary(runtime, "int32", shape);
  const words = [...layout.words, 0];
  const WIDTH = layout.words.length;

  // Pass 0: copy each row into dense temporaries and number the elements.
  runtime.run({
    key: "sort:init",
    operands: [
      { name: "x", view: x },
      { name: "keys", view: keys.view, write: true },
      { name: "order", view: order.view, write: true },
    ],
    params: Uint32Array.from(words),
    groups: groupsFor(total, GROUP),
    body: () => `
@compute @workgroup_size(${GROUP})
${MAIN_SIGNATURE} {
  let gid = ${globalIndexCode(GROUP)};
  let n = p(1u);
  if (gid >= p(0u) * n) { return; }
  let row = gid / n;
  let k = gid % n;
${layout.base("row").join("\n")}
  raw_st_keys(gid, raw_ld_x(u32(base0 + i32(k) * ${layout.step(0)})));
  st_order(gid, i32(k));
}`,
  });

  for (let width = 1; width < n; width *= 2) {
    const nextKeys = temporary(runtime, x.dtype, shape);
    const nextOrder = temporary(runtime, "int32", shape);
    words[WIDTH] = width;
    runtime.run({
      key: `sort:merge:${descending ? "desc" : "asc"}`,
      operands: [
        { name: "keys", view: keys.view },
        { name: "order", view: order.view },
        { name: "outKeys", view: nextKeys.view, write: true },
        { name: "outOrder", view: nextOrder.view, write: true },
      ],
      params: Uint32Array.from(words),
      groups: groupsFor(total, GROUP),
      snippets,
      body: () => `${before}
@compute @workgroup_size(${GROUP})
${MAIN_SIGNATURE} {
  let gid = ${globalIndexCode(GROUP)};
  let n = p(1u);
  if (gid >= p(0u) * n) { return; }
  let width = p(${WIDTH}u);
  let rowStart = (gid / n) * n;
  let k = gid % n;
  let runStart = (k / (2u * width)) * 2u * width;
  let mid = min(runStart + width, n);
  let runEnd = min(runStart + 2u * width, n);
  let key = ld_keys(gid);
  var position: u32;
  if (k < mid) {
    // Count right-run elements strictly before this key.
    var lo = mid;
    var hi = runEnd;
    loop {
      if (lo >= hi) { break; }
      let m = (lo + hi) / 2u;
      if (before(ld_keys(rowStart + m), key)) { lo = m + 1u; } else { hi = m; }
    }
    position = runStart + (k - runStart) + (lo - mid);
  } else {
    // Count left-run elements not after this key (equal ones stay first).
    var lo = runStart;
    var hi = mid;
    loop {
      if (lo >= hi) { break; }
      let m = (lo + hi) / 2u;
      if (!before(key, ld_keys(rowStart + m))) { lo = m + 1u; } else { hi = m; }
    }
    position = runStart + (k - mid) + (lo - runStart);
  }
  raw_st_outKeys(rowStart + position, raw_ld_keys(gid));
  st_outOrder(rowStart + position, ld_order(gid));
}`,
    });
    keys.release();
    order.release();
    keys = nextKeys;
    order = nextOrder;
  }

  runtime.run({
    key: "sort:emit",
    operands: [
      { name: "keys", view: keys.view },
      { name: "order", view: order.view },
      { name: "values", view: values, write: true },
      { name: "indices", view: indices, write: true },
    ],
    params: Uint32Array.from(words),
    groups: groupsFor(total, GROUP),
    body: () => `
@compute @workgroup_size(${GROUP})
${MAIN_SIGNATURE} {
  let gid = ${globalIndexCode(GROUP)};
  let n = p(1u);
  if (gid >= p(0u) * n) { return; }
  let row = gid / n;
  let k = gid % n;
${layout.base("row").join("\n")}
  raw_st_values(u32(base1 + i32(k) * ${layout.step(1)}), raw_ld_keys(gid));
  st_indices(u32(base2 + i32(k) * ${layout.step(2)}), vec2<u32>(u32(ld_order(gid)), 0u));
}`,
  });
  keys.release();
  order.release();
}
