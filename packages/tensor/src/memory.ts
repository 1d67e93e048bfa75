/**
 * Storage ownership, memory accounting and scopes.
 *
 * A Storage is one backend buffer shared by every tensor viewing it; it is reference counted and
 * freed when its last tensor is disposed. A FinalizationRegistry frees storages of tensors the
 * program dropped without disposing, as a safety net only: the garbage collector cannot see GPU
 * memory pressure, so GPU code should dispose or use `scope`.
 */
import type { Backend } from "./backend.js";
import type { DType } from "./dtype.js";
import { itemSize } from "./dtype.js";

export class Storage {
  /** Number of tensor handles sharing this buffer. */
  refs = 1;
  /** Bumped by every in-place write; autograd compares it to detect modified saved tensors. */
  version = 0;
  freed = false;
  readonly nbytes: number;

  constructor(
    readonly backend: Backend,
    readonly device: string,
    readonly buffer: unknown,
    readonly dtype: DType,
    readonly numel: number,
  ) {
    this.nbytes = numel * itemSize(dtype);
    const stats = statsFor(device);
    stats.storages++;
    stats.bytes += this.nbytes;
    stats.peakBytes = Math.max(stats.peakBytes, stats.bytes);
  }

  retain(): void {
    this.refs++;
  }

  release(): void {
    if (this.freed) return;
    if (--this.refs > 0) return;
    this.freed = true;
    const stats = statsFor(this.device);
    stats.storages--;
    stats.bytes -= this.nbytes;
    this.backend.free(this.buffer);
  }
}

interface DeviceStats {
  storages: number;
  bytes: number;
  peakBytes: number;
}

const deviceStats = new Map<string, DeviceStats>();
let liveTensors = 0;

function statsFor(device: string): DeviceStats {
  let stats = deviceStats.get(device);
  if (!stats) {
    stats = { storages: 0, bytes: 0, peakBytes: 0 };
    deviceStats.set(device, stats);
  }
  return stats;
}

/** Memory statistics, like `tf.memory()`. */
export interface MemoryInfo {
  /** Tensor handles not yet disposed (views count separately). */
  tensors: number;
  /** Buffers allocated across all devices. */
  storages: number;
  /** Bytes allocated across all devices. */
  bytes: number;
  /** Per device: live buffers, bytes, and the peak byte count since start. */
  devices: Record<string, { storages: number; bytes: number; peakBytes: number }>;
}

export function memory(): MemoryInfo {
  const devices: MemoryInfo["devices"] = {};
  let storages = 0;
  let bytes = 0;
  for (const [name, s] of deviceStats) {
    devices[name] = { ...s };
    storages += s.storages;
    bytes += s.bytes;
  }
  return { tensors: liveTensors, storages, bytes, devices };
}

export function countTensorCreated(): void {
  liveTensors++;
}

export function countTensorReleased(): void {
  liveTensors--;
}

// ---------------------------------------------------------------------------------------------
// Scopes

/** Anything a scope can dispose: tensors. */
export interface Disposable {
  dispose(): void;
  readonly isDisposed: boolean;
}

/** Graph nodes the autograd engine creates; scopes release the ones nothing escaping needs. */
export interface ScopedGraphNode {
  /** Nodes this one feeds gradients into. */
  readonly nextNodes: readonly (ScopedGraphNode | null)[];
  /** Frees saved tensors; backward through it afterwards reports a freed graph. */
  release(): void;
}

interface Frame {
  tensors: Disposable[];
  nodes: ScopedGraphNode[];
}

const frames: Frame[] = [];
const keptMarker = new WeakSet<object>();

let trackingSuspended = 0;

/** Called for every new tensor handle: the innermost scope will dispose it. */
export function trackTensor(t: Disposable): void {
  if (trackingSuspended > 0) return;
  const frame = frames[frames.length - 1];
  if (frame) frame.tensors.push(t);
}

/**
 * Runs `fn` without registering new tensors in the enclosing scope (their owner disposes
 * them explicitly, e.g. tensors saved by autograd for backward).
 */
export function untracked<T>(fn: () => T): T {
  trackingSuspended++;
  try {
    return fn();
  } finally {
    trackingSuspended--;
  }
}

/** Called by the autograd engine for every node it records. */
export function trackGraphNode(node: ScopedGraphNode): void {
  const frame = frames[frames.length - 1];
  if (frame) frame.nodes.push(node);
}

/**
 * Excludes a tensor from disposal by the enclosing scopes (e.g. parameters' gradients,
 * optimizer state, module buffers created inside a scope). Returns it.
 */
export function keep<T extends Disposable>(t: T): T {
  keptMarker.add(t);
  return t;
}

/** Whether `keep()` was called on the tensor. */
export function isKept(t: Disposable): boolean {
  return keptMarker.has(t);
}

type GradFnOwner = { gradFn?: ScopedGraphNode | null };

function collectEscaping(value: unknown, into: Set<unknown>, depth = 0): void {
  if (value === null || typeof value !== "object" || depth > 8) return;
  if (isTensorLike(value)) {
    into.add(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collectEscaping(v, into, depth + 1);
  } else if (value instanceof Map) {
    for (const v of value.values()) collectEscaping(v, into, depth + 1);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectEscaping(v, into, depth + 1);
  }
}

function isTensorLike(value: object): value is Disposable & GradFnOwner {
  return typeof (value as Disposable).dispose === "function" && "isDisposed" in value && "shape" in value;
}

function closeFrame(frame: Frame, result: unknown, outer: Frame | undefined): void {
  const escaping = new Set<unknown>();
  collectEscaping(result, escaping);
  for (const t of frame.tensors) {
    if (t.isDisposed) continue;
    if (escaping.has(t)) {
      outer?.tensors.push(t);
    } else if (!keptMarker.has(t)) {
      t.dispose();
    }
  }
  if (frame.nodes.length === 0) return;
  // Keep the graph reachable from escaping (or kept) tensors; free the rest now rather than at GC.
  const reachable = new Set<ScopedGraphNode>();
  const stack: ScopedGraphNode[] = [];
  const roots = [...escaping, ...frame.tensors.filter((t) => keptMarker.has(t))] as GradFnOwner[];
  for (const t of roots) if (t.gradFn) stack.push(t.gradFn);
  while (stack.length) {
    const node = stack.pop()!;
    if (reachable.has(node)) continue;
    reachable.add(node);
    for (const next of node.nextNodes) if (next && !reachable.has(next)) stack.push(next);
  }
  for (const node of frame.nodes) {
    if (reachable.has(node)) outer?.nodes.push(node);
    else node.release();
  }
}

/**
 * Runs `fn` and disposes every tensor created inside it except those it returns (in arrays or
 * plain objects too) and those passed to `keep()`. Graph nodes nothing returned depends on are
 * freed as well. Like `tf.tidy`.
 */
export function scope<T>(fn: () => T): T {
  const frame: Frame = { tensors: [], nodes: [] };
  frames.push(frame);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    frames.pop();
    closeFrame(frame, undefined, frames[frames.length - 1]);
    throw err;
  }
  if (result && typeof (result as { then?: unknown }).then === "function") {
    frames.pop();
    closeFrame(frame, undefined, frames[frames.length - 1]);
    throw new TypeError("scope(fn): fn returned a Promise; use scopeAsync(async (s) => …) for asynchronous code");
  }
  frames.pop();
  closeFrame(frame, result, frames[frames.length - 1]);
  return result;
}

/** Handle passed to `scopeAsync` callbacks. */
export interface AsyncScope {
  /** Runs synchronous code whose new tensors belong to this scope. */
  run<T>(fn: () => T): T;
  /** Adds an existing tensor to this scope. */
  track<T extends Disposable>(t: T): T;
}

/**
 * The asynchronous form of `scope`: a global stack cannot follow `await`, so tensors join the
 * scope explicitly, through `s.run(() => …)` or `s.track(t)`. Everything joined is disposed at the
 * end except what the callback returns.
 */
export async function scopeAsync<T>(fn: (s: AsyncScope) => Promise<T>): Promise<T> {
  const frame: Frame = { tensors: [], nodes: [] };
  const handle: AsyncScope = {
    run<R>(inner: () => R): R {
      frames.push(frame);
      try {
        return inner();
      } finally {
        const popped = frames.pop();
        if (popped !== frame) throw new Error("scopeAsync: scopes were closed out of order");
      }
    },
    track<D extends Disposable>(t: D): D {
      frame.tensors.push(t);
      return t;
    },
  };
  let result: T;
  try {
    result = await fn(handle);
  } catch (err) {
    closeFrame(frame, undefined, undefined);
    throw err;
  }
  closeFrame(frame, result, undefined);
  return result;
}

/** Disposes tensors (and tensors nested in arrays/objects). */
export function dispose(value: unknown): void {
  const found = new Set<unknown>();
  collectEscaping(value, found);
  for (const t of found) (t as Disposable).dispose();
}
