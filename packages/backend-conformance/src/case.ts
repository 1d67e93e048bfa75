/** The unit of the suite: one op on one dtype (`family/op/dtype`), run as one test. */
import type { Backend, DType } from "@trek/tensor";
import type { CaseContext } from "./harness.js";

export interface Case {
  /** `family/op/dtype`, e.g. "unary/exp/float32"; the key for `skip` and the coverage table. */
  readonly id: string;
  readonly family: string;
  readonly op: string;
  readonly dtype: DType;
  /** Other dtypes the case needs on the device (e.g. int64 indices, float32 for promotion). */
  readonly needs: readonly DType[];
  /** Set when the op is not defined for the dtype: the case does not run; the table says n/a. */
  readonly notApplicable?: string;
  /** A reason to skip the case on this backend (a capability it lacks), or undefined to run it. */
  readonly skipOn?: (backend: Backend) => string | undefined;
  readonly run: (ctx: CaseContext) => Promise<void>;
}

/** A runnable case. */
export function testCase(
  family: string,
  op: string,
  dtype: DType,
  run: (ctx: CaseContext, id: string) => Promise<void>,
  needs: readonly DType[] = [],
  skipOn?: (backend: Backend) => string | undefined,
): Case {
  const id = `${family}/${op}/${dtype}`;
  return { id, family, op, dtype, needs, run: (ctx) => run(ctx, id), ...(skipOn ? { skipOn } : {}) };
}

/** A table entry for an op that is not defined for a dtype. */
export function notApplicable(family: string, op: string, dtype: DType, reason: string): Case {
  return {
    id: `${family}/${op}/${dtype}`,
    family,
    op,
    dtype,
    needs: [],
    notApplicable: reason,
    run: async () => undefined,
  };
}
