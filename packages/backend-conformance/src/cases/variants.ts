/**
 * The standard input variants every differential case runs: each memory layout the contract
 * promises (contiguous, transposed, stepped slice with an offset, negative strides, stride-0
 * broadcast), an empty tensor, a 0-d tensor, a higher rank, and for two inputs, shape broadcasting
 * and a JS scalar operand.
 */
import type { DType, Tensor } from "@trek/tensor";
import type { DifferentialSpec, OpOutput } from "../harness.js";
import type { Domain, InputSpec, Layout } from "../inputs.js";
import type { Operand } from "../op-calls.js";

const SHAPE = [3, 5];

export interface OneInputOptions {
  readonly op: string;
  readonly dtype: DType;
  readonly domain?: Domain;
  readonly fn: (x: Tensor) => OpOutput;
  readonly decomposition?: boolean;
  readonly toleranceScale?: number;
  readonly decompositionScale16?: number;
  /** Skip the empty and 0-d variants (ops that need a non-empty dim). */
  readonly nonEmpty?: boolean;
  /** Logical shape of the layout variants (default [3, 5]). */
  readonly shape?: readonly number[];
}

/** Variants of a one-input op. */
export function oneInputVariants(o: OneInputOptions): DifferentialSpec[] {
  const shape = o.shape ?? SHAPE;
  const input = (s: readonly number[], layout: Layout = "contiguous"): InputSpec => ({
    shape: s,
    dtype: o.dtype,
    layout,
    ...(o.domain ? { domain: o.domain } : {}),
  });
  const base = {
    op: o.op,
    fn: o.fn as (...xs: Tensor[]) => OpOutput,
    ...(o.decomposition ? { decomposition: true } : {}),
    ...(o.toleranceScale ? { toleranceScale: o.toleranceScale } : {}),
    ...(o.decompositionScale16 ? { decompositionScale16: o.decompositionScale16 } : {}),
  };
  const variants: DifferentialSpec[] = [
    { ...base, variant: "contiguous", inputs: [input(shape)] },
    { ...base, variant: "transposed", inputs: [input(shape, "transposed")] },
    { ...base, variant: "stepped slice", inputs: [input(shape, "strided")] },
    { ...base, variant: "negative stride", inputs: [input(shape, "flipped")] },
    { ...base, variant: "broadcast (stride 0)", inputs: [input(shape, "broadcast")] },
    { ...base, variant: "rank 4", inputs: [input([2, 1, 3, 4], "transposed")] },
  ];
  if (!o.nonEmpty) {
    variants.push(
      { ...base, variant: "empty", inputs: [input([0, ...shape.slice(1)])] },
      { ...base, variant: "0-d", inputs: [input([])] },
    );
  }
  return variants;
}

export interface TwoInputOptions {
  readonly op: string;
  readonly dtype: DType;
  readonly domainA?: Domain;
  readonly domainB?: Domain;
  readonly fn: (a: Tensor, b: Operand) => Tensor;
  /** A JS scalar for the scalar-operand variant (omitted: no such variant). */
  readonly scalar?: number | boolean;
}

/** Variants of a two-input elementwise op. */
export function twoInputVariants(o: TwoInputOptions): DifferentialSpec[] {
  const a = (shape: readonly number[], layout: Layout = "contiguous"): InputSpec => ({
    shape,
    dtype: o.dtype,
    layout,
    domain: o.domainA ?? "any",
  });
  const b = (shape: readonly number[], layout: Layout = "contiguous"): InputSpec => ({
    shape,
    dtype: o.dtype,
    layout,
    domain: o.domainB ?? "any",
  });
  const fn = (x: Tensor, y: Tensor): Tensor => o.fn(x, y);
  const base = { op: o.op, fn: fn as (...xs: Tensor[]) => OpOutput };
  const variants: DifferentialSpec[] = [
    { ...base, variant: "contiguous", inputs: [a(SHAPE), b(SHAPE)] },
    { ...base, variant: "transposed with stepped slice", inputs: [a(SHAPE, "transposed"), b(SHAPE, "strided")] },
    { ...base, variant: "negative stride with stride 0", inputs: [a(SHAPE, "flipped"), b(SHAPE, "broadcast")] },
    { ...base, variant: "shape broadcast [3, 5] with [5]", inputs: [a(SHAPE), b([5])] },
    { ...base, variant: "shape broadcast [3, 1] with [1, 5]", inputs: [a([3, 1]), b([1, 5])] },
    { ...base, variant: "0-d with [3, 5]", inputs: [a([]), b(SHAPE, "transposed")] },
    { ...base, variant: "both 0-d", inputs: [a([]), b([])] },
    { ...base, variant: "empty", inputs: [a([0, 5]), b([5])] },
    { ...base, variant: "rank 4", inputs: [a([2, 1, 3, 4], "transposed"), b([3, 1])] },
  ];
  if (o.scalar !== undefined) {
    const scalar = o.scalar;
    variants.push({
      op: o.op,
      variant: `scalar operand ${String(scalar)}`,
      inputs: [a(SHAPE, "strided")],
      fn: ((x: Tensor) => o.fn(x, scalar)) as (...xs: Tensor[]) => OpOutput,
    });
  }
  return variants;
}
