/** Differential cases for the elementwise primitives: unary, binary, where and cast. */
import type { BinaryOp, DType, Tensor, UnaryOp } from "@trek/tensor";
import { BINARY_OPS, COMPARISON_OPS, DTYPES, LOGICAL_OPS, UNARY_OPS, isFloatingPoint, where } from "@trek/tensor";
import { notApplicable, testCase, type Case } from "../case.js";
import { differential, type DifferentialSpec, type OpOutput } from "../harness.js";
import type { Domain, InputSpec, Layout } from "../inputs.js";
import { BINARY_CALLS, UNARY_CALLS } from "../op-calls.js";
import { oneInputVariants, twoInputVariants } from "./variants.js";

/** Unary ops defined on floats only: other dtypes are promoted to the default float dtype first. */
const FLOAT_ONLY_UNARY: ReadonlySet<UnaryOp> = new Set([
  "exp", "expm1", "log", "log1p", "sqrt", "rsqrt", "recip", "sin", "cos", "tan", "tanh", "erf",
]);

const UNARY_DOMAIN: Partial<Record<UnaryOp, Domain>> = {
  log: "positive",
  log1p: "positive",
  sqrt: "positive",
  rsqrt: "positive",
  recip: "nonzero",
  tan: "unit",
};

export function unaryCases(): Case[] {
  const cases: Case[] = [];
  for (const op of UNARY_OPS) {
    for (const dtype of DTYPES) {
      if (dtype === "bool" && (op === "neg" || op === "abs")) {
        cases.push(notApplicable("unary", op, dtype, `${op} of bool is rejected by the tensor layer (PyTorch too); logicalNot negates booleans`));
        continue;
      }
      const needs: DType[] = [];
      if (FLOAT_ONLY_UNARY.has(op) && !isFloatingPoint(dtype)) needs.push("float32");
      if (op === "not" && dtype !== "bool") needs.push("bool");
      const variants = oneInputVariants({ op, dtype, domain: UNARY_DOMAIN[op] ?? "any", fn: UNARY_CALLS[op] });
      cases.push(testCase("unary", op, dtype, (ctx, id) => differential(ctx, id, variants), needs));
    }
  }
  return cases;
}

function binaryDomains(op: BinaryOp, dtype: DType): { a: Domain; b: Domain } {
  const float = isFloatingPoint(dtype);
  switch (op) {
    case "div":
    case "mod":
      return { a: "any", b: "nonzero" };
    case "pow":
      return float ? { a: "positive", b: "exponent" } : { a: "unit", b: "exponent" };
    default:
      return { a: "any", b: "any" };
  }
}

/** Ops the tensor layer rejects for bool operands. */
const NO_BOOL: ReadonlySet<BinaryOp> = new Set(["sub", "pow", "mod"]);

export function binaryCases(): Case[] {
  const cases: Case[] = [];
  for (const op of BINARY_OPS) {
    for (const dtype of DTYPES) {
      if (dtype === "bool" && NO_BOOL.has(op)) {
        cases.push(notApplicable("binary", op, dtype, `${op} of bool is rejected by the tensor layer (PyTorch too)`));
        continue;
      }
      const needs: DType[] = [];
      if ((op === "div" || op === "atan2") && !isFloatingPoint(dtype)) needs.push("float32");
      if ((COMPARISON_OPS.has(op) || LOGICAL_OPS.has(op)) && dtype !== "bool") needs.push("bool");
      const { a, b } = binaryDomains(op, dtype);
      const scalar = dtype === "bool" ? true : isFloatingPoint(dtype) ? 1.5 : 2;
      const variants = twoInputVariants({ op, dtype, domainA: a, domainB: b, fn: BINARY_CALLS[op], scalar });
      cases.push(testCase("binary", op, dtype, (ctx, id) => differential(ctx, id, variants), needs));
    }
  }
  return cases;
}

export function whereCases(): Case[] {
  return DTYPES.map((dtype) => {
    const input = (shape: readonly number[], layout: Layout = "contiguous", d: DType = dtype): InputSpec => ({ shape, dtype: d, layout });
    const cond = (shape: readonly number[], layout: Layout = "contiguous"): InputSpec => input(shape, layout, "bool");
    const fn = ((c: Tensor, a: Tensor, b: Tensor) => where(c, a, b)) as (...xs: Tensor[]) => OpOutput;
    const scalar = dtype === "bool" ? true : isFloatingPoint(dtype) ? -1.5 : 7;
    const variants: DifferentialSpec[] = [
      { op: "where", variant: "contiguous", inputs: [cond([3, 5]), input([3, 5]), input([3, 5])], fn },
      {
        op: "where",
        variant: "strided condition, transposed and negative-stride values",
        inputs: [cond([3, 5], "strided"), input([3, 5], "transposed"), input([3, 5], "flipped")],
        fn,
      },
      { op: "where", variant: "broadcast condition [5] with 0-d value", inputs: [cond([5]), input([3, 5], "broadcast"), input([])], fn },
      { op: "where", variant: "empty", inputs: [cond([0, 5]), input([0, 5]), input([5])], fn },
      { op: "where", variant: "0-d", inputs: [cond([]), input([]), input([])], fn },
      {
        op: "where",
        variant: `scalar value ${String(scalar)}`,
        inputs: [cond([3, 5], "transposed"), input([3, 5])],
        fn: ((c: Tensor, a: Tensor) => where(c, a, scalar)) as (...xs: Tensor[]) => OpOutput,
      },
    ];
    return testCase("where", "where", dtype, (ctx, id) => differential(ctx, id, variants), dtype === "bool" ? [] : ["bool"]);
  });
}

/** Values every dtype can hold exactly and that convert without undefined behaviour. */
function castDomain(from: DType, to: DType): Domain {
  // Negative floats into uint8 are undefined in C (and PyTorch); keep them non-negative.
  if (to === "uint8" && isFloatingPoint(from)) return "positive";
  return "any";
}

export function castCases(): Case[] {
  const cases: Case[] = [];
  for (const to of DTYPES) {
    for (const from of DTYPES) {
      if (from === to) {
        cases.push(notApplicable("cast", `to ${to}`, from, "same dtype: no conversion (a copy)"));
        continue;
      }
      const domain = castDomain(from, to);
      const variants = oneInputVariants({ op: "cast", dtype: from, domain, fn: (x) => x.to(to) });
      cases.push(testCase("cast", `to ${to}`, from, (ctx, id) => differential(ctx, id, variants), [to]));
    }
  }
  return cases;
}
