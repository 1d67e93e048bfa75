/**
 * The backend registry. Backends register explicitly (never as a side effect of an import);
 * they are created and initialised lazily on first use.
 */
import type { Backend } from "./backend.js";
import { DeviceError } from "./errors.js";

interface Registration {
  readonly name: string;
  readonly factory: () => Backend;
  readonly priority: number;
  instance?: Backend;
  initializing?: Promise<Backend>;
  failure?: Error;
}

const registrations = new Map<string, Registration>();
let defaultDevice: string | undefined;

// One registry per process: a second copy of this module (two installed versions, or the ESM
// and CJS builds loaded side by side) would silently split tensors across two registries.
const COPIES_KEY = Symbol.for("@trek/tensor.loadedCopies");
const globalScope = globalThis as unknown as Record<symbol, string[] | undefined>;
const thisCopy = typeof __filename === "string" ? __filename : (import.meta as { url?: string }).url ?? "unknown";
(globalScope[COPIES_KEY] ??= []).push(thisCopy);

function assertSingleCopy(): void {
  const copies = globalScope[COPIES_KEY]!;
  if (copies.length > 1) {
    throw new DeviceError(
      `Two copies of @trek/tensor are loaded in this process (${copies.join(", ")}). ` +
        `Backends registered with one are invisible to tensors of the other. ` +
        `Make every @trek package resolve the same @trek/tensor (it is a peer dependency): ` +
        `dedupe your install and load it either as ESM or as CommonJS, not both.`,
    );
  }
}

/** Package to install for the well-known device names, for error messages. */
const KNOWN_PACKAGES: Record<string, string> = {
  cpu: "@trek/backend-cpu",
  webgpu: "@trek/backend-webgpu",
  cuda: "@trek/backend-cuda",
};

export interface RegisterOptions {
  /** Higher priority backends are preferred by `ready()` when choosing the default device. */
  priority?: number;
}

/**
 * Registers a backend under a device name. The factory runs on first use.
 * @example registerBackend("cpu", () => new CpuBackend(), { priority: 1 })
 */
export function registerBackend(name: string, factory: () => Backend, options: RegisterOptions = {}): void {
  assertSingleCopy();
  if (typeof name !== "string" || name.length === 0 || name.includes(":")) {
    throw new DeviceError(`registerBackend: invalid device name ${JSON.stringify(name)}`);
  }
  const existing = registrations.get(name);
  if (existing?.instance) {
    throw new DeviceError(`registerBackend: "${name}" is already registered and in use; call removeBackend("${name}") first`);
  }
  registrations.set(name, { name, factory, priority: options.priority ?? 0 });
}

/** Unregisters a backend, disposing its instance if one was created. */
export async function removeBackend(name: string): Promise<void> {
  const reg = registrations.get(name);
  if (!reg) return;
  registrations.delete(name);
  if (defaultDevice === name) defaultDevice = undefined;
  if (reg.instance?.dispose) await reg.instance.dispose();
}

/** Names of registered backends, highest priority first. */
export function listBackends(): string[] {
  return [...registrations.values()].sort((a, b) => b.priority - a.priority).map((r) => r.name);
}

/** Whether a device name refers to a registered backend. */
export function hasBackend(name: string): boolean {
  return registrations.has(deviceBackendName(name));
}

/** "cuda:0" → "cuda". */
export function deviceBackendName(device: string): string {
  const colon = device.indexOf(":");
  return colon < 0 ? device : device.slice(0, colon);
}

function unknownDeviceError(name: string): DeviceError {
  const registered = listBackends();
  const pkg = KNOWN_PACKAGES[name];
  const hint = pkg
    ? `Install ${pkg} and register it, e.g. registerBackend("${name}", () => new ${pascal(name)}Backend()).`
    : `Register a backend under that name with registerBackend("${name}", factory).`;
  return new DeviceError(
    `Unknown device "${name}". Registered: ${registered.length ? registered.join(", ") : "none"}. ${hint}`,
  );
}

function pascal(name: string): string {
  return name === "cpu" ? "Cpu" : name === "webgpu" ? "WebGpu" : name === "cuda" ? "Cuda" : name;
}

/**
 * The backend instance for a device, creating and initialising it on first use. Throws when the
 * device is unknown, its initialisation failed, or it needs `await initBackend(name)` first.
 */
export function getBackend(device: string): Backend {
  const name = deviceBackendName(device);
  const reg = registrations.get(name);
  if (!reg) throw unknownDeviceError(name);
  if (reg.instance) return reg.instance;
  if (reg.failure) throw reg.failure;
  if (reg.initializing) {
    throw new DeviceError(`Backend "${name}" is still initialising; await initBackend("${name}") before using it.`);
  }
  let backend: Backend;
  try {
    backend = reg.factory();
    const pending = backend.init?.();
    if (pending && typeof (pending as Promise<void>).then === "function") {
      reg.initializing = (pending as Promise<void>).then(
        () => (reg.instance = backend),
        (err: unknown) => {
          reg.failure = initFailure(name, err);
          throw reg.failure;
        },
      );
      reg.initializing.catch(() => undefined);
      throw new DeviceError(
        `Backend "${name}" initialises asynchronously; call await initBackend("${name}") (or await ready()) before using it.`,
      );
    }
  } catch (err) {
    if (err instanceof DeviceError && reg.initializing) throw err;
    reg.failure = initFailure(name, err);
    throw reg.failure;
  }
  reg.instance = backend;
  return backend;
}

function initFailure(name: string, err: unknown): DeviceError {
  const reason = err instanceof Error ? err.message : String(err);
  return new DeviceError(`Backend "${name}" failed to initialise: ${reason}`);
}

/** Creates and initialises a backend, awaiting asynchronous initialisation. */
export async function initBackend(device: string): Promise<Backend> {
  const name = deviceBackendName(device);
  const reg = registrations.get(name);
  if (!reg) throw unknownDeviceError(name);
  if (reg.instance) return reg.instance;
  if (reg.failure) throw reg.failure;
  if (!reg.initializing) {
    try {
      return getBackend(name);
    } catch (err) {
      if (!reg.initializing) throw err;
    }
  }
  return reg.initializing!;
}

/**
 * Picks the default device: tries registered backends by priority, initialising each, and
 * settles on the first that works. Throws once, listing every backend's reason, if none does.
 */
export async function ready(): Promise<string> {
  if (defaultDevice && registrations.get(defaultDevice)?.instance) return defaultDevice;
  const reasons: string[] = [];
  for (const name of listBackends()) {
    try {
      await initBackend(name);
      defaultDevice = name;
      return name;
    } catch (err) {
      reasons.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (reasons.length === 0) throw noBackendError();
  throw new DeviceError(`No backend could be initialised:\n  ${reasons.join("\n  ")}`);
}

function noBackendError(): DeviceError {
  return new DeviceError(
    `No backend is registered. Install @trek/backend-cpu and call registerBackend("cpu", () => new CpuBackend()), ` +
      `or import from "torchtrek", which registers the CPU backend.`,
  );
}

/** Sets the device new tensors are created on when no `device` option is given. */
export function setDefaultDevice(device: string): void {
  const name = deviceBackendName(device);
  if (!registrations.has(name)) throw unknownDeviceError(name);
  defaultDevice = device;
}

/** The device used when none is given: the one set, else the highest-priority registered backend. */
export function getDefaultDevice(): string {
  if (defaultDevice) return defaultDevice;
  const names = listBackends();
  if (names.length === 0) throw noBackendError();
  return names[0]!;
}

/** Disposes every created backend instance (GPU backends release their device so Node can exit). */
export async function disposeBackends(): Promise<void> {
  for (const reg of registrations.values()) {
    const instance = reg.instance;
    reg.instance = undefined;
    reg.initializing = undefined;
    if (instance?.dispose) await instance.dispose();
  }
}
