/**
 * `runConformance`: defines the whole suite as vitest tests for one backend. Call it at the top
 * level of a test file.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Backend, DType } from "@trek/tensor";
import { DTYPES, isDType } from "@trek/tensor";
import type { Case } from "./case.js";
import { CoverageRecorder, FAMILY_TITLES } from "./coverage.js";
import { kernelNames, registerForRun } from "./devices.js";
import type { ConformanceOptions } from "./options.js";
import { createContext, type CaseContext } from "./harness.js";
import { allCases, coverageGaps } from "./suite.js";
import { gradientMode } from "./cases/gradients.js";

const DEFAULT_SEED = 1234;

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "backend";
}

/** The user's skip reason for a test id: an exact key, or a key that is a prefix ending at "/". */
export function skipReason(skip: Readonly<Record<string, string>> | undefined, id: string): string | undefined {
  if (!skip) return undefined;
  if (skip[id] !== undefined) return skip[id];
  for (const [key, reason] of Object.entries(skip)) {
    const prefix = key.endsWith("/") ? key : `${key}/`;
    if (id.startsWith(prefix)) return reason;
  }
  return undefined;
}

function supportedDTypes(backend: Backend, options: ConformanceOptions): DType[] {
  if (options.dtypes) {
    for (const d of options.dtypes) if (!isDType(d)) throw new Error(`runConformance: unknown dtype "${String(d)}" in options.dtypes`);
    return [...options.dtypes];
  }
  return DTYPES.filter((d) => (backend.supportsDType ? backend.supportsDType(d) : true));
}

/**
 * Runs the conformance suite against a backend: golden values, differential tests against the
 * CPU backend on seeded random inputs, every fast kernel against its decomposition, edge cases
 * (non-contiguous, broadcast, empty and 0-d inputs, NaN/±Inf, integer semantics, 16-bit
 * rounding), gradient checks, a short training run, and a memory balance check around every op.
 *
 * @example
 * ```ts
 * // my-backend/test/conformance.test.ts
 * import { runConformance } from "@trek/backend-conformance";
 * import { MyBackend } from "../src/index.js";
 * runConformance(() => new MyBackend(), { name: "my-backend", dtypes: ["float32", "int32", "int64", "bool"] });
 * ```
 */
export function runConformance(factory: () => Backend, options: ConformanceOptions = {}): void {
  const instance = factory();
  const name = options.name ?? instance.name;
  const device = options.device ?? `conformance-${slug(name)}`;
  const recorder = new CoverageRecorder();

  describe(`backend conformance: ${name}`, async () => {
    const reg = await registerForRun(instance, device);
    if (options.init) await options.init(instance);
    afterAll(async () => {
      await reg.release();
    });
    const supported = new Set(supportedDTypes(instance, options));
    const ctx = createContext(options, reg.devices, instance, options.seed ?? DEFAULT_SEED);
    const cases = allCases();
    const ids = new Set(cases.map((c) => c.id));

    const byFamily = new Map<string, Case[]>();
    for (const c of cases) {
      recorder.add(c);
      let list = byFamily.get(c.family);
      if (!list) byFamily.set(c.family, (list = []));
      list.push(c);
    }
    for (const [family, list] of byFamily) {
      describe(FAMILY_TITLES[family] ?? family, () => {
        for (const c of list) defineCase(c, ctx, supported, recorder);
      });
    }

    describe("suite", () => {
      it("covers every primitive, fast kernel and differentiable op of @trek/tensor", () => {
        const gaps = coverageGaps(cases, kernelNames(instance));
        expect(gaps, `not covered by the conformance kit:\n  ${gaps.join("\n  ")}`).toEqual([]);
      });

      it("every skip in options.skip names a test", () => {
        const unknown = Object.keys(options.skip ?? {}).filter((key) => {
          const prefix = key.endsWith("/") ? key : `${key}/`;
          return !ids.has(key) && ![...ids].some((id) => id.startsWith(prefix));
        });
        expect(unknown, `options.skip keys that match no test: ${unknown.join(", ")}`).toEqual([]);
      });

      it("coverage table", (test) => {
        const missing = recorder.missing();
        if (missing.length > 0) {
          test.skip(`${missing.length} cases did not run (a filtered run); the table needs a full run`);
          return;
        }
        const skipped = recorder.skipped();
        if (skipped.length > 0) {
          const byReason = new Map<string, string[]>();
          for (const { id, reason } of skipped) byReason.set(reason, [...(byReason.get(reason) ?? []), id]);
          const lines = [...byReason].map(([reason, list]) => `  ${list.length} skipped: ${reason}: ${list.join(", ")}`);
          console.warn(`backend conformance (${name}): skipped tests\n${lines.join("\n")}`);
        }
        const kernels = kernelNames(instance);
        const notes = [
          `Device: "${device}"; oracle: the CPU backend ("cpu"); golden values: PyTorch fixtures and analytic results.`,
          kernels.length
            ? `Fast kernels: ${kernels.join(", ")}. Each is also checked against its decomposition into primitives on this backend.`
            : "No fast kernels: every op runs its decomposition into primitives.",
          gradientMode(ctx) === "gradcheck"
            ? "Gradients: float64 by gradcheck (central finite differences) on this backend; float32 by comparing its analytic gradients with the CPU backend's."
            : "Gradients: this backend cannot read synchronously, which gradcheck needs, so its analytic gradients are compared with the CPU backend's in float32 and float64.",
          "Every case also checks that memory() returns to its starting storage and byte counts.",
        ];
        const table = recorder.markdown(name, notes, `TREK_WRITE_COVERAGE=1 npx vitest run <this conformance test file>`);
        if (!options.coverageFile) return;
        const file = options.coverageFile;
        if (process.env.TREK_WRITE_COVERAGE === "1") {
          writeAtomically(file, table);
          console.warn(`backend conformance (${name}): wrote ${file}`);
          return;
        }
        if (!existsSync(file)) {
          throw new Error(`coverage table ${file} does not exist; create it by running with TREK_WRITE_COVERAGE=1`);
        }
        const committed = readFileSync(file, "utf8");
        expect(
          committed === table,
          `coverage table ${file} is out of date; regenerate it by running this test file with TREK_WRITE_COVERAGE=1`,
        ).toBe(true);
      });
    });
  });
}

function writeAtomically(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text, "utf8");
  renameSync(temporary, file);
}

function defineCase(c: Case, ctx: CaseContext, supported: ReadonlySet<DType>, recorder: CoverageRecorder): void {
  if (c.notApplicable !== undefined) {
    recorder.record(c.id, { kind: "na", reason: c.notApplicable });
    return;
  }
  const unsupported = [c.dtype, ...c.needs].find((d) => !supported.has(d));
  const reason = unsupported ? `backend does not support ${unsupported}` : (c.skipOn?.(ctx.backend) ?? skipReason(ctx.options.skip, c.id));
  if (reason !== undefined) {
    recorder.record(c.id, { kind: "skip", reason });
    it.skip(`${c.id} [skipped: ${reason}]`, () => undefined);
    return;
  }
  it(c.id, async () => {
    try {
      await c.run(ctx);
    } catch (err) {
      recorder.record(c.id, { kind: "fail" });
      throw err;
    }
    recorder.record(c.id, { kind: "pass" });
  });
}
