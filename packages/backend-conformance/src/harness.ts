/**
 * Running one op on several devices: identical inputs on each, results read back to the host,
 * a memory balance check around every run, and comparison of the backend under test with the
 * CPU oracle and of its fast kernels with their decompositions.
 */
import type { Backend, DType, Tensor } from "@trek/tensor";
import { Generator, isTensor, memory, scopeAsync } from "@trek/tensor";
import { describeMismatch, readHost, type HostTensor } from "./compare.js";
import { createInput, prepareInput, type InputSpec, type PreparedInput } from "./inputs.js";
import { resolveTolerance, type ConformanceOptions, type Tolerance } from "./options.js";

/** Device names of one conformance run. */
export interface Devices {
  /** The backend under test, as registered. */
  readonly test: string;
  /** The same backend instance without its fast kernels (null when it has none). */
  readonly primitives: string | null;
  /** The CPU backend, the reference for differential tests. */
  readonly oracle: string;
}

/** What every case can use. */
export interface CaseContext {
  readonly options: ConformanceOptions;
  readonly devices: Devices;
  /** The backend instance under test. */
  readonly backend: Backend;
  /** A generator seeded from the run's seed and the case id (independent of test order). */
  rng(caseId: string): Generator;
  tolerance(op: string, dtype: DType, scale?: number): Tolerance;
}

/** What an op under test returns: one tensor, several, or named ones (`{ values, indices }`). */
export type OpOutput = Tensor | readonly Tensor[] | { readonly [name: string]: Tensor };

function outputList(output: OpOutput): { name: string; tensor: Tensor }[] {
  if (isTensor(output)) return [{ name: "output", tensor: output }];
  if (Array.isArray(output)) return (output as readonly Tensor[]).map((t, i) => ({ name: `output ${i}`, tensor: t }));
  return Object.entries(output as { [name: string]: Tensor }).map(([name, tensor]) => ({ name, tensor }));
}

export interface NamedResult extends HostTensor {
  readonly name: string;
}

function deviceCounts(device: string): { storages: number; bytes: number } {
  const stats = memory().devices[device];
  return { storages: stats?.storages ?? 0, bytes: stats?.bytes ?? 0 };
}

function balanceError(what: string, device: string, before: { storages: number; bytes: number }, after: { storages: number; bytes: number }): Error {
  return new Error(
    `${what} on "${device}": memory not balanced: ${after.storages - before.storages} storage(s), ` +
      `${after.bytes - before.bytes} byte(s) still allocated afterwards`,
  );
}

/**
 * Runs `fn` on fresh copies of the inputs on `device` inside `scopeAsync`, reads every output,
 * and checks that the device's storage and byte counts return to where they started.
 */
export async function runOnDevice(
  device: string,
  inputs: readonly PreparedInput[],
  fn: (...xs: Tensor[]) => OpOutput,
  what: string,
): Promise<NamedResult[]> {
  const before = deviceCounts(device);
  const tensorsBefore = memory().tensors;
  const results = await scopeAsync(async (s) => {
    const outputs = s.run(() => outputList(fn(...inputs.map((input) => createInput(input, device)))));
    const host: NamedResult[] = [];
    for (const { name, tensor } of outputs) host.push({ name, ...(await readHost(tensor)) });
    return host;
  });
  const after = deviceCounts(device);
  if (after.storages !== before.storages || after.bytes !== before.bytes) throw balanceError(what, device, before, after);
  const tensorsAfter = memory().tensors;
  if (tensorsAfter !== tensorsBefore) {
    throw new Error(`${what} on "${device}": ${tensorsAfter - tensorsBefore} tensor handle(s) outlived their scope`);
  }
  return results;
}

/** A differential test of one op on one set of inputs. */
export interface DifferentialSpec {
  /** Op name, for tolerance overrides. */
  readonly op: string;
  /** What this variant is, for messages, e.g. "transposed input". */
  readonly variant: string;
  readonly inputs: readonly InputSpec[];
  readonly fn: (...xs: Tensor[]) => OpOutput;
  /** Multiplies the tolerance (ops that accumulate many terms). */
  readonly toleranceScale?: number;
  /** Relative tolerance against the largest expected magnitude (sums of many terms), see describeMismatch. */
  readonly normwise?: boolean;
  /** Also compare the backend with its own primitives-only view (the op has a fast kernel). */
  readonly decomposition?: boolean;
  /**
   * Extra factor for the kernel-versus-decomposition comparison on 16-bit floats: a
   * decomposition rounds every intermediate to the dtype, a kernel usually only its result.
   */
  readonly decompositionScale16?: number;
}

function compareAll(
  ctx: CaseContext,
  spec: DifferentialSpec,
  actual: readonly NamedResult[],
  expected: readonly NamedResult[],
  scale: number,
  label: string,
  failures: string[],
): void {
  if (actual.length !== expected.length) {
    failures.push(`${label}: ${actual.length} outputs, expected ${expected.length}`);
    return;
  }
  for (let i = 0; i < expected.length; i++) {
    const tol = ctx.tolerance(spec.op, expected[i]!.dtype, scale);
    const mismatch = describeMismatch(actual[i]!, expected[i]!, tol, spec.normwise ?? false);
    if (mismatch) failures.push(`${label}, ${expected[i]!.name}: ${mismatch}`);
  }
}

function describeInputs(inputs: readonly InputSpec[]): string {
  return inputs.map((s) => `${s.dtype}[${s.shape.join(", ")}] ${s.layout ?? "contiguous"}`).join(", ");
}

const is16 = (dtype: DType): boolean => dtype === "float16" || dtype === "bfloat16";

/**
 * Runs each variant on the oracle, the backend under test and (for ops with a fast kernel) its
 * primitives-only view; collects every mismatch and throws them together.
 */
export async function differential(ctx: CaseContext, caseId: string, variants: readonly DifferentialSpec[]): Promise<void> {
  const rng = ctx.rng(caseId);
  const failures: string[] = [];
  const { test, primitives, oracle } = ctx.devices;
  for (const spec of variants) {
    const prepared = spec.inputs.map((s) => prepareInput(s, rng));
    const label = `${spec.variant} (${describeInputs(spec.inputs)})`;
    try {
      const expected = await runOnDevice(oracle, prepared, spec.fn, `${caseId} ${spec.variant}`);
      const actual = await runOnDevice(test, prepared, spec.fn, `${caseId} ${spec.variant}`);
      const scale = spec.toleranceScale ?? 1;
      compareAll(ctx, spec, actual, expected, scale, `${label}: backend vs CPU oracle`, failures);
      if (spec.decomposition && primitives) {
        const decomposed = await runOnDevice(primitives, prepared, spec.fn, `${caseId} ${spec.variant} (primitives only)`);
        const half = spec.inputs.some((s) => is16(s.dtype));
        const extra = half ? spec.decompositionScale16 ?? 4 : 1;
        compareAll(ctx, spec, decomposed, actual, scale * extra, `${label}: decomposition vs fast kernel`, failures);
      }
    } catch (err) {
      failures.push(`${label}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (failures.length) throw new Error(`${caseId}:\n  ${failures.join("\n  ")}`);
}

/** A case with expected values from an independent source (math, or a committed fixture). */
export interface GoldenSpec {
  readonly op: string;
  readonly variant: string;
  readonly inputs: readonly InputSpec[];
  readonly fn: (...xs: Tensor[]) => OpOutput;
  /** Expected outputs by name ("output" for a single tensor, else the names `fn` returns). */
  readonly expected: Readonly<Record<string, HostTensor>>;
  readonly toleranceScale?: number;
  /** Exact comparison regardless of dtype. */
  readonly exact?: boolean;
}

/** Checks the backend under test (and its primitives-only view) against expected values. */
export async function golden(ctx: CaseContext, caseId: string, specs: readonly GoldenSpec[]): Promise<void> {
  const rng = ctx.rng(caseId);
  const failures: string[] = [];
  const devices = [ctx.devices.test];
  if (ctx.devices.primitives) devices.push(ctx.devices.primitives);
  for (const spec of specs) {
    const prepared = spec.inputs.map((s) => prepareInput(s, rng));
    for (const device of devices) {
      const label = `${spec.variant} on "${device}"`;
      try {
        const actual = await runOnDevice(device, prepared, spec.fn, `${caseId} ${spec.variant}`);
        const names = actual.map((r) => r.name);
        const expectedNames = Object.keys(spec.expected);
        if (names.length !== expectedNames.length || expectedNames.some((n) => !names.includes(n))) {
          failures.push(`${label}: outputs ${names.join(", ")}, expected ${expectedNames.join(", ")}`);
          continue;
        }
        for (const result of actual) {
          const expected = spec.expected[result.name]!;
          const tol = spec.exact ? { rtol: 0, atol: 0 } : ctx.tolerance(spec.op, expected.dtype, spec.toleranceScale ?? 1);
          const mismatch = describeMismatch(result, expected, tol);
          if (mismatch) failures.push(`${label}, ${result.name}: ${mismatch}`);
        }
      } catch (err) {
        failures.push(`${label}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
  if (failures.length) throw new Error(`${caseId}:\n  ${failures.join("\n  ")}`);
}

/** The context cases run in. */
export function createContext(options: ConformanceOptions, devices: Devices, backend: Backend, seed = 1234): CaseContext {
  return {
    options,
    devices,
    backend,
    rng: (id) => seededGenerator(seed, id),
    tolerance: (op, dtype, scale) => resolveTolerance(options, op, dtype, scale),
  };
}

/** Seeds a generator from a run seed and a case id (FNV-1a). */
export function seededGenerator(seed: number, caseId: string): Generator {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < caseId.length; i++) h = Math.imul(h ^ caseId.charCodeAt(i), 0x01000193);
  return new Generator(h >>> 0);
}

