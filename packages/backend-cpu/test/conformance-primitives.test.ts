/**
 * The CPU backend without its fast kernels: every op of @trek/tensor runs its decomposition into
 * the primitives, so this run proves the decompositions (and their gradients) on a real backend.
 */
import { registerBackend } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { runConformance } from "@trek/backend-conformance";

registerBackend("cpu", () => new CpuBackend());

runConformance(() => new CpuBackend({ primitivesOnly: true }), {
  name: "cpu (primitives only)",
  coverageFile: new URL("../../../docs/conformance-cpu-primitives.md", import.meta.url).pathname,
});
