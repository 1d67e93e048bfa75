/**
 * The CPU backend as shipped (WebAssembly SIMD kernels where they apply) through the
 * conformance kit; the oracle is a second instance of the same backend, so the checks with
 * teeth here are the PyTorch fixtures, the analytic edge cases, gradcheck, and every fast
 * kernel against its decomposition into primitives.
 */
import { registerBackend } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { runConformance } from "@trek/backend-conformance";

registerBackend("cpu", () => new CpuBackend());

runConformance(() => new CpuBackend(), {
  name: "cpu",
  coverageFile: new URL("../../../docs/conformance-cpu.md", import.meta.url).pathname,
});
