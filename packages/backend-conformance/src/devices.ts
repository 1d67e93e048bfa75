/**
 * Registering the backend under test, its primitives-only view and the CPU oracle for one run.
 */
import type { Backend } from "@trek/tensor";
import { hasBackend, initBackend, registerBackend, removeBackend } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import type { Devices } from "./harness.js";

/** The device name of the reference backend. */
export const ORACLE_DEVICE = "cpu";

/**
 * The same backend instance with `kernels` hidden: every op then runs its decomposition into
 * primitives. Buffers stay valid across both because they belong to the same instance.
 */
export function primitivesOnlyView(backend: Backend): Backend {
  const view: Backend = {
    name: `${backend.name} (primitives only)`,
    canReadSync: backend.canReadSync,
    alloc: (dtype, numel) => backend.alloc(dtype, numel),
    free: (buffer) => backend.free(buffer),
    write: (buffer, dtype, data, offset) => backend.write(buffer, dtype, data, offset),
    read: (buffer, dtype, offset, numel) => backend.read(buffer, dtype, offset, numel),
    sync: () => backend.sync(),
    unary: (op, x, out) => backend.unary(op, x, out),
    binary: (op, a, b, out) => backend.binary(op, a, b, out),
    where: (cond, a, b, out) => backend.where(cond, a, b, out),
    cast: (x, out) => backend.cast(x, out),
    reduce: (op, x, dims, out) => backend.reduce(op, x, dims, out),
    copy: (x, out) => backend.copy(x, out),
    fill: (out, value) => backend.fill(out, value),
  };
  const mutable = view as { -readonly [K in keyof Backend]: Backend[K] };
  if (backend.readSync) mutable.readSync = (buffer, dtype, offset, numel) => backend.readSync!(buffer, dtype, offset, numel);
  if (backend.supportsDType) mutable.supportsDType = (dtype) => backend.supportsDType!(dtype);
  return view;
}

/** Names of the fast kernels a backend provides. */
export function kernelNames(backend: Backend): string[] {
  const kernels = backend.kernels;
  if (!kernels) return [];
  return Object.keys(kernels).filter((k) => typeof (kernels as Record<string, unknown>)[k] === "function");
}

export interface Registration {
  readonly devices: Devices;
  readonly backend: Backend;
  /** Unregisters what the run registered (disposing the backend under test). */
  release(): Promise<void>;
}

/** Registers and initialises everything a run needs. */
export async function registerForRun(instance: Backend, device: string): Promise<Registration> {
  if (device === ORACLE_DEVICE || device.includes(":")) {
    throw new Error(`runConformance: device "${device}" cannot be used: "cpu" is the oracle's name and ":" is reserved`);
  }
  if (hasBackend(device)) {
    throw new Error(`runConformance: a backend is already registered as "${device}"; pass another name in options.device`);
  }
  const registered: string[] = [];
  if (!hasBackend(ORACLE_DEVICE)) {
    registerBackend(ORACLE_DEVICE, () => new CpuBackend());
    registered.push(ORACLE_DEVICE);
  }
  await initBackend(ORACLE_DEVICE);
  registerBackend(device, () => instance);
  registered.push(device);
  await initBackend(device);
  let primitives: string | null = null;
  if (kernelNames(instance).length > 0) {
    primitives = `${device}-primitives-only`;
    const view = primitivesOnlyView(instance);
    registerBackend(primitives, () => view);
    registered.push(primitives);
    await initBackend(primitives);
  }
  return {
    devices: { test: device, primitives, oracle: ORACLE_DEVICE },
    backend: instance,
    async release() {
      // The view first: it has no dispose of its own, the instance is disposed once.
      for (const name of registered.reverse()) await removeBackend(name);
    },
  };
}
