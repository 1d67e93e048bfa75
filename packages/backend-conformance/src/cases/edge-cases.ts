/**
 * Edge cases whose expected values follow from arithmetic alone (written out here, never
 * computed by the code under test): integer division by zero and overflow, int64 beyond 2^53,
 * 16-bit rounding and accumulation, NaN propagation, empty tensors, bool semantics, float ↔
 * integer conversion, round-half-to-even.
 */
import type { DType, Tensor } from "@trek/tensor";
import { DTYPES, cat, isFloatingPoint, where } from "@trek/tensor";
import { testCase, type Case } from "../case.js";
import type { HostTensor } from "../compare.js";
import { golden, type GoldenSpec, type OpOutput } from "../harness.js";
import type { HostValue, InputSpec } from "../inputs.js";

const FLOATS: readonly DType[] = ["float32", "float64", "float16", "bfloat16"];
const INTS: readonly DType[] = ["int8", "uint8", "int16", "int32", "int64"];

type Fn = (...xs: Tensor[]) => OpOutput;

function host(dtype: DType, values: readonly HostValue[], shape: readonly number[] = [values.length]): HostTensor {
  const data = values.map((v) => (dtype === "int64" ? BigInt(v as bigint | number) : typeof v === "boolean" ? (v ? 1 : 0) : Number(v)));
  return { dtype, shape, data };
}

function input(dtype: DType, values: readonly HostValue[], shape: readonly number[] = [values.length]): InputSpec {
  return { shape, dtype, values: dtype === "int64" ? values.map((v) => BigInt(v as bigint | number)) : values };
}

/** A golden spec whose single output is expected to equal `expected` exactly. */
function exact(variant: string, inputs: InputSpec[], fn: Fn, expected: HostTensor | Record<string, HostTensor>): GoldenSpec {
  const named = "dtype" in expected ? { output: expected as HostTensor } : (expected as Record<string, HostTensor>);
  return { op: "edge", variant, inputs, fn, expected: named, exact: true };
}

const add = ((a: Tensor, b: Tensor) => a.add(b)) as Fn;
const sub = ((a: Tensor, b: Tensor) => a.sub(b)) as Fn;
const mul = ((a: Tensor, b: Tensor) => a.mul(b)) as Fn;
const neg = ((a: Tensor) => a.neg()) as Fn;

function integerDivisionByZero(dtype: DType): Case {
  const a = dtype === "uint8" ? [7, 0, 200] : [7, -7, 0];
  const zeros = [0, 0, 0];
  const specs = [
    exact("floor division by zero gives 0", [input(dtype, a), input(dtype, zeros)], ((x: Tensor, y: Tensor) => x.div(y, "floor")) as Fn, host(dtype, zeros)),
    exact("remainder by zero gives 0", [input(dtype, a), input(dtype, zeros)], ((x: Tensor, y: Tensor) => x.remainder(y)) as Fn, host(dtype, zeros)),
  ];
  return testCase("edge", "integer division by zero", dtype, (ctx, id) => golden(ctx, id, specs));
}

/** Two's-complement wrap-around, as PyTorch's integer arithmetic. */
const OVERFLOW: Readonly<Record<string, readonly [string, Fn, HostValue[], HostValue[], HostValue[]][]>> = {
  int8: [
    ["add", add, [127, -128], [1, -1], [-128, 127]],
    ["sub", sub, [-128], [1], [127]],
    ["mul", mul, [64, -128, 16], [4, -1, 9], [0, -128, -112]],
    ["neg", neg, [-128], [], [-128]],
  ],
  uint8: [
    ["add", add, [200], [100], [44]],
    ["sub", sub, [0], [1], [255]],
    ["mul", mul, [16], [17], [16]],
    ["neg", neg, [1], [], [255]],
  ],
  int16: [
    ["add", add, [32767], [1], [-32768]],
    ["mul", mul, [256, 300], [256, 300], [0, 24464]],
    ["neg", neg, [-32768], [], [-32768]],
  ],
  int32: [
    ["add", add, [2147483647], [1], [-2147483648]],
    ["mul", mul, [65536, 2147483647, 46341, -2147483648], [65536, 2147483647, 46341, -1], [0, 1, -2147479015, -2147483648]],
    ["neg", neg, [-2147483648], [], [-2147483648]],
  ],
  int64: [
    ["add", add, [2n ** 63n - 1n], [1n], [-(2n ** 63n)]],
    ["mul", mul, [2n ** 32n, 2n ** 63n - 1n], [2n ** 32n, 2n ** 63n - 1n], [0n, 1n]],
    ["neg", neg, [-(2n ** 63n)], [], [-(2n ** 63n)]],
  ],
};

function integerOverflow(dtype: DType): Case {
  const specs = OVERFLOW[dtype]!.map(([name, fn, a, b, expected]) =>
    exact(`${name} wraps around`, b.length ? [input(dtype, a), input(dtype, b)] : [input(dtype, a)], fn, host(dtype, expected)),
  );
  return testCase("edge", "integer overflow wraps", dtype, (ctx, id) => golden(ctx, id, specs));
}

/** ⌊a / b⌋ in exact integer arithmetic (BigInt division truncates toward zero). */
function floorDivide(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q;
}

function int64Exactness(): Case {
  const big = 2n ** 53n;
  const a = [big + 1n, -(big + 1n), 2n ** 62n + 3n];
  const b = [2n, 3n, -5n];
  const wrap = (v: bigint): bigint => BigInt.asIntN(64, v);
  const t = (values: bigint[]) => input("int64", values);
  const h = (values: bigint[], shape?: number[]) => host("int64", values, shape);
  const specs: GoldenSpec[] = [
    exact("add", [t(a), t(b)], add, h(a.map((v, i) => v + b[i]!))),
    exact("sub", [t(a), t(b)], sub, h(a.map((v, i) => v - b[i]!))),
    exact("mul (the last product wraps)", [t(a), t(b)], mul, h(a.map((v, i) => wrap(v * b[i]!)))),
    exact("floor division", [t(a), t(b)], ((x: Tensor, y: Tensor) => x.div(y, "floor")) as Fn, h(a.map((v, i) => floorDivide(v, b[i]!)))),
    exact("remainder", [t(a), t(b)], ((x: Tensor, y: Tensor) => x.remainder(y)) as Fn, h(a.map((v, i) => v - floorDivide(v, b[i]!) * b[i]!))),
    exact("maximum of neighbours", [t([big + 1n, big]), t([big, big + 1n])], ((x: Tensor, y: Tensor) => x.maximum(y)) as Fn, h([big + 1n, big + 1n])),
    exact("eq of neighbours", [t([big + 1n, big]), t([big, big])], ((x: Tensor, y: Tensor) => x.eq(y)) as Fn, host("bool", [false, true])),
    exact("lt of neighbours", [t([big, big + 1n]), t([big + 1n, big + 1n])], ((x: Tensor, y: Tensor) => x.lt(y)) as Fn, host("bool", [true, false])),
    exact("sum", [t([big, 1n, 1n])], ((x: Tensor) => x.sum()) as Fn, h([big + 2n], [])),
    exact("cumsum", [t([big, 1n, 1n])], ((x: Tensor) => x.cumsum(0)) as Fn, h([big, big + 1n, big + 2n])),
    exact("abs", [t([-(2n ** 60n) - 1n])], ((x: Tensor) => x.abs()) as Fn, h([2n ** 60n + 1n])),
    exact(
      "sort",
      [t([big + 2n, big + 1n, big])],
      ((x: Tensor) => {
        const { values, indices } = x.sort(0);
        return { values, indices };
      }) as Fn,
      { values: h([big, big + 1n, big + 2n]), indices: h([2n, 1n, 0n]) },
    ),
    exact("argmax", [t([big, big + 1n, big])], ((x: Tensor) => x.argmax()) as Fn, h([1n], [])),
    exact("indexSelect keeps every bit", [t([2n ** 62n + 1n, -(2n ** 62n) - 3n]), t([1n, 0n])], ((x: Tensor, i: Tensor) => x.indexSelect(0, i)) as Fn, h([-(2n ** 62n) - 3n, 2n ** 62n + 1n])),
    exact("to float64 rounds to nearest even", [t([big + 1n, big + 3n])], ((x: Tensor) => x.to("float64")) as Fn, host("float64", [2 ** 53, 2 ** 53 + 4])),
  ];
  return testCase("edge", "int64 beyond 2^53", "int64", (ctx, id) => golden(ctx, id, specs), ["bool", "float64"]);
}

function sixteenBitRounding(dtype: "float16" | "bfloat16"): Case {
  const castFn = ((x: Tensor) => x.to(dtype)) as Fn;
  const specs: GoldenSpec[] =
    dtype === "float16"
      ? [
          exact(
            "float32 → float16 rounds to nearest even, overflows to inf, rounds subnormals",
            [input("float32", [1 + 2 ** -11, 1 + 3 * 2 ** -11, 65519, 65520, 2 ** -25, 3 * 2 ** -26, -(1 + 2 ** -11), 2049, 2051])],
            castFn,
            host(dtype, [1, 1 + 2 ** -9, 65504, Infinity, 0, 2 ** -24, -1, 2048, 2052]),
          ),
          exact("int32 → float16", [input("int32", [2049, 65520, -3])], castFn, host(dtype, [2048, Infinity, -3])),
          exact("2048 + 1 rounds to 2048", [input(dtype, [2048, 1]), input(dtype, [1, 2 ** -11])], add, host(dtype, [2048, 1])),
          exact("255 × 257 overflows", [input(dtype, [255]), input(dtype, [257])], mul, host(dtype, [Infinity])),
          exact("1 / 3", [input(dtype, [1]), input(dtype, [3])], ((x: Tensor, y: Tensor) => x.div(y)) as Fn, host(dtype, [0.333251953125])),
        ]
      : [
          exact(
            "float32 → bfloat16 rounds to nearest even and overflows to inf",
            [input("float32", [1 + 2 ** -8, 1 + 3 * 2 ** -8, 257, 259, 3.3895313892515355e38, 3.4e38, -(1 + 2 ** -8)])],
            castFn,
            host(dtype, [1, 1 + 2 ** -6, 256, 260, 3.3895313892515355e38, Infinity, -1]),
          ),
          exact("int32 → bfloat16", [input("int32", [257, 259, -3])], castFn, host(dtype, [256, 260, -3])),
          exact("256 + 1 rounds to 256", [input(dtype, [256]), input(dtype, [1])], add, host(dtype, [256])),
          exact("1 / 3", [input(dtype, [1]), input(dtype, [3])], ((x: Tensor, y: Tensor) => x.div(y)) as Fn, host(dtype, [0.333984375])),
        ];
  return testCase("edge", "16-bit rounding", dtype, (ctx, id) => golden(ctx, id, specs), ["float32", "int32"]);
}

function sixteenBitAccumulation(dtype: "float16" | "bfloat16"): Case {
  // Past 2048 (float16) or 256 (bfloat16) adding 1 in the dtype itself no longer changes the sum.
  const n = dtype === "float16" ? 4096 : 1024;
  const ones = new Array<number>(n).fill(1);
  const specs: GoldenSpec[] = [
    exact(`sum of ${n} ones`, [input(dtype, ones)], ((x: Tensor) => x.sum()) as Fn, host(dtype, [n], [])),
    exact(`mean of ${n} ones`, [input(dtype, ones)], ((x: Tensor) => x.mean()) as Fn, host(dtype, [1], [])),
    exact(
      `[1, ${n}] @ [${n}, 1] of ones`,
      [input(dtype, ones, [1, n]), input(dtype, ones, [n, 1])],
      ((a: Tensor, b: Tensor) => a.matmul(b)) as Fn,
      host(dtype, [n], [1, 1]),
    ),
  ];
  return testCase("edge", "16-bit sums accumulate in float32", dtype, (ctx, id) => golden(ctx, id, specs));
}

function nanPropagation(dtype: DType): Case {
  const x = [1, NaN, 3, -2];
  const t = () => input(dtype, x);
  const specs: GoldenSpec[] = [
    exact("amax", [t()], ((v: Tensor) => v.amax()) as Fn, host(dtype, [NaN], [])),
    exact("amin", [t()], ((v: Tensor) => v.amin()) as Fn, host(dtype, [NaN], [])),
    exact("sum", [t()], ((v: Tensor) => v.sum()) as Fn, host(dtype, [NaN], [])),
    exact("maximum with 0", [t()], ((v: Tensor) => v.maximum(0)) as Fn, host(dtype, [1, NaN, 3, 0])),
    exact("minimum with 0", [t()], ((v: Tensor) => v.minimum(0)) as Fn, host(dtype, [0, NaN, 0, -2])),
    exact("relu", [t()], ((v: Tensor) => v.relu()) as Fn, host(dtype, [1, NaN, 3, 0])),
    exact("clamp to [-1, 2]", [t()], ((v: Tensor) => v.clamp(-1, 2)) as Fn, host(dtype, [1, NaN, 2, -1])),
    exact("cumsum", [t()], ((v: Tensor) => v.cumsum(0)) as Fn, host(dtype, [1, NaN, NaN, NaN])),
    exact("softmax of a row with NaN", [t()], ((v: Tensor) => v.softmax(0)) as Fn, host(dtype, [NaN, NaN, NaN, NaN])),
    exact("argmax picks the NaN", [t()], ((v: Tensor) => v.argmax()) as Fn, host("int64", [1], [])),
    exact("argmin picks the NaN", [t()], ((v: Tensor) => v.argmin()) as Fn, host("int64", [1], [])),
    exact(
      "sort puts NaN last",
      [t()],
      ((v: Tensor) => {
        const { values, indices } = v.sort(0);
        return { values, indices };
      }) as Fn,
      { values: host(dtype, [-2, 1, 3, NaN]), indices: host("int64", [3, 0, 2, 1]) },
    ),
    exact("isnan", [t()], ((v: Tensor) => v.isnan()) as Fn, host("bool", [false, true, false, false])),
    exact("amax with infinities", [input(dtype, [1, Infinity, -Infinity])], ((v: Tensor) => v.amax()) as Fn, host(dtype, [Infinity], [])),
    exact("softmax with -inf", [input(dtype, [0, -Infinity])], ((v: Tensor) => v.softmax(0)) as Fn, host(dtype, [1, 0])),
    exact("relu of -inf", [input(dtype, [-Infinity, Infinity])], ((v: Tensor) => v.relu()) as Fn, host(dtype, [0, Infinity])),
  ];
  return testCase("edge", "NaN and infinity propagation", dtype, (ctx, id) => golden(ctx, id, specs), ["int64", "bool"]);
}

function emptyTensors(dtype: DType): Case {
  const sumDType: DType = isFloatingPoint(dtype) ? dtype : "int64";
  const empty = () => input(dtype, [], [0, 3]);
  const two = dtype === "bool" ? [true, false, true, false, true, true] : [1, 2, 3, 4, 5, 6];
  const specs: GoldenSpec[] = [
    exact("sum over an empty dim is 0", [empty()], ((v: Tensor) => v.sum(0)) as Fn, host(sumDType, [0, 0, 0])),
    exact("prod over an empty dim is 1", [empty()], ((v: Tensor) => v.prod(0)) as Fn, host(sumDType, [1, 1, 1])),
    exact("cumsum of an empty tensor", [empty()], ((v: Tensor) => v.cumsum(0)) as Fn, host(sumDType, [], [0, 3])),
    exact("sort of an empty tensor", [empty()], ((v: Tensor) => v.sort(0).values) as Fn, host(dtype, [], [0, 3])),
    exact("cat with an empty part", [empty(), input(dtype, two, [2, 3])], ((a: Tensor, b: Tensor) => cat([a, b], 0)) as Fn, host(dtype, two, [2, 3])),
    exact("where on empty tensors", [input("bool", [], [0, 3]), empty(), empty()], ((c: Tensor, a: Tensor, b: Tensor) => where(c, a, b)) as Fn, host(dtype, [], [0, 3])),
  ];
  if (dtype !== "bool") {
    specs.push(
      exact("matmul with inner size 0 gives zeros", [input(dtype, [], [2, 0]), input(dtype, [], [0, 3])], ((a: Tensor, b: Tensor) => a.matmul(b)) as Fn, host(dtype, [0, 0, 0, 0, 0, 0], [2, 3])),
    );
  }
  const needs = [...new Set<DType>(["bool", sumDType, "int64"])].filter((d) => d !== dtype);
  return testCase("edge", "empty tensors", dtype, (ctx, id) => golden(ctx, id, specs), needs);
}

function boolSemantics(): Case {
  const a = () => input("bool", [true, true, false, false]);
  const b = () => input("bool", [true, false, true, false]);
  const h = (values: boolean[]) => host("bool", values);
  const specs: GoldenSpec[] = [
    exact("add is or", [a(), b()], add, h([true, true, true, false])),
    exact("mul is and", [a(), b()], mul, h([true, false, false, false])),
    exact("maximum is or", [a(), b()], ((x: Tensor, y: Tensor) => x.maximum(y)) as Fn, h([true, true, true, false])),
    exact("minimum is and", [a(), b()], ((x: Tensor, y: Tensor) => x.minimum(y)) as Fn, h([true, false, false, false])),
    exact("xor", [a(), b()], ((x: Tensor, y: Tensor) => x.logicalXor(y)) as Fn, h([false, true, true, false])),
    exact("not", [a()], ((x: Tensor) => x.logicalNot()) as Fn, h([false, false, true, true])),
    exact("eq", [a(), b()], ((x: Tensor, y: Tensor) => x.eq(y)) as Fn, h([true, false, false, true])),
    exact("lt (false < true)", [a(), b()], ((x: Tensor, y: Tensor) => x.lt(y)) as Fn, h([false, false, true, false])),
    exact("sum counts true values (int64)", [a()], ((x: Tensor) => x.sum()) as Fn, host("int64", [2], [])),
    exact("any / all", [a()], ((x: Tensor) => [x.any(), x.all()]) as Fn, { "output 0": host("bool", [true], []), "output 1": host("bool", [false], []) }),
    exact("to float32", [a()], ((x: Tensor) => x.to("float32")) as Fn, host("float32", [1, 1, 0, 0])),
  ];
  return testCase("edge", "bool semantics", "bool", (ctx, id) => golden(ctx, id, specs), ["int64", "float32"]);
}

function floatToInteger(dtype: DType): Case {
  // Exact in every float dtype, bfloat16 included.
  const x = [2.75, -2.75, 0.5, -0.5, 100.5, -100.5];
  const truncated = [2, -2, 0, 0, 100, -100];
  const specs: GoldenSpec[] = [
    exact("to int32 truncates toward zero", [input(dtype, x)], ((v: Tensor) => v.to("int32")) as Fn, host("int32", truncated)),
    exact("to int8 truncates toward zero", [input(dtype, x)], ((v: Tensor) => v.to("int8")) as Fn, host("int8", truncated)),
    exact("to int64 truncates toward zero", [input(dtype, x)], ((v: Tensor) => v.to("int64")) as Fn, host("int64", truncated)),
    exact("to bool is != 0 (NaN is true)", [input(dtype, [0.5, -0, 0, -2, NaN])], ((v: Tensor) => v.to("bool")) as Fn, host("bool", [true, false, false, true, true])),
  ];
  if (dtype === "float32") {
    specs.push(exact("int32 → float32 rounds to nearest even", [input("int32", [16777217, 16777219, -16777217])], ((v: Tensor) => v.to("float32")) as Fn, host("float32", [16777216, 16777220, -16777216])));
  }
  return testCase("edge", "float to integer conversion", dtype, (ctx, id) => golden(ctx, id, specs), ["int32", "int8", "int64", "bool"]);
}

function roundHalfEven(dtype: DType): Case {
  const specs = [
    exact(
      "round",
      [input(dtype, [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5, 4.5, 0.49, -0.51])],
      ((v: Tensor) => v.round()) as Fn,
      host(dtype, [0, 2, 2, -0, -2, -2, 4, 4, 0, -1]),
    ),
  ];
  return testCase("edge", "round half to even", dtype, (ctx, id) => golden(ctx, id, specs));
}

export function edgeCases(): Case[] {
  return [
    ...INTS.map(integerDivisionByZero),
    ...INTS.map(integerOverflow),
    int64Exactness(),
    sixteenBitRounding("float16"),
    sixteenBitRounding("bfloat16"),
    sixteenBitAccumulation("float16"),
    sixteenBitAccumulation("bfloat16"),
    ...FLOATS.map(nanPropagation),
    ...DTYPES.map(emptyTensors),
    boolSemantics(),
    ...FLOATS.map(floatToInteger),
    ...FLOATS.map(roundHalfEven),
  ];
}
