/**
 * The elementwise engine behind unary, binary, where, cast, copy, fill and activations: one
 * invocation per output element, each operand addressed through its own strides (any strides:
 * broadcast 0, negative, gaps) after the dims all operands walk contiguously are merged.
 *
 * Two pipelines per op and dtypes: "linear" when every operand is row-major after merging (the
 * common case: no index math at all) and "strided", which walks up to `MAX_RANK` dims read from
 * uniforms, so one compiled shader serves every shape and layout.
 *
 * Uniform words: [numel, rank, offset per operand, shape × MAX_RANK, strides × MAX_RANK per
 * operand, extra words of the op].
 */
import type { View } from "@trek/tensor";
import type { GpuRuntime } from "../runtime.js";
import { collapseDims, isLinear, numelOf, word } from "../strided-layout.js";
import { globalIndexCode, groupsFor, MAIN_SIGNATURE } from "../wgsl/kernel-source.js";

const GROUP = 64;
/** Dims a strided launch can address after merging (more would need a wider uniform block). */
export const MAX_RANK = 8;

export interface MapInput {
  readonly name: string;
  readonly view: View;
}

export interface MapSpec {
  /** Names the computation for the pipeline key (op and variant, not dtypes). */
  readonly key: string;
  readonly inputs: readonly MapInput[];
  readonly out: View;
  /**
   * The WGSL expression of the output value, given the names of the loaded input values (in
   * input order) and `extra(k)`, the index of the k-th extra uniform word.
   * With `raw`, inputs are loaded and the output stored as storage elements, unconverted.
   */
  readonly expression: (inputs: readonly string[], extra: (k: number) => string) => string;
  readonly raw?: boolean;
  readonly extraWords?: readonly number[];
  readonly snippets?: Iterable<string>;
}

/** Records the elementwise kernel; a no-op for empty outputs. */
export function runMap(runtime: GpuRuntime, spec: MapSpec): void {
  const out = spec.out;
  const numel = numelOf(out.shape);
  if (numel === 0) return;
  const views = [...spec.inputs.map((i) => i.view), out];
  const names = [...spec.inputs.map((i) => i.name), "out"];
  const count = views.length;
  const collapsed = collapseDims(out.shape, views.map((v) => v.strides));
  const rank = collapsed.shape.length;
  if (rank > MAX_RANK) {
    throw new RangeError(`views with more than ${MAX_RANK} non-mergeable dims are not supported (got ${rank})`);
  }
  const linear = views.every((_, j) => isLinear(collapsed.shape, collapsed.strides[j]!));
  const words: number[] = [numel, rank];
  for (const v of views) words.push(word(v.offset));
  const shapeAt = words.length;
  if (!linear) {
    const padded = (values: number[]): number[] => [...values, ...new Array<number>(MAX_RANK - values.length).fill(0)];
    words.push(...padded(collapsed.shape));
    for (let j = 0; j < count; j++) words.push(...padded(collapsed.strides[j]!.map(word)));
  }
  const extraAt = words.length;
  words.push(...(spec.extraWords ?? []));
  const extra = (k: number): string => `${extraAt + k}u`;

  runtime.run({
    key: `map:${spec.key}:${linear ? "linear" : "strided"}:x${spec.extraWords?.length ?? 0}`,
    operands: [...spec.inputs.map((i) => ({ name: i.name, view: i.view })), { name: "out", view: out, write: true }],
    params: Uint32Array.from(words),
    groups: groupsFor(numel, GROUP),
    snippets: spec.snippets,
    body: () => {
      const lines: string[] = [];
      lines.push(`@compute @workgroup_size(${GROUP})`);
      lines.push(`${MAIN_SIGNATURE} {`);
      lines.push(`  let gid = ${globalIndexCode(GROUP)};`);
      lines.push("  if (gid >= p(0u)) { return; }");
      for (let j = 0; j < count; j++) lines.push(`  var o${j} = pi(${2 + j}u)${linear ? " + i32(gid)" : ""};`);
      if (!linear) {
        lines.push("  var rem = gid;");
        lines.push("  for (var d = i32(p(1u)) - 1i; d >= 0i; d = d - 1i) {");
        lines.push(`    let size = p(${shapeAt}u + u32(d));`);
        lines.push("    let c = i32(rem % size);");
        lines.push("    rem = rem / size;");
        for (let j = 0; j < count; j++) lines.push(`    o${j} = o${j} + c * pi(${shapeAt + MAX_RANK * (j + 1)}u + u32(d));`);
        lines.push("  }");
      }
      spec.inputs.forEach((_, j) => lines.push(`  let v${j} = ${spec.raw ? "raw_ld" : "ld"}_${names[j]}(u32(o${j}));`));
      const value = spec.expression(spec.inputs.map((_, j) => `v${j}`), extra);
      lines.push(`  ${spec.raw ? "raw_st" : "st"}_out(u32(o${count - 1}), ${value});`);
      lines.push("}");
      return lines.join("\n");
    },
  });
}
