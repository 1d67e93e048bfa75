/**
 * Every primitive of the Backend contract against the CPU backend on identical random views:
 * contiguous, permuted, sliced with steps, flipped (negative strides), broadcast (stride 0),
 * offset, empty and 0-d, for every dtype the WebGPU backend stores.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { BinaryOp, DType, ReduceOp, UnaryOp } from "@trek/tensor";
import { BINARY_OPS, REDUCE_OPS } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { acquireWebGpu } from "./support/webgpu.js";
import { LAYOUT_KINDS, Rng, WRITABLE_KINDS, layout, randomData, randomShape, type ValueRange } from "./support/random.js";
import { describeCase, differential } from "./support/differential.js";

const gpu = await acquireWebGpu("webgpu primitive tests");
const cpu = new CpuBackend({ primitivesOnly: true });
const CASES = 3;

const FLOATS: DType[] = gpu?.supportsDType("float16") ? ["float32", "float16", "bfloat16"] : ["float32", "bfloat16"];
const INTS: DType[] = ["int32", "int16", "int8", "uint8", "int64"];

const FLOAT_UNARY: UnaryOp[] = [
  "neg", "abs", "sign", "exp", "expm1", "log", "log1p", "sqrt", "rsqrt", "recip",
  "sin", "cos", "tan", "tanh", "erf", "floor", "ceil", "round", "trunc",
];
const INT_UNARY: UnaryOp[] = ["neg", "abs", "sign", "floor", "ceil", "round", "trunc"];

/** Inputs each op sees in the tests (domains keep the CPU's float64 reference meaningful). */
function unaryRange(op: UnaryOp): ValueRange {
  if (op === "tan") return { scale: 1.2, specials: true };
  if (op === "exp" || op === "expm1") return { scale: 8, specials: true };
  if (op === "round") return { scale: 6, specials: true };
  return { scale: 3, specials: true };
}

async function check(label: string, run: () => Promise<string | null>): Promise<void> {
  const problem = await run();
  expect(problem, label).toBeNull();
}

describe.skipIf(!gpu)("webgpu primitives match the cpu backend", () => {
  const backend = gpu!;
  afterAll(async () => {
    await backend?.dispose();
  });

  for (const dtype of [...FLOATS, ...INTS, "bool" as DType]) {
    it(`unary ops on ${dtype}`, async () => {
      const rng = new Rng(101 + dtype.length);
      const ops: UnaryOp[] = dtype === "bool" ? ["not"] : FLOATS.includes(dtype) ? FLOAT_UNARY : INT_UNARY;
      for (const op of ops) {
        for (let c = 0; c < CASES; c++) {
          const shape = randomShape(rng);
          const xl = layout(rng, shape, rng.pick(LAYOUT_KINDS));
          const ol = layout(rng, shape, rng.pick(WRITABLE_KINDS));
          const data = randomData(rng, dtype, xl.bufferNumel, unaryRange(op));
          await check(describeCase({ op, dtype, xl, ol }), () =>
            differential(rng, cpu, backend, [{ dtype, layout: xl, data }], [{ dtype, layout: ol }], (b, [x], [out]) =>
              b.unary(op, x!, out!),
            ),
          );
        }
      }
    });
  }

  it("float functions of int32 compute in float32 and truncate", async () => {
    const rng = new Rng(7);
    for (const op of ["exp", "sqrt", "sin"] as UnaryOp[]) {
      const xl = layout(rng, [4, 3], "contiguous");
      const data = randomData(rng, "int32", xl.bufferNumel, { lo: 0, hi: 12 });
      await check(op, () =>
        differential(rng, cpu, backend, [{ dtype: "int32", layout: xl, data }], [{ dtype: "int32", layout: xl }], (b, [x], [out]) =>
          b.unary(op, x!, out!),
        ),
      );
    }
  });

  const ARITHMETIC: BinaryOp[] = ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "mod", "atan2"];
  const COMPARE: BinaryOp[] = ["eq", "ne", "lt", "le", "gt", "ge"];

  function binaryRange(op: BinaryOp, dtype: DType, side: 0 | 1): ValueRange {
    if (dtype === "int64") {
      if (op === "pow") return side === 0 ? { lo: -5, hi: 5 } : { lo: -2, hi: 25 };
      return { lo: -40, hi: 40, wide: op !== "atan2" };
    }
    if (dtype === "int32") {
      if (op === "pow") return side === 0 ? { lo: -6, hi: 6 } : { lo: -2, hi: 9 };
      if (op === "mul") return { lo: -40000, hi: 40000 };
      return { lo: -30, hi: 30 };
    }
    if (FLOATS.includes(dtype)) {
      if (op === "pow") return side === 0 ? { scale: 2, specials: true } : { scale: 2.5, specials: true };
      return { scale: 4, specials: true };
    }
    if (op === "pow") return side === 0 ? { lo: 0, hi: 6 } : { lo: 0, hi: 3 };
    return {};
  }

  for (const dtype of [...FLOATS, ...INTS, "bool" as DType]) {
    it(`binary ops on ${dtype}`, async () => {
      const rng = new Rng(202 + dtype.length * 7);
      const ops: BinaryOp[] =
        dtype === "bool"
          ? ["add", "mul", "maximum", "minimum", ...COMPARE, "and", "or", "xor"]
          : INTS.includes(dtype) && dtype !== "int64" && dtype !== "int32"
            ? ["add", "sub", "mul", "div", "maximum", "minimum", "mod", ...COMPARE]
            : [...ARITHMETIC, ...COMPARE];
      for (const op of ops) {
        const outDtype: DType = COMPARE.includes(op) || dtype === "bool" ? "bool" : dtype;
        for (let c = 0; c < CASES; c++) {
          const shape = randomShape(rng);
          const al = layout(rng, shape, rng.pick(LAYOUT_KINDS));
          const bl = layout(rng, shape, rng.pick(LAYOUT_KINDS));
          const ol = layout(rng, shape, rng.pick(WRITABLE_KINDS));
          const a = randomData(rng, dtype, al.bufferNumel, binaryRange(op, dtype, 0));
          const bData = randomData(rng, dtype, bl.bufferNumel, binaryRange(op, dtype, 1));
          // Comparisons need ties to be meaningful: copy some of a's values into b.
          if (COMPARE.includes(op) && dtype !== "bool") {
            for (let i = 0; i < Math.min(a.length, bData.length); i += 2) (bData as Int32Array)[i] = (a as Int32Array)[i]!;
          }
          await check(describeCase({ op, dtype, al, bl, ol }), () =>
            differential(
              rng,
              cpu,
              backend,
              [
                { dtype, layout: al, data: a },
                { dtype, layout: bl, data: bData },
              ],
              [{ dtype: outDtype, layout: ol }],
              (b, [x, y], [out]) => b.binary(op, x!, y!, out!),
              op === "pow" && dtype === "float32" ? { rtol: 1e-5, atol: 1e-6 } : undefined,
            ),
          );
        }
      }
    });
  }

  it("binary ops write in place into an operand's buffer", async () => {
    const rng = new Rng(33);
    for (const op of ["add", "mul", "maximum"] as BinaryOp[]) {
      const l = layout(rng, [3, 5], "sliced");
      const a = randomData(rng, "float32", l.bufferNumel);
      const bl = layout(rng, [3, 5], "broadcast");
      const bData = randomData(rng, "float32", bl.bufferNumel);
      // out aliases input a: same buffer, same view
      await check(op, () =>
        differential(rng, cpu, backend, [{ dtype: "float32", layout: bl, data: bData }], [{ dtype: "float32", layout: l }], (b, [y], [out]) => {
          b.write(out!.buffer, "float32", a, 0);
          b.binary(op, out!, y!, out!);
        }),
      );
    }
  });

  for (const dtype of [...FLOATS, ...INTS, "bool" as DType]) {
    it(`where, copy and fill on ${dtype}`, async () => {
      const rng = new Rng(303 + dtype.length);
      for (let c = 0; c < 4; c++) {
        const shape = randomShape(rng);
        const cl = layout(rng, shape, rng.pick(LAYOUT_KINDS));
        const al = layout(rng, shape, rng.pick(LAYOUT_KINDS));
        const bl = layout(rng, shape, rng.pick(LAYOUT_KINDS));
        const ol = layout(rng, shape, rng.pick(WRITABLE_KINDS));
        const inputs = [
          { dtype: "bool" as DType, layout: cl, data: randomData(rng, "bool", cl.bufferNumel) },
          { dtype, layout: al, data: randomData(rng, dtype, al.bufferNumel, { specials: true, wide: true }) },
          { dtype, layout: bl, data: randomData(rng, dtype, bl.bufferNumel, { specials: true, wide: true }) },
        ];
        await check(describeCase({ op: "where", dtype, cl, al, bl, ol }), () =>
          differential(rng, cpu, backend, inputs, [{ dtype, layout: ol }], (b, [cond, x, y], [out]) => b.where(cond!, x!, y!, out!)),
        );
        await check(describeCase({ op: "copy", dtype, al, ol }), () =>
          differential(rng, cpu, backend, [inputs[1]!], [{ dtype, layout: ol }], (b, [x], [out]) => b.copy(x!, out!)),
        );
      }
      const fills: (number | bigint | boolean)[] = [0, -0, 1, -1, 2.5, -3.75, 300, -70000, 1e10, NaN, Infinity, true, false];
      if (dtype === "int64") fills.push(-(2n ** 62n) + 5n, 2n ** 40n);
      for (const value of fills) {
        const ol = layout(rng, [2, 3, 4], rng.pick(WRITABLE_KINDS));
        await check(describeCase({ op: "fill", dtype, value: String(value), ol }), () =>
          differential(rng, cpu, backend, [], [{ dtype, layout: ol }], (b, _, [out]) => b.fill(out!, value)),
        );
      }
    });
  }

  it("cast between every pair of dtypes", async () => {
    const rng = new Rng(404);
    const all: DType[] = [...FLOATS, ...INTS, "bool"];
    for (const from of all) {
      for (const to of all) {
        const shape = randomShape(rng, 3, 6);
        const xl = layout(rng, shape, rng.pick(LAYOUT_KINDS));
        const ol = layout(rng, shape, rng.pick(WRITABLE_KINDS));
        // The CPU converts int64 through float64 first, which is exact only within ±2^53.
        const range: ValueRange = FLOATS.includes(from) ? { scale: 300, specials: true } : { wide: to === "int64" || to === "bool" };
        const data = randomData(rng, from, xl.bufferNumel, range);
        if (FLOATS.includes(from) && from === "float32") {
          const f = data as Float32Array;
          for (let i = 0; i < f.length; i += 5) f[i] = rng.pick([3e9, -3e9, 1e20, -2147483648, 2147483647.5, 255.9, -0.9]);
        }
        await check(describeCase({ from, to, xl, ol }), () =>
          differential(rng, cpu, backend, [{ dtype: from, layout: xl, data }], [{ dtype: to, layout: ol }], (b, [x], [out]) =>
            b.cast(x!, out!),
          ),
        );
      }
    }
  });

  for (const dtype of [...FLOATS, "int32", "int64", "uint8", "int8", "bool"] as DType[]) {
    it(`reduce ops on ${dtype}`, async () => {
      const rng = new Rng(505 + dtype.length);
      const ops: ReduceOp[] = dtype === "bool" ? ["max", "min"] : [...REDUCE_OPS];
      for (const op of ops) {
        for (let c = 0; c < CASES + 1; c++) {
          const shape = randomShape(rng, 4, 6);
          const dims = shape.map((_, i) => i).filter(() => rng.next() < 0.5);
          const xl = layout(rng, shape, rng.pick(LAYOUT_KINDS));
          const outShape = shape.map((s, i) => (dims.includes(i) ? 1 : s));
          const ol = layout(rng, outShape, rng.pick(WRITABLE_KINDS));
          const range: ValueRange = op === "prod" ? { lo: -3, hi: 3, scale: 1 } : { specials: c === 0, wide: true };
          const data = randomData(rng, dtype, xl.bufferNumel, range);
          await check(describeCase({ op, dtype, dims, xl, ol }), () =>
            differential(rng, cpu, backend, [{ dtype, layout: xl, data }], [{ dtype, layout: ol }], (b, [x], [out]) =>
              b.reduce(op, x!, dims, out!),
            ),
          );
        }
      }
    });
  }

  it("reductions over many elements (workgroup variant) stay accurate", async () => {
    const rng = new Rng(606);
    for (const [shape, dims] of [
      [[3, 5000], [1]],
      [[4000], [0]],
      [[40, 30, 20], [0, 2]],
      [[2, 0, 3], [1]],
    ] as [number[], number[]][]) {
      for (const op of REDUCE_OPS) {
        const xl = layout(rng, shape, "contiguous");
        const outShape = shape.map((s, i) => (dims.includes(i) ? 1 : s));
        const ol = layout(rng, outShape, "contiguous");
        const data = randomData(rng, "float32", xl.bufferNumel, { scale: op === "prod" ? 0.01 : 1 });
        if (op === "prod") for (let i = 0; i < data.length; i++) (data as Float32Array)[i] = 1 + (data as Float32Array)[i]!;
        await check(describeCase({ op, shape, dims }), () =>
          differential(rng, cpu, backend, [{ dtype: "float32", layout: xl, data }], [{ dtype: "float32", layout: ol }], (b, [x], [out]) =>
            b.reduce(op, x!, dims, out!),
            { rtol: 1e-5, atol: 1e-5 },
          ),
        );
      }
    }
  });
});
