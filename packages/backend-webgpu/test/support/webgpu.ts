/**
 * Test setup: a WebGPU backend when an adapter is available (lavapipe in CI), else one visible
 * skip line. Each test file gets its own device; `releaseWebGpu` destroys it so workers exit.
 */
import { WebGpuBackend } from "@trek/backend-webgpu";

export interface GpuSetup {
  readonly backend: WebGpuBackend;
}

/**
 * lavapipe spreads every dispatch over worker threads; for the many tiny dispatches of tests the
 * hand-offs cost far more than they save (and much more on a busy machine), so tests run it on
 * the calling thread unless the environment says otherwise. Read when the driver loads.
 */
process.env.LP_NUM_THREADS ??= "0";

/** Initialises a backend or returns null after printing why the file's tests are skipped. */
export async function acquireWebGpu(what: string, options: ConstructorParameters<typeof WebGpuBackend>[0] = {}): Promise<WebGpuBackend | null> {
  const backend = new WebGpuBackend(options);
  try {
    await backend.init();
    return backend;
  } catch (err) {
    const reason = err instanceof Error ? err.message.split("\n")[0] : String(err);
    console.warn(`skipping ${what}: ${reason}`);
    return null;
  }
}
