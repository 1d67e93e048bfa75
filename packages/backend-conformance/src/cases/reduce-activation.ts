/** Differential cases for the reduction primitives and the activations. */
import type { DType, Tensor } from "@trek/tensor";
import { ACTIVATION_OPS, DTYPES, REDUCE_OPS, isFloatingPoint } from "@trek/tensor";
import { notApplicable, testCase, type Case } from "../case.js";
import { differential, type DifferentialSpec, type OpOutput } from "../harness.js";
import type { InputSpec, Layout } from "../inputs.js";
import { ACTIVATION_PARAMETERS, REDUCE_CALLS, callActivation } from "../op-calls.js";
import { oneInputVariants } from "./variants.js";

export function reduceCases(): Case[] {
  const cases: Case[] = [];
  for (const op of REDUCE_OPS) {
    for (const dtype of DTYPES) {
      const call = REDUCE_CALLS[op];
      const input = (shape: readonly number[], layout: Layout = "contiguous"): InputSpec => ({
        shape,
        dtype,
        layout,
        // Products of many values leave every dtype's range; keep factors near 1.
        domain: op === "prod" ? "unit" : "any",
      });
      const variant = (name: string, x: InputSpec, dims: number[] | null, keepdim = false): DifferentialSpec => ({
        op,
        variant: name,
        inputs: [x],
        fn: ((t: Tensor) => call(t, dims, keepdim)) as (...xs: Tensor[]) => OpOutput,
        toleranceScale: 4,
      });
      const extremum = op === "max" || op === "min";
      const variants: DifferentialSpec[] = [
        variant("all dims", input([3, 5]), null),
        variant("dim 0", input([3, 5]), [0]),
        variant("dim 1, keepdim", input([3, 5]), [1], true),
        variant("transposed, dim 1", input([3, 5], "transposed"), [1]),
        variant("stepped slice, dim 0", input([3, 5], "strided"), [0]),
        variant("negative stride, dim 1", input([3, 5], "flipped"), [1]),
        variant("broadcast, dim 0", input([3, 5], "broadcast"), [0]),
        variant("rank 4, dim 2", input([2, 3, 4, 2], "transposed"), [2], true),
        variant("0-d", input([]), null),
      ];
      if (op !== "prod") variants.push(variant("rank 3, dims [0, 2]", input([3, 2, 4], "transposed"), [0, 2]));
      // Reducing an empty dim has no max/min (the tensor layer raises); sum and prod give 0 and 1.
      variants.push(
        extremum
          ? variant("empty tensor, non-empty reduced dim", input([0, 4]), [1])
          : variant("empty reduced dim", input([0, 4]), [0]),
      );
      const needs: DType[] = !extremum && !isFloatingPoint(dtype) && dtype !== "int64" ? ["int64"] : [];
      cases.push(testCase("reduce", op, dtype, (ctx, id) => differential(ctx, id, variants), needs));
    }
  }
  return cases;
}

export function activationCases(): Case[] {
  const cases: Case[] = [];
  for (const op of ACTIVATION_OPS) {
    for (const dtype of DTYPES) {
      if (dtype === "bool") {
        cases.push(notApplicable("activation", op, dtype, "activations reject bool tensors"));
        continue;
      }
      const variants: DifferentialSpec[] = [];
      for (const alpha of ACTIVATION_PARAMETERS[op]) {
        const label = alpha === undefined ? "" : ` (parameter ${alpha})`;
        const fn = (x: Tensor): Tensor => callActivation(op, x, alpha);
        for (const v of oneInputVariants({ op, dtype, fn, decomposition: true })) {
          variants.push({ ...v, variant: v.variant + label });
        }
        for (const v of oneInputVariants({ op, dtype, fn, decomposition: true, domain: "wide", nonEmpty: true, shape: [4, 6] })) {
          if (v.variant === "contiguous") variants.push({ ...v, variant: `values in [-30, 30]${label}` });
        }
      }
      const needs: DType[] = isFloatingPoint(dtype) ? [] : ["float32"];
      cases.push(testCase("activation", op, dtype, (ctx, id) => differential(ctx, id, variants), needs));
    }
  }
  return cases;
}
