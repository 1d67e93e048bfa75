/**
 * Reductions (sum, prod, max, min) over any set of dims of a strided view.
 *
 * The kept dims and the reduced dims are collapsed separately; shapes and strides are uniforms,
 * so a handful of pipelines serve every layout. When there are many outputs or
 * short reductions, one invocation folds one output sequentially (float sums with Kahan
 * compensation); otherwise one workgroup shares an output and combines partial results in
 * workgroup memory. Max/min propagate NaN; float sums accumulate in float32.
 */
import type { DType, ReduceOp, View } from "@trek/tensor";
import type { GpuRuntime } from "../runtime.js";
import { storageFormat, type ComputeFamily } from "../storage-format.js";
import { collapseDims, numelOf, word } from "../strided-layout.js";
import { globalIndexCode, groupsFor, MAIN_SIGNATURE } from "../wgsl/kernel-source.js";
import { MAX_RANK } from "./map-kernel.js";

const THREAD_GROUP = 64;
const SHARED_GROUP = 64;

export interface Accumulator {
  /** WGSL type of the running value. */
  readonly type: string;
  /** Initial value. */
  readonly identity: string;
  /** Value written when nothing was reduced. */
  readonly empty: string;
  /** Statement folding value `v` into variable `acc` (may use a compensation variable `comp`). */
  fold(acc: string, v: string): string;
  /** Expression combining two partial results. */
  combine(a: string, b: string): string;
  readonly snippets: readonly string[];
  /** Whether `fold` uses Kahan compensation (declares `comp`). */
  readonly compensated: boolean;
}

export function accumulator(op: ReduceOp, dtype: DType): Accumulator {
  return ACCUMULATORS[storageFormat(dtype).family][op];
}

const FLOAT: Record<ReduceOp, Accumulator> = {
  sum: {
    type: "f32",
    identity: "0.0",
    empty: "0.0",
    // Kahan summation; the compensation is dropped once the sum is infinite or NaN.
    fold: (acc, v) =>
      `{ let y = ${v} - comp; let t = ${acc} + y; comp = select((t - ${acc}) - y, 0.0, is_inf(t) || is_nan(t)); ${acc} = t; }`,
    combine: (a, b) => `${a} + ${b}`,
    snippets: [],
    compensated: true,
  },
  prod: { type: "f32", identity: "1.0", empty: "1.0", fold: (acc, v) => `${acc} = ${acc} * ${v};`, combine: (a, b) => `${a} * ${b}`, snippets: [], compensated: false },
  max: {
    type: "f32",
    identity: "-f32_inf()",
    empty: "-f32_inf()",
    fold: (acc, v) => `${acc} = select(${acc}, ${v}, (${v} > ${acc} || is_nan(${v})) && !is_nan(${acc}));`,
    combine: (a, b) => `select(${a}, ${b}, (${b} > ${a} || is_nan(${b})) && !is_nan(${a}))`,
    snippets: [],
    compensated: false,
  },
  min: {
    type: "f32",
    identity: "f32_inf()",
    empty: "f32_inf()",
    fold: (acc, v) => `${acc} = select(${acc}, ${v}, (${v} < ${acc} || is_nan(${v})) && !is_nan(${acc}));`,
    combine: (a, b) => `select(${a}, ${b}, (${b} < ${a} || is_nan(${b})) && !is_nan(${a}))`,
    snippets: [],
    compensated: false,
  },
};

const INT: Record<ReduceOp, Accumulator> = {
  sum: { type: "i32", identity: "0i", empty: "0i", fold: (acc, v) => `${acc} = ${acc} + ${v};`, combine: (a, b) => `${a} + ${b}`, snippets: [], compensated: false },
  prod: { type: "i32", identity: "1i", empty: "1i", fold: (acc, v) => `${acc} = ${acc} * ${v};`, combine: (a, b) => `${a} * ${b}`, snippets: [], compensated: false },
  max: { type: "i32", identity: "i32(-2147483647i - 1i)", empty: "0i", fold: (acc, v) => `${acc} = max(${acc}, ${v});`, combine: (a, b) => `max(${a}, ${b})`, snippets: [], compensated: false },
  min: { type: "i32", identity: "2147483647i", empty: "0i", fold: (acc, v) => `${acc} = min(${acc}, ${v});`, combine: (a, b) => `min(${a}, ${b})`, snippets: [], compensated: false },
};

const V = "vec2<u32>";
const INT64: Record<ReduceOp, Accumulator> = {
  sum: { type: V, identity: `${V}(0u, 0u)`, empty: `${V}(0u, 0u)`, fold: (acc, v) => `${acc} = i64_add(${acc}, ${v});`, combine: (a, b) => `i64_add(${a}, ${b})`, snippets: ["i64_basic"], compensated: false },
  prod: { type: V, identity: `${V}(1u, 0u)`, empty: `${V}(1u, 0u)`, fold: (acc, v) => `${acc} = i64_mul(${acc}, ${v});`, combine: (a, b) => `i64_mul(${a}, ${b})`, snippets: ["i64_mul"], compensated: false },
  max: {
    type: V,
    identity: `${V}(0u, 0x80000000u)`,
    empty: `${V}(0u, 0u)`,
    fold: (acc, v) => `${acc} = select(${acc}, ${v}, i64_lt(${acc}, ${v}));`,
    combine: (a, b) => `select(${a}, ${b}, i64_lt(${a}, ${b}))`,
    snippets: ["i64_basic"],
    compensated: false,
  },
  min: {
    type: V,
    identity: `${V}(0xffffffffu, 0x7fffffffu)`,
    empty: `${V}(0u, 0u)`,
    fold: (acc, v) => `${acc} = select(${acc}, ${v}, i64_lt(${v}, ${acc}));`,
    combine: (a, b) => `select(${a}, ${b}, i64_lt(${b}, ${a}))`,
    snippets: ["i64_basic"],
    compensated: false,
  },
};

const ACCUMULATORS: Record<ComputeFamily, Record<ReduceOp, Accumulator>> = { float: FLOAT, int: INT, int64: INT64 };

export function reduce(runtime: GpuRuntime, op: ReduceOp, x: View, dims: readonly number[], out: View): void {
  const reduced = new Set(dims);
  const keptShape: number[] = [];
  const xKept: number[] = [];
  const outKept: number[] = [];
  const redShape: number[] = [];
  const xRed: number[] = [];
  x.shape.forEach((size, d) => {
    if (reduced.has(d)) {
      redShape.push(size);
      xRed.push(x.strides[d]!);
    } else {
      keptShape.push(size);
      xKept.push(x.strides[d]!);
      outKept.push(out.strides[d]!);
    }
  });
  const outNumel = numelOf(keptShape);
  if (outNumel === 0) return;
  const redNumel = numelOf(redShape);
  const kept = collapseDims(keptShape, [xKept, outKept]);
  const red = collapseDims(redShape, [xRed]);
  const rk = kept.shape.length;
  const rr = red.shape.length;
  if (rk > MAX_RANK || rr > MAX_RANK) throw new RangeError(`reductions over more than ${MAX_RANK} non-mergeable dims are not supported`);
  const padded = (values: number[]): number[] => [...values, ...new Array<number>(MAX_RANK - values.length).fill(0)];
  // [outNumel, redNumel, x offset, out offset, kept rank, reduced rank, kept shape, x kept strides,
  //  out kept strides, reduced shape, x reduced strides] (each list padded to MAX_RANK)
  const words: number[] = [outNumel, redNumel, word(x.offset), word(out.offset), rk, rr];
  words.push(...padded(kept.shape), ...padded(kept.strides[0]!.map(word)), ...padded(kept.strides[1]!.map(word)));
  words.push(...padded(red.shape), ...padded(red.strides[0]!.map(word)));
  const KEPT_SHAPE = 6;
  const X_KEPT = KEPT_SHAPE + MAX_RANK;
  const OUT_KEPT = X_KEPT + MAX_RANK;
  const RED_SHAPE = OUT_KEPT + MAX_RANK;
  const X_RED = RED_SHAPE + MAX_RANK;

  const acc = accumulator(op, x.dtype);
  const shared = redNumel > 256 && outNumel < 2048;
  const group = shared ? SHARED_GROUP : THREAD_GROUP;
  // A reduced block that merged into one dim is walked with one stride, otherwise each element's
  // position is decomposed over the reduced dims.
  const simple = rr <= 1;

  const baseOffsets = (index: string): string[] => [
    "  var ox = pi(2u);",
    "  var oo = pi(3u);",
    `  var rem = ${index};`,
    "  for (var d = i32(p(4u)) - 1i; d >= 0i; d = d - 1i) {",
    `    let size = p(${KEPT_SHAPE}u + u32(d));`,
    "    let c = i32(rem % size);",
    "    rem = rem / size;",
    `    ox = ox + c * pi(${X_KEPT}u + u32(d));`,
    `    oo = oo + c * pi(${OUT_KEPT}u + u32(d));`,
    "  }",
  ];
  const elementOffset = (r: string): string[] =>
    simple
      ? [`    let xi = ox + i32(${r}) * select(0i, pi(${X_RED}u), p(5u) == 1u);`]
      : [
          "    var xi = ox;",
          `    var rrem = ${r};`,
          "    for (var d = i32(p(5u)) - 1i; d >= 0i; d = d - 1i) {",
          `      let size = p(${RED_SHAPE}u + u32(d));`,
          `      xi = xi + i32(rrem % size) * pi(${X_RED}u + u32(d));`,
          "      rrem = rrem / size;",
          "    }",
        ];

  runtime.run({
    key: `reduce.${op}:${shared ? "shared" : "thread"}:${simple ? "simple" : "general"}`,
    operands: [
      { name: "x", view: x },
      { name: "out", view: out, write: true },
    ],
    params: Uint32Array.from(words),
    groups: shared ? groupsFor(outNumel, 1) : groupsFor(outNumel, group),
    snippets: acc.snippets,
    body: () => {
      const lines: string[] = [];
      if (shared) lines.push(`var<workgroup> partial: array<${acc.type}, ${group}>;`);
      lines.push(`@compute @workgroup_size(${group})`);
      lines.push(`${MAIN_SIGNATURE} {`);
      if (shared) {
        lines.push("  let index = wid.y * nwg.x + wid.x;");
        lines.push("  if (index >= p(0u)) { return; }");
        lines.push(...baseOffsets("index"));
      } else {
        lines.push(`  let gid = ${globalIndexCode(group)};`);
        lines.push("  if (gid >= p(0u)) { return; }");
        lines.push(...baseOffsets("gid"));
      }
      lines.push(`  var acc: ${acc.type} = ${acc.identity};`);
      if (acc.compensated) lines.push("  var comp = 0.0;");
      lines.push(shared ? `  for (var r = lid; r < p(1u); r = r + ${group}u) {` : "  for (var r = 0u; r < p(1u); r = r + 1u) {");
      lines.push(...elementOffset("r"));
      lines.push(`    ${acc.fold("acc", "ld_x(u32(xi))")}`);
      lines.push("  }");
      if (shared) {
        lines.push("  partial[lid] = acc;");
        lines.push("  workgroupBarrier();");
        lines.push(`  for (var s = ${group / 2}u; s > 0u; s = s >> 1u) {`);
        lines.push(`    if (lid < s) { partial[lid] = ${acc.combine("partial[lid]", "partial[lid + s]")}; }`);
        lines.push("    workgroupBarrier();");
        lines.push("  }");
        lines.push("  if (lid == 0u) {");
        lines.push("    var result = partial[0];");
        lines.push(`    if (p(1u) == 0u) { result = ${acc.empty}; }`);
        lines.push("    st_out(u32(oo), result);");
        lines.push("  }");
      } else {
        lines.push(`  if (p(1u) == 0u) { acc = ${acc.empty}; }`);
        lines.push("  st_out(u32(oo), acc);");
      }
      lines.push("}");
      return lines.join("\n");
    },
  });
}
