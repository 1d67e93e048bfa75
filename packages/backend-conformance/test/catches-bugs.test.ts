/**
 * The kit must fail broken backends: each CpuBackend variant below has one deliberate defect,
 * and the cases that cover it must reject it with a message naming the problem.
 */
import { describe, expect, it } from "vitest";
import type { Backend, BinaryOp, FastKernels, UnaryOp, View } from "@trek/tensor";
import { float16BitsToFloat32, float32ToFloat16Bits, keep, registerBackend, zeros } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { allCases, coverageGaps } from "../src/suite.js";
import { createContext, runOnDevice, type CaseContext } from "../src/harness.js";
import { primitivesOnlyView } from "../src/devices.js";
import { CoverageRecorder } from "../src/coverage.js";
import { testCase, notApplicable } from "../src/case.js";

registerBackend("cpu", () => new CpuBackend());

const cases = allCases();

function caseById(id: string) {
  const c = cases.find((k) => k.id === id);
  if (!c) throw new Error(`no case ${id}`);
  return c;
}

/** Registers a backend (and its primitives-only view when it has kernels) and returns a context. */
function contextFor(name: string, backend: Backend): CaseContext {
  registerBackend(name, () => backend);
  let primitives: string | null = null;
  if (backend.kernels) {
    primitives = `${name}-primitives`;
    const view = primitivesOnlyView(backend);
    registerBackend(primitives, () => view);
  }
  return createContext({}, { test: name, primitives, oracle: "cpu" }, backend);
}

class WrongExp extends CpuBackend {
  override unary(op: UnaryOp, x: View, out: View): void {
    super.unary(op === "exp" ? "expm1" : op, x, out);
  }
}

class IgnoresStrides extends CpuBackend {
  override copy(x: View, out: View): void {
    // Reads the source as if it were contiguous from its offset.
    const dense: View = { buffer: x.buffer, dtype: x.dtype, shape: x.shape, strides: out.strides, offset: x.offset };
    super.copy(dense, out);
  }
}

class MaximumDropsNaN extends CpuBackend {
  override binary(op: BinaryOp, a: View, b: View, out: View): void {
    if (op !== "maximum" || (a.dtype !== "float32" && a.dtype !== "float64")) return super.binary(op, a, b, out);
    super.binary("maximum", a, b, out);
    const o = out.buffer as Float64Array;
    const n = out.shape.reduce((p, s) => p * s, 1);
    // Wrong on purpose: NaN results replaced by the other operand (treated as missing).
    for (let i = 0; i < n; i++) if (Number.isNaN(o[out.offset + i]!)) o[out.offset + i] = 0;
  }
}

class Float16SumInFloat16 extends CpuBackend {
  override reduce(op: "sum" | "prod" | "max" | "min", x: View, dims: readonly number[], out: View): void {
    if (op !== "sum" || x.dtype !== "float16") return super.reduce(op, x, dims, out);
    // Wrong on purpose: every partial sum is rounded to float16 (the contract asks for float32 or wider).
    const bits = x.buffer as Uint16Array;
    const step = x.strides.at(-1) ?? 1;
    const n = x.shape.reduce((p, s) => p * s, 1);
    let total = 0;
    for (let i = 0; i < n; i++) total = float16BitsToFloat32(float32ToFloat16Bits(total + float16BitsToFloat32(bits[x.offset + i * step]!)));
    this.fill(out, total);
  }
}

function brokenSoftmaxKernels(): FastKernels {
  const reference = new CpuBackend().kernels!;
  return {
    ...reference,
    // Forgets to normalise: writes exp(x).
    softmax: (x, _dim, out) => new CpuBackend().unary("exp", x, out),
  };
}

class BrokenSoftmaxKernel extends CpuBackend {
  override readonly kernels = brokenSoftmaxKernels();
}

describe("the kit rejects broken backends", () => {
  it("a wrong unary primitive fails its differential and golden cases", async () => {
    const ctx = contextFor("wrong-exp", new WrongExp());
    await expect(caseById("unary/exp/float32").run(ctx)).rejects.toThrow(/unary\/exp\/float32:[\s\S]*backend vs CPU oracle/);
    await expect(caseById("golden/exp/float64").run(ctx)).rejects.toThrow(/exp of special values/);
    await caseById("unary/sin/float32").run(ctx);
  });

  it("a copy that ignores strides fails the layout variants", async () => {
    const ctx = contextFor("ignores-strides", new IgnoresStrides());
    await expect(caseById("memory/contiguous copy/int32").run(ctx)).rejects.toThrow(/transposed[\s\S]*elements differ/);
  });

  it("a maximum that drops NaN fails the NaN propagation and golden cases", async () => {
    const ctx = contextFor("drops-nan", new MaximumDropsNaN());
    await expect(caseById("edge/NaN and infinity propagation/float32").run(ctx)).rejects.toThrow(/maximum with 0[\s\S]*expected NaN/);
    await expect(caseById("golden/maximum/float64").run(ctx)).rejects.toThrow(/expected NaN/);
  });

  it("float16 sums accumulated in float16 fail the accumulation case", async () => {
    const ctx = contextFor("half-sum", new Float16SumInFloat16());
    await expect(caseById("edge/16-bit sums accumulate in float32/float16").run(ctx)).rejects.toThrow(/sum of 4096 ones[\s\S]*got 2048, expected 4096/);
  });

  it("a wrong fast kernel fails against the oracle and against its own decomposition", async () => {
    const ctx = contextFor("broken-softmax", new BrokenSoftmaxKernel());
    const failure = caseById("kernel/softmax/float32").run(ctx);
    await expect(failure).rejects.toThrow(/backend vs CPU oracle/);
    await expect(failure).rejects.toThrow(/decomposition vs fast kernel/);
  });

  it("an op that leaves memory allocated fails the balance check", async () => {
    await expect(runOnDevice("cpu", [], () => keep(zeros([4])), "leaky op")).rejects.toThrow(/leaky op on "cpu": memory not balanced: 1 storage\(s\), 16 byte\(s\)/);
  });
});

describe("coverage", () => {
  it("the kit covers every primitive, kernel and differentiable op today", () => {
    expect(coverageGaps(cases, [])).toEqual([]);
  });

  it("a kernel the kit does not know, or an op without cases, is reported", () => {
    const withoutExp = cases.filter((c) => !(c.family === "unary" && c.op === "exp"));
    const gaps = coverageGaps(withoutExp, ["fusedAttention"]);
    expect(gaps).toContain('unary primitive "exp" (no unary/exp cases)');
    expect(gaps).toContain('fast kernel "fusedAttention" (unknown to the kit)');
  });

  it("test ids are unique", () => {
    const ids = cases.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("the markdown table shows every outcome, with numbered reasons", () => {
    const recorder = new CoverageRecorder();
    const run = async () => undefined;
    const a = testCase("unary", "exp", "float32", run);
    const b = testCase("unary", "exp", "float16", run);
    const c = testCase("unary", "exp", "int8", run);
    const d = notApplicable("unary", "neg", "bool", "not defined for bool");
    for (const k of [a, b, c, d]) recorder.add(k);
    recorder.record(a.id, { kind: "pass" });
    recorder.record(b.id, { kind: "skip", reason: "backend does not support float16" });
    recorder.record(c.id, { kind: "fail" });
    recorder.record(d.id, { kind: "na", reason: "not defined for bool" });
    const table = recorder.markdown("test", ["a note"], "how");
    expect(table).toContain("1 passed, 1 failed, 1 skipped, 1 not applicable (4 op × dtype cells)");
    expect(table).toContain("| exp | ✓ | – | skipped [1] | – | ✗ | – | – | – | – | – |");
    expect(table).toContain("| neg | – | – | – | – | – | – | – | – | – | n/a [2] |");
    expect(table).toContain("1. backend does not support float16\n2. not defined for bool");
    expect(recorder.missing()).toEqual([]);
  });
});
