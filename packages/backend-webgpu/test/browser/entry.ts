/** Browser entry of the WebGPU browser test: runs the step on navigator.gpu and publishes the result. */
import { initBackend, registerBackend } from "@trek/tensor";
import { WebGpuBackend } from "@trek/backend-webgpu";
import { trainingStep } from "./step.js";

const page = globalThis as unknown as { trekResult?: unknown; trekError?: string; trekAdapter?: string };

try {
  const backend = new WebGpuBackend();
  registerBackend("webgpu", () => backend);
  await initBackend("webgpu");
  page.trekAdapter = backend.adapterDescription;
  page.trekResult = await trainingStep("webgpu");
  await backend.dispose();
} catch (err) {
  page.trekError = err instanceof Error ? err.message : String(err);
}
