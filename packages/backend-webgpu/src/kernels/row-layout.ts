/**
 * Addressing for kernels that work along one dim ("rows"): softmax, arg-reductions, cumsum,
 * sort. A row is every element along `dim` for one position of the other dims; the other dims of
 * all operands are merged like elementwise launches, and each operand keeps its own stride
 * along `dim`.
 */
import type { View } from "@trek/tensor";
import { collapseDims, numelOf, word } from "../strided-layout.js";
import { MAX_RANK } from "../primitives/map-kernel.js";

export interface RowLayout {
  /** Number of rows. */
  readonly rows: number;
  /** Elements per row. */
  readonly length: number;
  /** Uniform words, starting with rows and length. */
  readonly words: number[];
  /** WGSL statements declaring `base<j>` (i32 offset of operand j's row start) for row index `row`. */
  base(row: string): string[];
  /** WGSL expression of operand j's stride along the row. */
  step(j: number): string;
}

export function rowLayout(views: readonly View[], dim: number): RowLayout {
  const k = views.length;
  const shape = views[0]!.shape;
  const outer = shape.filter((_, i) => i !== dim);
  const collapsed = collapseDims(
    outer,
    views.map((v) => v.strides.filter((_, i) => i !== dim)),
  );
  const rank = collapsed.shape.length;
  if (rank > MAX_RANK) throw new RangeError(`row kernels support at most ${MAX_RANK} non-mergeable dims besides the row`);
  const pad = (values: number[]): number[] => [...values, ...new Array<number>(MAX_RANK - values.length).fill(0)];
  const words: number[] = [numelOf(outer), shape[dim] ?? 1, rank];
  const offsetsAt = words.length;
  for (const v of views) words.push(word(v.offset));
  const stepsAt = words.length;
  for (const v of views) words.push(word(v.strides[dim] ?? 0));
  const shapeAt = words.length;
  words.push(...pad(collapsed.shape));
  const stridesAt = words.length;
  for (let j = 0; j < k; j++) words.push(...pad(collapsed.strides[j]!.map(word)));
  return {
    rows: numelOf(outer),
    length: shape[dim] ?? 1,
    words,
    base: (row) => {
      const lines: string[] = [];
      for (let j = 0; j < k; j++) lines.push(`  var base${j} = pi(${offsetsAt + j}u);`);
      lines.push(`  var rowRem = ${row};`);
      lines.push("  for (var d = i32(p(2u)) - 1i; d >= 0i; d = d - 1i) {");
      lines.push(`    let size = p(${shapeAt}u + u32(d));`);
      lines.push("    let c = i32(rowRem % size);");
      lines.push("    rowRem = rowRem / size;");
      for (let j = 0; j < k; j++) lines.push(`    base${j} = base${j} + c * pi(${stridesAt + j * MAX_RANK}u + u32(d));`);
      lines.push("  }");
      return lines;
    },
    step: (j) => `pi(${stepsAt + j}u)`,
  };
}
