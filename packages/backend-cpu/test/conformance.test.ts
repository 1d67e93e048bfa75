import { registerBackend } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { runConformance } from "@trek/backend-conformance";

registerBackend("cpu", () => new CpuBackend());

runConformance(() => new CpuBackend(), {
  name: "cpu",
  coverageFile: new URL("../../../docs/conformance-cpu.md", import.meta.url).pathname,
});
