// The differential cases on the WebAssembly kernels alone (what browsers and non-x86 machines run):
// the native kernels are switched off before the runtime starts (each test file has its own process).
import { registerBackend } from "@trek/tensor";
import { CpuBackend, cpuRuntimeInfo } from "@trek/backend-cpu";
import { describe, expect, it } from "vitest";
import { defineKernelTests } from "./kernel-cases.js";

process.env.TREK_CPU_NATIVE = "0";
registerBackend("cpu", () => new CpuBackend());
registerBackend("ref", () => new CpuBackend({ wasm: false }));

describe("with TREK_CPU_NATIVE=0", () => {
  it("the native kernels are off", () => {
    expect(cpuRuntimeInfo().native).toBe(false);
  });
});

defineKernelTests();
