// The fast kernels as installed: native GEMM and convolutions where they were built, WebAssembly
// for the rest. wasm-only.test.ts runs the same cases with the native kernels off.
import { registerBackend } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { defineKernelTests } from "./kernel-cases.js";

registerBackend("cpu", () => new CpuBackend());
registerBackend("ref", () => new CpuBackend({ wasm: false }));

defineKernelTests();
