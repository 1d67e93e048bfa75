/**
 * The WebAssembly runtime of the CPU backend, one per process (or browser page / worker): the
 * compiled kernel module, its memory, the buffer heap inside that memory, and the thread pool.
 *
 * Memory model: with SharedArrayBuffer (Node; browsers when cross-origin isolated) the memory is
 * shared, grows on demand up to 4 GiB (growing a shared memory never detaches existing views)
 * and worker threads run kernels on it. Without it, the memory is an ordinary one of a fixed size
 * (growing it would detach every tensor's view), kernels run on the calling thread, and buffers
 * that do not fit fall back to plain typed arrays, which the TypeScript kernels handle.
 */
import type { DType, TypedArray, View } from "@trek/tensor";
import { itemSize, storageArrayType } from "@trek/tensor";
import { kernelBytes } from "./kernel-binary.js";
import type { KernelExports } from "./kernel-exports.js";
import { WasmHeap, type HeapStats } from "./heap.js";
import { MAX_WORKERS, ThreadPool } from "./thread-pool.js";
import { loadNativeKernels, type NativeKernels } from "../native/native-kernels.js";

const PAGE = 65536;
/** Low memory: thread control block, job descriptor, kernel descriptors; the heap starts above. */
const CONTROL_ADDRESS = 1024;
const JOB_ADDRESS = 2048;
const DESCRIPTOR_ADDRESS = 4096;
const HEAP_BASE = PAGE;
const SHARED_MAXIMUM_PAGES = 65536;
/** Fixed size of a non-shared memory (it cannot grow without detaching views). */
const PRIVATE_MEMORY_BYTES = 512 * 1024 * 1024;

export interface RuntimeInfo {
  /** WebAssembly SIMD kernels are in use. */
  wasm: boolean;
  /** The native AVX2/FMA GEMM and convolutions are in use. */
  native?: boolean;
  /** The memory is shared (a SharedArrayBuffer), so worker threads can run kernels. */
  sharedMemory: boolean;
  /** Threads kernels may use (the calling thread included). */
  threads: number;
  /** Workers started and ready. */
  readyWorkers: number;
  /** Why the WebAssembly kernels are off, when they are. */
  reason?: string;
  heap?: HeapStats;
}

export class WasmRuntime {
  readonly exports: KernelExports;
  readonly heap: WasmHeap;
  readonly pool: ThreadPool | null;
  /** AVX2/FMA GEMM and convolutions (Node on x86-64, when built); they share this memory. */
  readonly native: NativeKernels | null;
  readonly gemmScratchBytes: number;
  readonly jobAddress = JOB_ADDRESS;
  readonly descriptorAddress = DESCRIPTOR_ADDRESS;
  private scratchPtr = 0;
  private scratchSize = 0;
  private heapFullWarned = false;

  constructor(
    readonly module: WebAssembly.Module,
    readonly memory: WebAssembly.Memory,
    readonly shared: boolean,
    options: { native?: boolean } = {},
  ) {
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    this.exports = instance.exports as unknown as KernelExports;
    this.gemmScratchBytes = this.exports.GEMM_SCRATCH_BYTES.value as number;
    const limit = shared ? SHARED_MAXIMUM_PAGES * PAGE : memory.buffer.byteLength;
    this.heap = new WasmHeap(memory, HEAP_BASE, limit, shared);
    this.pool = shared ? new ThreadPool(module, memory, CONTROL_ADDRESS, JOB_ADDRESS, this.exports.runTask) : null;
    this.native = shared && options.native !== false ? loadNativeKernels() : null;
  }

  private nativeBoundTo: ArrayBufferLike | null = null;

  /** The native kernels, bound to the memory's current buffer; null when there are none. */
  nativeKernels(): NativeKernels | null {
    const native = this.native;
    if (!native) return null;
    const buffer = this.heap.buffer();
    if (buffer !== this.nativeBoundTo) {
      native.bind(new Uint8Array(buffer));
      this.nativeBoundTo = buffer;
    }
    return native;
  }

  /** Threads for native work of `work` units: all configured threads above the threshold. */
  nativeThreadsFor(work: number, threshold: number): number {
    return work < threshold ? 1 : getNumThreads();
  }

  // ---- buffers ----------------------------------------------------------------------------------

  /** A typed array of `numel` elements in the heap, or a plain one when the heap is full. */
  allocArray(dtype: DType, numel: number): TypedArray {
    const Ctor = storageArrayType(dtype) as unknown as new (buffer: ArrayBufferLike, byteOffset: number, length: number) => TypedArray;
    if (numel === 0) return new (storageArrayType(dtype))(0);
    const ptr = this.heap.alloc(numel * itemSize(dtype));
    if (ptr === 0) {
      if (!this.heapFullWarned) {
        this.heapFullWarned = true;
        const mib = (this.heap.stats().usedBytes / 2 ** 20).toFixed(0);
        console.warn(
          `@trek/backend-cpu: the WebAssembly heap is full (${mib} MiB of live tensors); new tensors use plain ` +
            `JavaScript arrays and slower kernels. Dispose tensors you no longer need (dispose(), scope()).`,
        );
      }
      return new (storageArrayType(dtype))(numel);
    }
    return new Ctor(this.heap.buffer(), ptr, numel);
  }

  freeArray(array: unknown): void {
    const view = array as ArrayBufferView;
    if (view && view.byteLength > 0 && this.heap.owns(view)) this.heap.free(view.byteOffset);
  }

  /** The byte address of a view's first element when its buffer lives in the heap, else -1. */
  address(v: View): number {
    const array = v.buffer as ArrayBufferView & { BYTES_PER_ELEMENT: number };
    if (!this.heap.owns(array)) return -1;
    return array.byteOffset + v.offset * array.BYTES_PER_ELEMENT;
  }

  // ---- scratch ----------------------------------------------------------------------------------

  /**
   * Scratch memory for one kernel call (GEMM panels, im2col columns, accumulators), valid until
   * the next call asks for scratch. One block is kept and grown, so steady state allocates nothing.
   */
  scratch(bytes: number): number {
    if (bytes <= this.scratchSize) return this.scratchPtr;
    if (this.scratchPtr) this.heap.free(this.scratchPtr);
    const size = Math.max(bytes, Math.min(this.scratchSize * 2, bytes * 2));
    this.scratchPtr = this.heap.alloc(size);
    this.scratchSize = this.scratchPtr ? size : 0;
    return this.scratchPtr;
  }

  /** Temporary heap block for a kernel that needs more than one scratch area; release with `release`. */
  temporary(bytes: number): number {
    return this.heap.alloc(bytes);
  }

  release(ptr: number): void {
    if (ptr) this.heap.free(ptr);
  }

  private viewsOf: ArrayBufferLike | null = null;
  private i32View: Int32Array<ArrayBufferLike> = new Int32Array(0);
  private f32View: Float32Array<ArrayBufferLike> = new Float32Array(0);

  /** Int32 and Float32 views of the whole memory (re-created after growth). */
  i32(): Int32Array<ArrayBufferLike> {
    this.refreshViews();
    return this.i32View;
  }

  f32(): Float32Array<ArrayBufferLike> {
    this.refreshViews();
    return this.f32View;
  }

  private refreshViews(): void {
    const buffer = this.heap.buffer();
    if (buffer === this.viewsOf) return;
    this.viewsOf = buffer;
    this.i32View = new Int32Array(buffer);
    this.f32View = new Float32Array(buffer);
  }

  // ---- threads ----------------------------------------------------------------------------------

  /** Threads a job of `work` units may use now (1 below the threshold, or without workers). */
  threadsFor(work: number, threshold: number): number {
    const wanted = getNumThreads();
    if (!this.pool || this.pool.broken || wanted <= 1 || work < threshold) return 1;
    this.pool.ensureWorkers(wanted - 1);
    return Math.min(wanted, 1 + this.pool.readyWorkers());
  }

  /** Runs the job in the job descriptor on `threads` threads. */
  runJob(threads: number): void {
    if (threads <= 1 || !this.pool) this.exports.runTask(JOB_ADDRESS, 0, 1);
    else this.pool.run(threads);
  }

  info(): RuntimeInfo {
    return {
      wasm: true,
      native: this.native !== null,
      sharedMemory: this.shared,
      threads: this.pool ? getNumThreads() : 1,
      readyWorkers: this.pool?.readyWorkers() ?? 0,
      heap: this.heap.stats(),
    };
  }

  dispose(): void {
    this.pool?.terminate();
  }
}

// ---- the process-wide runtime ---------------------------------------------------------------------

let runtime: WasmRuntime | null | undefined;
let unavailableReason = "";

/** The runtime, created on first use; null when WebAssembly SIMD is unavailable here. */
export function getRuntime(): WasmRuntime | null {
  if (runtime !== undefined) return runtime;
  runtime = null;
  try {
    runtime = createRuntime();
  } catch (err) {
    unavailableReason = err instanceof Error ? err.message : String(err);
  }
  return runtime;
}

/**
 * Creates a runtime (the process-wide one is made by `getRuntime`). `shared: false` forces a
 * private memory, as on a page without cross-origin isolation.
 */
export function createRuntime(options: { shared?: boolean; native?: boolean } = {}): WasmRuntime | null {
  if (typeof WebAssembly !== "object") {
    unavailableReason = "WebAssembly is not available";
    return null;
  }
  const bytes = kernelBytes();
  if (!bytes) {
    unavailableReason = "the kernel module was not built (run the package build: pnpm build)";
    return null;
  }
  const shared = options.shared ?? canShareMemory();
  const binary = shared ? bytes : withPrivateMemory(bytes);
  if (!WebAssembly.validate(binary)) {
    unavailableReason = "this WebAssembly engine lacks SIMD";
    return null;
  }
  const module = new WebAssembly.Module(binary);
  const memory = shared
    ? new WebAssembly.Memory({ initial: HEAP_BASE / PAGE + 256, maximum: SHARED_MAXIMUM_PAGES, shared: true })
    : new WebAssembly.Memory({ initial: PRIVATE_MEMORY_BYTES / PAGE, maximum: PRIVATE_MEMORY_BYTES / PAGE });
  return new WasmRuntime(module, memory, shared, { native: options.native });
}

function canShareMemory(): boolean {
  if (typeof SharedArrayBuffer === "undefined") return false;
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return true;
  } catch {
    return false;
  }
}

/**
 * The module declares an imported shared memory; for a platform without shared memory the same
 * code runs on a private one, so the import's limits flag (0x03: shared, has maximum) is rewritten
 * to 0x01 (has maximum). Only the import section is touched.
 */
function withPrivateMemory(bytes: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const out = bytes.slice();
  let p = 8;
  const readU32 = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = out[p++]!;
      result |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result >>> 0;
      shift += 7;
    }
  };
  while (p < out.length) {
    const id = out[p++]!;
    const size = readU32();
    const end = p + size;
    if (id === 2) {
      const count = readU32();
      for (let i = 0; i < count; i++) {
        const moduleName = readU32();
        p += moduleName;
        const fieldName = readU32();
        p += fieldName;
        const kind = out[p++]!;
        if (kind === 0x02) {
          if (out[p] === 0x03) out[p] = 0x01;
          return out;
        }
        if (kind === 0x00) readU32();
        else if (kind === 0x01) {
          p++;
          const flags = out[p++]!;
          readU32();
          if (flags & 1) readU32();
        } else if (kind === 0x03) p += 2;
      }
    }
    p = end;
  }
  return out;
}

/** Why the WebAssembly kernels are off ("" when they are on or not yet tried). */
export function runtimeUnavailableReason(): string {
  return unavailableReason;
}

// ---- thread count -----------------------------------------------------------------------------------

let numThreads: number | undefined;

function defaultThreads(): number {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const fromEnv = Number.parseInt(env?.TREK_NUM_THREADS ?? "", 10);
  if (Number.isFinite(fromEnv) && fromEnv >= 1) return Math.min(fromEnv, MAX_WORKERS + 1);
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  if (nav?.hardwareConcurrency) return Math.min(nav.hardwareConcurrency, 16);
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const os = proc?.getBuiltinModule?.("node:os") as { availableParallelism?: () => number } | undefined;
  return Math.min(os?.availableParallelism?.() ?? 1, 16);
}

/** Threads the CPU kernels use (the calling thread included): `TREK_NUM_THREADS`, else the core count. */
export function getNumThreads(): number {
  numThreads ??= defaultThreads();
  return numThreads;
}

/**
 * Sets how many threads large CPU kernels use, the calling thread included (1 = no workers).
 * Small ops always run on the calling thread.
 */
export function setNumThreads(threads: number): void {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new RangeError(`setNumThreads: expected a positive integer, got ${threads}`);
  }
  numThreads = Math.min(threads, MAX_WORKERS + 1);
}
