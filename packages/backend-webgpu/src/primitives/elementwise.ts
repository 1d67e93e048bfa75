/**
 * The elementwise primitives: unary, binary, where, cast, copy, fill. Each picks the WGSL
 * expression for its dtype family (float32-computed floats, i32-computed small integers, exact
 * emulated int64) and runs it through the strided map kernel.
 *
 * Semantics follow the CPU backend, the oracle: integer `div`/`mod` floor (Python's // and %)
 * and give 0 on division by zero, integer `pow` with a negative exponent gives 0, bool
 * arithmetic saturates to 0/1, float → int casts truncate (NaN/Inf → 0) and wrap on overflow,
 * max/min propagate NaN.
 */
import type { BinaryOp, DType, UnaryOp, View } from "@trek/tensor";
import { float32ToBFloat16Bits, float32ToFloat16Bits } from "@trek/tensor";
import type { GpuRuntime } from "../runtime.js";
import { storageFormat, type ComputeFamily } from "../storage-format.js";
import { floatWord } from "../strided-layout.js";
import { runMap } from "./map-kernel.js";

type Unary1 = (v: string) => string;
type Binary2 = (a: string, b: string) => string;

interface Expr<F> {
  readonly f: F;
  readonly snippets?: readonly string[];
}

const FLOAT_UNARY: Partial<Record<UnaryOp, Expr<Unary1>>> = {
  neg: { f: (v) => `-${v}` },
  abs: { f: (v) => `abs(${v})` },
  // sign(NaN) is 0, as in PyTorch.
  sign: { f: (v) => `select(select(0.0, -1.0, ${v} < 0.0), 1.0, ${v} > 0.0)` },
  exp: { f: (v) => `exp_precise(${v})`, snippets: ["exp_precise"] },
  expm1: { f: (v) => `expm1_precise(${v})`, snippets: ["expm1_precise"] },
  log: { f: (v) => `log_precise(${v})`, snippets: ["log_precise"] },
  log1p: { f: (v) => `log1p_precise(${v})`, snippets: ["log_precise"] },
  sqrt: { f: (v) => `select(sqrt(${v}), f32_nan(), ${v} < 0.0)` },
  rsqrt: { f: (v) => `select(1.0 / sqrt(${v}), f32_nan(), ${v} < 0.0)` },
  recip: { f: (v) => `1.0 / ${v}` },
  sin: { f: (v) => `sin_precise(${v})`, snippets: ["trig_precise"] },
  cos: { f: (v) => `cos_precise(${v})`, snippets: ["trig_precise"] },
  tan: { f: (v) => `tan_precise(${v})`, snippets: ["trig_precise"] },
  tanh: { f: (v) => `tanh_precise(${v})`, snippets: ["tanh_precise"] },
  erf: { f: (v) => `erf_precise(${v})`, snippets: ["erf_precise"] },
  floor: { f: (v) => `floor(${v})` },
  ceil: { f: (v) => `ceil(${v})` },
  round: { f: (v) => `round(${v})` },
  trunc: { f: (v) => `trunc(${v})` },
};

const INT_UNARY: Partial<Record<UnaryOp, Expr<Unary1>>> = {
  neg: { f: (v) => `-${v}` },
  abs: { f: (v) => `abs(${v})` },
  sign: { f: (v) => `sign(${v})` },
  floor: { f: (v) => v },
  ceil: { f: (v) => v },
  round: { f: (v) => v },
  trunc: { f: (v) => v },
  not: { f: (v) => `select(0i, 1i, ${v} == 0i)` },
};

const INT64_UNARY: Partial<Record<UnaryOp, Expr<Unary1>>> = {
  neg: { f: (v) => `i64_neg(${v})`, snippets: ["i64_basic"] },
  abs: { f: (v) => `i64_abs(${v})`, snippets: ["i64_basic"] },
  sign: { f: (v) => `i64_sign(${v})`, snippets: ["i64_basic"] },
  floor: { f: (v) => v },
  ceil: { f: (v) => v },
  round: { f: (v) => v },
  trunc: { f: (v) => v },
};

const bool = (condition: string): string => `select(0i, 1i, ${condition})`;

const FLOAT_BINARY: Record<BinaryOp, Expr<Binary2>> = {
  add: { f: (a, b) => `${a} + ${b}` },
  sub: { f: (a, b) => `${a} - ${b}` },
  mul: { f: (a, b) => `${a} * ${b}` },
  div: { f: (a, b) => `${a} / ${b}` },
  pow: { f: (a, b) => `pow_precise(${a}, ${b})`, snippets: ["pow_precise"] },
  maximum: { f: (a, b) => `select(select(${b}, ${a}, ${a} > ${b}), ${a}, is_nan(${a}))` },
  minimum: { f: (a, b) => `select(select(${b}, ${a}, ${a} < ${b}), ${a}, is_nan(${a}))` },
  mod: { f: (a, b) => `floor_mod(${a}, ${b})`, snippets: ["floor_mod"] },
  atan2: { f: (a, b) => `atan2_precise(${a}, ${b})`, snippets: ["atan_precise"] },
  eq: { f: (a, b) => bool(`${a} == ${b}`) },
  ne: { f: (a, b) => bool(`!(${a} == ${b})`) },
  lt: { f: (a, b) => bool(`${a} < ${b}`) },
  le: { f: (a, b) => bool(`${a} <= ${b}`) },
  gt: { f: (a, b) => bool(`${a} > ${b}`) },
  ge: { f: (a, b) => bool(`${a} >= ${b}`) },
  and: { f: (a, b) => bool(`${a} != 0.0 && ${b} != 0.0`) },
  or: { f: (a, b) => bool(`${a} != 0.0 || ${b} != 0.0`) },
  xor: { f: (a, b) => bool(`(${a} != 0.0) != (${b} != 0.0)`) },
};

const INT_BINARY: Record<BinaryOp, Expr<Binary2>> = {
  add: { f: (a, b) => `${a} + ${b}` },
  sub: { f: (a, b) => `${a} - ${b}` },
  mul: { f: (a, b) => `${a} * ${b}` },
  div: { f: (a, b) => `idiv_floor(${a}, ${b})`, snippets: ["int_ops"] },
  pow: { f: (a, b) => `ipow(${a}, ${b})`, snippets: ["int_ops"] },
  maximum: { f: (a, b) => `max(${a}, ${b})` },
  minimum: { f: (a, b) => `min(${a}, ${b})` },
  mod: { f: (a, b) => `imod_floor(${a}, ${b})`, snippets: ["int_ops"] },
  atan2: { f: (a, b) => `f32_to_i32_wrap(atan2_precise(f32(${a}), f32(${b})))`, snippets: ["atan_precise", "i64_convert"] },
  eq: { f: (a, b) => bool(`${a} == ${b}`) },
  ne: { f: (a, b) => bool(`${a} != ${b}`) },
  lt: { f: (a, b) => bool(`${a} < ${b}`) },
  le: { f: (a, b) => bool(`${a} <= ${b}`) },
  gt: { f: (a, b) => bool(`${a} > ${b}`) },
  ge: { f: (a, b) => bool(`${a} >= ${b}`) },
  and: { f: (a, b) => bool(`${a} != 0i && ${b} != 0i`) },
  or: { f: (a, b) => bool(`${a} != 0i || ${b} != 0i`) },
  xor: { f: (a, b) => bool(`(${a} != 0i) != (${b} != 0i)`) },
};

const I64 = ["i64_basic"];
const INT64_BINARY: Record<BinaryOp, Expr<Binary2>> = {
  add: { f: (a, b) => `i64_add(${a}, ${b})`, snippets: I64 },
  sub: { f: (a, b) => `i64_sub(${a}, ${b})`, snippets: I64 },
  mul: { f: (a, b) => `i64_mul(${a}, ${b})`, snippets: ["i64_mul"] },
  div: { f: (a, b) => `i64_floor_divmod(${a}, ${b}).q`, snippets: ["i64_div"] },
  pow: { f: (a, b) => `i64_pow(${a}, ${b})`, snippets: ["i64_mul"] },
  maximum: { f: (a, b) => `select(${b}, ${a}, i64_lt(${b}, ${a}))`, snippets: I64 },
  minimum: { f: (a, b) => `select(${b}, ${a}, i64_lt(${a}, ${b}))`, snippets: I64 },
  mod: { f: (a, b) => `i64_floor_divmod(${a}, ${b}).r`, snippets: ["i64_div"] },
  atan2: {
    f: (a, b) => `f32_to_i64(trunc(atan2_precise(i64_to_f32(${a}), i64_to_f32(${b}))))`,
    snippets: ["atan_precise", "i64_convert"],
  },
  eq: { f: (a, b) => bool(`i64_eq(${a}, ${b})`), snippets: I64 },
  ne: { f: (a, b) => bool(`!i64_eq(${a}, ${b})`), snippets: I64 },
  lt: { f: (a, b) => bool(`i64_lt(${a}, ${b})`), snippets: I64 },
  le: { f: (a, b) => bool(`!i64_lt(${b}, ${a})`), snippets: I64 },
  gt: { f: (a, b) => bool(`i64_lt(${b}, ${a})`), snippets: I64 },
  ge: { f: (a, b) => bool(`!i64_lt(${a}, ${b})`), snippets: I64 },
  and: { f: (a, b) => bool(`!i64_is_zero(${a}) && !i64_is_zero(${b})`), snippets: I64 },
  or: { f: (a, b) => bool(`!i64_is_zero(${a}) || !i64_is_zero(${b})`), snippets: I64 },
  xor: { f: (a, b) => bool(`i64_is_zero(${a}) != i64_is_zero(${b})`), snippets: I64 },
};

const BINARY: Record<ComputeFamily, Record<BinaryOp, Expr<Binary2>>> = {
  float: FLOAT_BINARY,
  int: INT_BINARY,
  int64: INT64_BINARY,
};

function family(dtype: DType): ComputeFamily {
  return storageFormat(dtype).family;
}

export function unary(runtime: GpuRuntime, op: UnaryOp, x: View, out: View): void {
  const kind = family(x.dtype);
  let expr: Expr<Unary1> | undefined;
  if (kind === "float") expr = FLOAT_UNARY[op];
  else if (kind === "int") {
    expr = INT_UNARY[op];
    const viaFloat = FLOAT_UNARY[op];
    if (!expr && viaFloat) {
      // Float functions of integers compute in float32 and store truncated, as the CPU does.
      expr = { f: (v) => `f32_to_i32_wrap(${viaFloat.f(`f32(${v})`)})`, snippets: [...(viaFloat.snippets ?? []), "i64_convert"] };
    }
  } else expr = INT64_UNARY[op];
  if (!expr) throw new TypeError(`unary ${op} is not defined for ${x.dtype}`);
  const f = expr.f;
  runMap(runtime, {
    key: `unary.${op}`,
    inputs: [{ name: "x", view: x }],
    out,
    expression: ([v]) => f(v!),
    snippets: expr.snippets,
  });
}

export function binary(runtime: GpuRuntime, op: BinaryOp, a: View, b: View, out: View): void {
  const expr = BINARY[family(a.dtype)][op];
  runMap(runtime, {
    key: `binary.${op}`,
    inputs: [
      { name: "a", view: a },
      { name: "b", view: b },
    ],
    out,
    expression: ([va, vb]) => expr.f(va!, vb!),
    snippets: expr.snippets,
  });
}

export function where(runtime: GpuRuntime, cond: View, a: View, b: View, out: View): void {
  runMap(runtime, {
    key: "where",
    inputs: [
      { name: "c", view: cond },
      { name: "a", view: a },
      { name: "b", view: b },
    ],
    out,
    raw: true,
    expression: ([c, va, vb]) => `select(${vb}, ${va}, ${c} != 0i)`,
  });
}

/** A conversion expression from a value of `from`'s family to a value for `to`'s store. */
function conversion(from: DType, to: DType, v: string): Expr<string> {
  const source = family(from);
  if (to === "bool") {
    if (source === "float") return { f: bool(`!(${v} == 0.0)`) };
    if (source === "int64") return { f: bool(`!i64_is_zero(${v})`), snippets: I64 };
    return { f: v };
  }
  const target = family(to);
  if (source === target) return { f: v };
  if (source === "float") {
    return { f: target === "int" ? `f32_to_i32_wrap(${v})` : `f32_to_i64(${v})`, snippets: ["i64_convert"] };
  }
  if (source === "int") {
    return target === "float" ? { f: `f32(${v})` } : { f: `i64_from_i32(${v})`, snippets: I64 };
  }
  return target === "float"
    ? { f: `i64_to_f32(${v})`, snippets: ["i64_convert"] }
    : { f: `bitcast<i32>(${v}.x)` };
}

export function cast(runtime: GpuRuntime, x: View, out: View): void {
  if (x.dtype === out.dtype) {
    copy(runtime, x, out);
    return;
  }
  const probe = conversion(x.dtype, out.dtype, "v");
  runMap(runtime, {
    key: "cast",
    inputs: [{ name: "x", view: x }],
    out,
    expression: ([v]) => conversion(x.dtype, out.dtype, v!).f,
    snippets: probe.snippets,
  });
}

export function copy(runtime: GpuRuntime, x: View, out: View): void {
  runMap(runtime, { key: "copy", inputs: [{ name: "x", view: x }], out, raw: true, expression: ([v]) => v! });
}

/** The storage words of a fill value (what the CPU backend would store). */
export function fillWords(dtype: DType, value: number | bigint | boolean): number[] {
  if (dtype === "int64") {
    let big: bigint;
    if (typeof value === "bigint") big = value;
    else {
      const n = Number(value);
      big = Number.isFinite(n) ? BigInt(Math.trunc(n)) : 0n;
    }
    const pair = new Uint32Array(new BigInt64Array([big]).buffer);
    return [pair[0]!, pair[1]!];
  }
  const n = typeof value === "bigint" ? Number(value) : typeof value === "boolean" ? (value ? 1 : 0) : value;
  switch (dtype) {
    case "float32":
      return [floatWord(n)];
    case "float16":
      return [float32ToFloat16Bits(n)];
    case "bfloat16":
      return [(float32ToBFloat16Bits(n) << 16) >>> 0];
    case "bool":
      return [n !== 0 ? 1 : 0];
    case "int32":
      return [new Int32Array([n])[0]! >>> 0];
    case "int16":
      return [new Int16Array([n])[0]! >>> 0];
    case "int8":
      return [new Int8Array([n])[0]! >>> 0];
    case "uint8":
      return [new Uint8Array([n])[0]!];
    default:
      throw new TypeError(`fill: dtype ${dtype} is not supported by the webgpu backend`);
  }
}

export function fill(runtime: GpuRuntime, out: View, value: number | bigint | boolean): void {
  const words = fillWords(out.dtype, value);
  const element = storageFormat(out.dtype).wgslElement;
  runMap(runtime, {
    key: "fill",
    inputs: [],
    out,
    raw: true,
    extraWords: words,
    expression: (_, extra) => {
      switch (element) {
        case "f32":
          return `pf(${extra(0)})`;
        case "f16":
          return `bitcast<vec2<f16>>(p(${extra(0)})).x`;
        case "u32":
          return `p(${extra(0)})`;
        case "i32":
          return `pi(${extra(0)})`;
        default:
          return `vec2<u32>(p(${extra(0)}), p(${extra(1)}))`;
      }
    },
  });
}
