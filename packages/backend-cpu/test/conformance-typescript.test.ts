/**
 * The CPU backend with WebAssembly switched off: its plain TypeScript kernels (the portable
 * path, and the reference the WebAssembly kernels are compared with) against the default
 * WebAssembly CPU backend as oracle, PyTorch fixtures and the decompositions.
 */
import { registerBackend } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { runConformance } from "@trek/backend-conformance";

registerBackend("cpu", () => new CpuBackend());

runConformance(() => new CpuBackend({ wasm: false }), {
  name: "cpu (TypeScript kernels, no WebAssembly)",
  coverageFile: new URL("../../../docs/conformance-cpu-typescript.md", import.meta.url).pathname,
});
