/** The whole suite: every case family, and the check that it covers the tensor package's op lists. */
import { ACTIVATION_OPS, BINARY_OPS, DIFFERENTIABLE_OPS, REDUCE_OPS, UNARY_OPS } from "@trek/tensor";
import { cpuKernels } from "@trek/backend-cpu";
import type { Case } from "./case.js";
import { goldenCases } from "./cases/golden.js";
import { binaryCases, castCases, unaryCases, whereCases } from "./cases/elementwise.js";
import { activationCases, reduceCases } from "./cases/reduce-activation.js";
import { KERNEL_DTYPES, kernelCases } from "./cases/kernels.js";
import { gradientCases, trainingCases } from "./cases/gradients.js";
import { edgeCases } from "./cases/edge-cases.js";
import { memoryCases } from "./cases/memory.js";

/** Every case, in table order. */
export function allCases(): Case[] {
  return [
    ...memoryCases(),
    ...castCases(),
    ...unaryCases(),
    ...binaryCases(),
    ...whereCases(),
    ...reduceCases(),
    ...activationCases(),
    ...kernelCases(),
    ...edgeCases(),
    ...goldenCases(),
    ...gradientCases(),
    ...trainingCases(),
  ];
}

/**
 * Ops of @trek/tensor's public lists (primitives, activations, differentiable ops) and fast
 * kernels (the CPU backend's and the backend under test's) that no case covers.
 */
export function coverageGaps(cases: readonly Case[], backendKernels: readonly string[]): string[] {
  const rows = new Set(cases.map((c) => `${c.family}/${c.op}`));
  const gaps: string[] = [];
  const need = (family: string, ops: readonly string[], what: string): void => {
    for (const op of ops) if (!rows.has(`${family}/${op}`)) gaps.push(`${what} "${op}" (no ${family}/${op} cases)`);
  };
  need("unary", UNARY_OPS, "unary primitive");
  need("binary", BINARY_OPS, "binary primitive");
  need("reduce", REDUCE_OPS, "reduction primitive");
  need("activation", ACTIVATION_OPS, "activation");
  need("grad", DIFFERENTIABLE_OPS, "differentiable op");
  const kernels = new Set([...Object.keys(cpuKernels), ...backendKernels]);
  for (const name of kernels) {
    const entry = (KERNEL_DTYPES as Record<string, unknown>)[name];
    if (entry === undefined) gaps.push(`fast kernel "${name}" (unknown to the kit)`);
    else if (entry === "activation family") continue;
    else if (!rows.has(`kernel/${name}`)) gaps.push(`fast kernel "${name}" (no kernel/${name} cases)`);
  }
  return gaps;
}
