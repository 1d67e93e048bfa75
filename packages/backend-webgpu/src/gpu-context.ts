/// <reference types="@webgpu/types" />
/**
 * Finding a WebGPU implementation, an adapter and a device: `navigator.gpu` in browsers, the
 * `webgpu` npm package (Dawn) in Node, or whatever `GPU` object the user passes in.
 */

/** What the backend runs on once initialised. */
export interface GpuContext {
  readonly gpu: GPU;
  readonly adapter: GPUAdapter;
  readonly device: GPUDevice;
  /** Whether float16 tensors are stored natively (`shader-f16` requested and granted). */
  readonly float16: boolean;
  /** Whether the adapter is a CPU implementation (lavapipe, SwiftShader): tiling in workgroup memory does not pay there. */
  readonly cpuAdapter: boolean;
  /** A one-line description of the adapter for messages and benchmark tables. */
  readonly description: string;
}

export interface ContextOptions {
  gpu?: GPU;
  adapter?: GPUAdapter;
  device?: GPUDevice;
  powerPreference?: GPUPowerPreference;
  float16?: boolean;
}

// Dawn's GPU object must stay reachable while any of its devices is in use: when it is
// garbage-collected, Node crashes or hangs. Every GPU object the backend uses is held here.
const LIVE_GPUS = Symbol.for("@trek/backend-webgpu.liveGpus");
const globalHolder = globalThis as unknown as Record<symbol, Set<GPU> | GPU | undefined>;

function holdGpu(gpu: GPU): void {
  const set = (globalHolder[LIVE_GPUS] ??= new Set<GPU>()) as Set<GPU>;
  set.add(gpu);
}

const DAWN_INSTANCE = Symbol.for("@trek/backend-webgpu.dawnInstance");

/** Loads the `webgpu` package (Dawn) in Node; one instance per process, kept alive on a global. */
async function nodeGpu(): Promise<GPU | undefined> {
  const existing = globalHolder[DAWN_INSTANCE] as GPU | undefined;
  if (existing) return existing;
  const isNode = typeof process !== "undefined" && typeof process.versions?.node === "string";
  if (!isNode) return undefined;
  // A computed specifier keeps browser bundlers from trying to include the native module.
  const specifier = "webgpu";
  let module: { create: (options: string[]) => GPU };
  try {
    module = (await import(/* @vite-ignore */ specifier)) as typeof module;
  } catch (err) {
    throw new Error(
      `no WebGPU implementation found: navigator.gpu is undefined and the "webgpu" package (Dawn for Node) ` +
        `could not be loaded (${err instanceof Error ? err.message : String(err)}). Install it with ` +
        `"npm install webgpu" or pass { gpu } to new WebGpuBackend().`,
    );
  }
  const gpu = module.create([]);
  globalHolder[DAWN_INSTANCE] = gpu;
  return gpu;
}

async function findGpu(options: ContextOptions): Promise<GPU> {
  if (options.gpu) return options.gpu;
  const navigatorGpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (navigatorGpu) return navigatorGpu;
  const gpu = await nodeGpu();
  if (!gpu) {
    throw new Error("no WebGPU implementation found: navigator.gpu is undefined in this browser (WebGPU needs a secure context and a supporting browser)");
  }
  return gpu;
}

const WANTED_LIMITS = [
  "maxStorageBufferBindingSize",
  "maxBufferSize",
  "maxComputeWorkgroupStorageSize",
  "maxComputeInvocationsPerWorkgroup",
  "maxComputeWorkgroupSizeX",
  "maxComputeWorkgroupSizeY",
  "maxStorageBuffersPerShaderStage",
] as const;

function describe(adapter: GPUAdapter): string {
  const info = adapter.info;
  const parts = [info?.vendor, info?.architecture, info?.description || info?.device].filter((p) => p);
  return parts.length > 0 ? parts.join(" / ") : "unknown adapter";
}

function isCpuAdapter(adapter: GPUAdapter): boolean {
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  if (info?.isFallbackAdapter) return true;
  const text = `${info?.architecture ?? ""} ${info?.description ?? ""} ${info?.device ?? ""}`.toLowerCase();
  return /llvmpipe|lavapipe|swiftshader|software/.test(text);
}

/** Requests an adapter and a device with the adapter's largest buffer limits. */
export async function createContext(options: ContextOptions): Promise<GpuContext> {
  if (options.device) {
    const adapter = options.adapter;
    const float16 = options.device.features.has("shader-f16") && options.float16 !== false;
    return {
      gpu: options.gpu ?? ({} as GPU),
      adapter: adapter ?? ({} as GPUAdapter),
      device: options.device,
      float16,
      cpuAdapter: adapter ? isCpuAdapter(adapter) : false,
      description: adapter ? describe(adapter) : "user-provided device",
    };
  }
  const gpu = await findGpu(options);
  holdGpu(gpu);
  const adapter =
    options.adapter ??
    (await gpu.requestAdapter(options.powerPreference ? { powerPreference: options.powerPreference } : undefined));
  if (!adapter) {
    throw new Error(
      "no WebGPU adapter is available (requestAdapter() returned null). In Node without a GPU, install a " +
        "Vulkan driver Dawn accepts (scripts/setup-lavapipe.sh) and export the VK_ICD_FILENAMES it prints; " +
        "in Chromium, start it with --enable-unsafe-webgpu.",
    );
  }
  const float16 = options.float16 !== false && adapter.features.has("shader-f16");
  const requiredLimits: Record<string, number> = {};
  for (const name of WANTED_LIMITS) {
    const value = (adapter.limits as unknown as Record<string, number>)[name];
    if (typeof value === "number") requiredLimits[name] = value;
  }
  const device = await adapter.requestDevice({
    requiredFeatures: float16 ? ["shader-f16"] : [],
    requiredLimits,
  });
  return { gpu, adapter, device, float16, cpuAdapter: isCpuAdapter(adapter), description: describe(adapter) };
}
