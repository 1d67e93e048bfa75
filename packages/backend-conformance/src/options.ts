/** Options of `runConformance` and the tolerances results are compared with. */
import type { Backend, DType } from "@trek/tensor";

/** A result `actual` matches `expected` when |actual − expected| ≤ atol + rtol·|expected|. */
export interface Tolerance {
  readonly rtol: number;
  readonly atol: number;
}

/** Tolerance overrides per dtype; unspecified fields keep the defaults. */
export type ToleranceOverrides = Partial<Record<DType, Partial<Tolerance>>>;

export interface ConformanceOptions {
  /** Suite title (default: the backend's `name`). */
  name?: string;
  /**
   * Device name the backend is registered under for the run (default `conformance-<name>`).
   * It must not be "cpu": that name belongs to the oracle.
   */
  device?: string;
  /**
   * Dtypes the backend supports. Default: those its `supportsDType` accepts, or all of them.
   * Cases for other dtypes are skipped with the reason "backend does not support <dtype>".
   */
  dtypes?: readonly DType[];
  /**
   * Test ids to skip, each with its reason: `{ "unary/erf/float16": "no f16 erf yet" }`. A key may
   * also name a prefix ending at a "/" (`"kernel/conv2d"` skips every dtype of that kernel).
   * Every skip is printed; a key that matches no test fails the run.
   */
  skip?: Readonly<Record<string, string>>;
  /** Tolerance overrides per dtype, for every op. */
  tolerance?: ToleranceOverrides;
  /** Tolerance overrides per op name (the middle part of a test id, e.g. "exp", "matmul"), per dtype. */
  opTolerance?: Readonly<Record<string, ToleranceOverrides>>;
  /** Runs after the backend is registered and initialised, before the first test (e.g. warm-up). */
  init?: (backend: Backend) => void | Promise<void>;
  /**
   * Markdown file for the op × dtype coverage table. The run compares the table it produces with
   * this file and fails when they differ; with `TREK_WRITE_COVERAGE=1` in the environment it
   * writes the file instead.
   */
  coverageFile?: string;
  /** Seed of the random inputs (default 1234). */
  seed?: number;
}

const EXACT: Tolerance = { rtol: 0, atol: 0 };

/**
 * Defaults for elementwise results. Floats allow a few units in the last place of the dtype
 * (float64 more, because backends may use different but accurate algorithms); integers and
 * bool must match exactly.
 */
export const DEFAULT_TOLERANCE: Readonly<Record<DType, Tolerance>> = {
  float64: { rtol: 1e-10, atol: 1e-12 },
  float32: { rtol: 1e-5, atol: 1e-6 },
  float16: { rtol: 2e-3, atol: 1e-3 },
  bfloat16: { rtol: 1.6e-2, atol: 1e-2 },
  int8: EXACT,
  uint8: EXACT,
  int16: EXACT,
  int32: EXACT,
  int64: EXACT,
  bool: EXACT,
};

/** Resolves the tolerance for an op on a dtype, with overrides, scaled by `scale`. */
export function resolveTolerance(options: ConformanceOptions, op: string, dtype: DType, scale = 1): Tolerance {
  const base = DEFAULT_TOLERANCE[dtype];
  const global = options.tolerance?.[dtype];
  const perOp = options.opTolerance?.[op]?.[dtype];
  return {
    rtol: (perOp?.rtol ?? global?.rtol ?? base.rtol) * scale,
    atol: (perOp?.atol ?? global?.atol ?? base.atol) * scale,
  };
}
