/**
 * The shared conformance kit on the WebGPU backend (lavapipe in CI), with the CPU backend as
 * the oracle and the CPU's tolerances. float64 does not exist in WGSL, so its cases skip with
 * the kit's "backend does not support float64" reason.
 */
import { describe, it } from "vitest";
import { registerBackend } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { runConformance } from "@trek/backend-conformance";
import { WebGpuBackend } from "@trek/backend-webgpu";
import { acquireWebGpu } from "./support/webgpu.js";

const probe = await acquireWebGpu("webgpu conformance");
// The committed coverage table is lavapipe's: float16 included (shader-f16).
const fullCoverage = probe?.supportsDType("float16") ?? false;
await probe?.dispose();

if (probe) {
  registerBackend("cpu", () => new CpuBackend());
  runConformance(() => new WebGpuBackend(), {
    name: "webgpu",
    coverageFile: fullCoverage ? new URL("../conformance.md", import.meta.url).pathname : undefined,
  });
} else {
  describe.skip("backend conformance: webgpu (no WebGPU adapter)", () => {
    it("runs on a machine with a WebGPU adapter", () => undefined);
  });
}
