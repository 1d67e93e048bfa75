/**
 * One Dawn GPU object (the `webgpu` package) shared by every framework in the suite, so they all
 * run on the same adapter. It stays reachable from a global while in use: Node crashes or hangs
 * when Dawn's GPU object is garbage-collected under a live device.
 */
/// <reference types="@webgpu/types" />

export type GpuAcquisition = { ok: true; gpu: GPU; description: string } | { ok: false; reason: string };

const HOLD = Symbol.for("@trek/benchmarks.webgpu");
const holder = globalThis as unknown as Record<symbol, GPU | undefined>;

export async function acquireGpu(): Promise<GpuAcquisition> {
  let module: { create: (flags: string[]) => GPU; globals: object };
  try {
    module = (await import("webgpu")) as typeof module;
  } catch (err) {
    return { ok: false, reason: `the webgpu package (Dawn) is not installed: ${err instanceof Error ? err.message : String(err)}` };
  }
  // tfjs-backend-webgpu reads GPUBufferUsage & co. from the global scope, as in a browser.
  Object.assign(globalThis, module.globals);
  const gpu = (holder[HOLD] ??= module.create([]));
  const adapter = await gpu.requestAdapter();
  if (!adapter) {
    return {
      ok: false,
      reason: "no WebGPU adapter; without a GPU run `eval \"$(scripts/setup-lavapipe.sh)\"` first (Mesa lavapipe for Dawn)",
    };
  }
  const info = adapter.info;
  return { ok: true, gpu, description: [info.vendor, info.architecture, info.description].filter(Boolean).join(" / ") };
}
