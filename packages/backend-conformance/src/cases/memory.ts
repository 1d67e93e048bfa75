/**
 * Memory primitives: alloc/write/read round trips of each dtype's extreme values, strided copies
 * (contiguous(), copy_ into a view, cat, pad) and fills.
 */
import type { DType, Tensor } from "@trek/tensor";
import { DTYPES, cat, full, isFloatingPoint, pad, stack } from "@trek/tensor";
import { testCase, type Case } from "../case.js";
import type { HostTensor } from "../compare.js";
import { differential, golden, type DifferentialSpec, type GoldenSpec, type OpOutput } from "../harness.js";
import type { HostValue, InputSpec, Layout } from "../inputs.js";
import { oneInputVariants } from "./variants.js";

const f32 = Math.fround;

type Fn = (...xs: Tensor[]) => OpOutput;

/** Values at the edges of each dtype (extremes, subnormals, signed zero, NaN, infinities). */
const EXTREMES: Readonly<Record<DType, readonly HostValue[]>> = {
  float32: [0, -0, 1, -1.5, f32(0.1), 3.4028234663852886e38, -3.4028234663852886e38, 1.401298464324817e-45, 1.1754943508222875e-38, NaN, Infinity, -Infinity],
  float64: [0, -0, 1, -1.5, 0.1, 1.7976931348623157e308, -1.7976931348623157e308, 5e-324, 2.2250738585072014e-308, NaN, Infinity, -Infinity],
  float16: [0, -0, 1, -1.5, 0.5, 65504, -65504, 6.103515625e-5, 5.960464477539063e-8, NaN, Infinity, -Infinity],
  bfloat16: [0, -0, 1, -1.5, 0.25, 3.3895313892515355e38, -3.3895313892515355e38, 1.1754943508222875e-38, 9.183549615799121e-41, NaN, Infinity, -Infinity],
  int8: [-128, 127, 0, -1, 5],
  uint8: [0, 255, 128, 1, 7],
  int16: [-32768, 32767, 0, -1, 300],
  int32: [-2147483648, 2147483647, 0, -1, 16777217],
  int64: [-(2n ** 63n), 2n ** 63n - 1n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, 0n],
  bool: [true, false, true, true, false],
};

function hostOf(dtype: DType, values: readonly HostValue[], shape: readonly number[] = [values.length]): HostTensor {
  const data = values.map((v) => (dtype === "int64" ? BigInt(v as bigint | number) : typeof v === "boolean" ? (v ? 1 : 0) : Number(v)));
  return { dtype, shape, data };
}

function roundTrip(dtype: DType): Case {
  const values = EXTREMES[dtype];
  const identity = (x: Tensor): Tensor => x;
  const specs: GoldenSpec[] = [
    { op: "memory", variant: "extreme values", inputs: [{ shape: [values.length], dtype, values }], fn: identity, expected: { output: hostOf(dtype, values) }, exact: true },
    {
      op: "memory",
      variant: "read at an offset (slice)",
      inputs: [{ shape: [values.length], dtype, values }],
      fn: (x: Tensor) => x.slice(0, 2, 4),
      expected: { output: hostOf(dtype, values.slice(2, 4)) },
      exact: true,
    },
    { op: "memory", variant: "0-d", inputs: [{ shape: [], dtype, values: [values[1]!] }], fn: identity, expected: { output: hostOf(dtype, [values[1]!], []) }, exact: true },
    { op: "memory", variant: "empty", inputs: [{ shape: [0, 3], dtype, values: [] }], fn: identity, expected: { output: hostOf(dtype, [], [0, 3]) }, exact: true },
  ];
  return testCase("memory", "write and read", dtype, (ctx, id) => golden(ctx, id, specs));
}

function fillValue(dtype: DType): number | boolean {
  if (dtype === "bool") return true;
  if (isFloatingPoint(dtype)) return -2.5;
  return dtype === "uint8" ? 200 : -7;
}

export function memoryCases(): Case[] {
  const cases: Case[] = [];
  for (const dtype of DTYPES) cases.push(roundTrip(dtype));

  for (const dtype of DTYPES) {
    const variants = oneInputVariants({ op: "copy", dtype, fn: (x) => x.contiguous() });
    cases.push(testCase("memory", "contiguous copy", dtype, (ctx, id) => differential(ctx, id, variants)));
  }

  for (const dtype of DTYPES) {
    const t = (shape: readonly number[], layout: Layout = "contiguous", d: DType = dtype): InputSpec => ({ shape, dtype: d, layout });
    // The whole base is returned: elements outside the written view must be untouched.
    const into = ((base: Tensor, src: Tensor) => (base.slice(1, 1, undefined, 2).copy_(src), base)) as Fn;
    const other: DType = dtype === "int32" ? "float32" : "int32";
    const variants: DifferentialSpec[] = [
      { op: "copy", variant: "into a stepped slice from a transposed source", inputs: [t([3, 8]), t([3, 4], "transposed")], fn: into },
      { op: "copy", variant: "into a stepped slice from a negative-stride source", inputs: [t([3, 8]), t([3, 4], "flipped")], fn: into },
      { op: "copy", variant: "into a stepped slice from a broadcast source", inputs: [t([3, 8]), t([4])], fn: into },
      { op: "copy", variant: "into a stepped slice from a 0-d source", inputs: [t([3, 8]), t([])], fn: into },
      { op: "copy", variant: `into a stepped slice from ${other} (cast)`, inputs: [t([3, 8]), t([3, 4], "transposed", other)], fn: into },
      {
        op: "copy",
        variant: "overlapping source (a view of the destination's own buffer)",
        inputs: [t([3, 8])],
        fn: ((base: Tensor) => (base.slice(1, 1, 5).copy_(base.slice(1, 0, 4)), base)) as Fn,
      },
    ];
    cases.push(testCase("memory", "copy into a view", dtype, (ctx, id) => differential(ctx, id, variants), [other]));
  }

  for (const dtype of DTYPES) {
    const value = fillValue(dtype);
    const t = (shape: readonly number[], layout: Layout = "contiguous"): InputSpec => ({ shape, dtype, layout });
    const variants: DifferentialSpec[] = [
      { op: "fill", variant: "full()", inputs: [t([2, 3])], fn: ((x: Tensor) => full([3, 4], value, { dtype, device: x.device })) as Fn },
      { op: "fill", variant: "fill_ of a stepped slice (rest untouched)", inputs: [t([3, 8])], fn: ((x: Tensor) => (x.slice(1, 0, undefined, 3).fill_(value), x)) as Fn },
      { op: "fill", variant: "zero_ of a transposed view", inputs: [t([4, 3])], fn: ((x: Tensor) => (x.T.zero_(), x)) as Fn },
      { op: "fill", variant: "fill_ of an empty view", inputs: [t([3, 4])], fn: ((x: Tensor) => (x.slice(1, 2, 2).fill_(value), x)) as Fn },
      { op: "fill", variant: "fill_ of a 0-d view", inputs: [t([3, 4])], fn: ((x: Tensor) => (x.select(0, 1).select(0, 2).fill_(value), x)) as Fn },
    ];
    cases.push(testCase("memory", "fill", dtype, (ctx, id) => differential(ctx, id, variants)));
  }

  for (const dtype of DTYPES) {
    const t = (shape: readonly number[], layout: Layout = "contiguous"): InputSpec => ({ shape, dtype, layout });
    const padValue = dtype === "bool" ? 1 : 3;
    const variants: DifferentialSpec[] = [
      {
        op: "cat",
        variant: "cat along 1 of contiguous, transposed and negative-stride parts",
        inputs: [t([3, 2]), t([3, 4], "transposed"), t([3, 1], "flipped")],
        fn: ((a: Tensor, b: Tensor, c: Tensor) => cat([a, b, c], 1)) as Fn,
      },
      { op: "cat", variant: "cat along 0 with an empty part", inputs: [t([2, 3], "strided"), t([0, 3]), t([1, 3])], fn: ((a: Tensor, b: Tensor, c: Tensor) => cat([a, b, c], 0)) as Fn },
      { op: "cat", variant: "stack of broadcast views", inputs: [t([3, 4], "broadcast"), t([3, 4], "transposed")], fn: ((a: Tensor, b: Tensor) => stack([a, b], 1)) as Fn },
      { op: "pad", variant: "constant pad of a transposed view", inputs: [t([3, 4], "transposed")], fn: ((x: Tensor) => pad(x, [1, 2, 2, 0], "constant", padValue)) as Fn },
      { op: "pad", variant: "negative pad (crop) of a negative-stride view", inputs: [t([4, 5], "flipped")], fn: ((x: Tensor) => pad(x, [-1, 1, 0, -2])) as Fn },
    ];
    cases.push(testCase("memory", "cat and pad", dtype, (ctx, id) => differential(ctx, id, variants)));
  }
  return cases;
}
