/**
 * The allocator for tensor buffers inside the kernel module's linear memory. A buffer is a typed
 * array viewing the memory, so kernels take its `byteOffset` as a pointer and never copy
 * contiguous data in or out.
 *
 * Blocks are multiples of 64 bytes (cache lines; every dtype's alignment). Free blocks are
 * coalesced with their neighbours on release and kept in power-of-two size bins; allocation takes
 * the first block that fits from the smallest bin that can hold it, splitting off the rest, and
 * otherwise bumps the top of the heap, growing the memory when it can. A training loop that
 * allocates the same shapes every step therefore reuses the same blocks.
 */

const BLOCK = 64;
const PAGE = 65536;

export interface HeapStats {
  /** Bytes in live blocks. */
  usedBytes: number;
  /** The most bytes ever live at once. */
  peakBytes: number;
  /** Bytes of linear memory the heap spans (its top, with free blocks below it). */
  spanBytes: number;
  /** Size of the whole linear memory. */
  memoryBytes: number;
  /** Live blocks. */
  blocks: number;
}

export class WasmHeap {
  private readonly sizes = new Map<number, number>();
  private readonly freeStart = new Map<number, number>();
  private readonly freeEnd = new Map<number, number>();
  private readonly bins: Set<number>[] = [];
  /** Every ArrayBuffer object the memory has exposed (a shared memory gives a new one per growth). */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  private current: ArrayBufferLike;
  private top: number;
  private used = 0;
  private peak = 0;

  /**
   * @param memory the module's memory
   * @param base first byte the heap may use (below it: control blocks)
   * @param limit the heap never grows past this many bytes of memory
   * @param growable whether `memory.grow` keeps existing views valid (shared memories)
   */
  constructor(
    readonly memory: WebAssembly.Memory,
    base: number,
    private readonly limit: number,
    private readonly growable: boolean,
  ) {
    this.top = roundUp(base, BLOCK);
    this.current = memory.buffer;
    this.buffers.add(this.current);
  }

  /** The memory's current buffer (refreshed after growth). */
  buffer(): ArrayBufferLike {
    const b = this.memory.buffer;
    if (b !== this.current) {
      this.current = b;
      this.buffers.add(b);
    }
    return b;
  }

  /** Whether a typed array views this heap's memory. */
  owns(array: ArrayBufferView): boolean {
    return this.buffers.has(array.buffer);
  }

  /** A block of at least `bytes` bytes, or 0 when the heap cannot provide one. */
  alloc(bytes: number): number {
    const size = roundUp(Math.max(bytes, 1), BLOCK);
    for (let bin = binOf(size); bin < this.bins.length; bin++) {
      const set = this.bins[bin];
      if (!set || set.size === 0) continue;
      for (const ptr of set) {
        const blockSize = this.freeStart.get(ptr)!;
        if (blockSize < size) continue;
        this.removeFree(ptr, blockSize);
        if (blockSize > size) this.addFree(ptr + size, blockSize - size);
        return this.take(ptr, size);
      }
    }
    const ptr = this.top;
    const end = ptr + size;
    if (end > this.limit) return 0;
    if (end > this.memory.buffer.byteLength && !this.grow(end)) return 0;
    this.top = end;
    return this.take(ptr, size);
  }

  /** Returns a block; neighbouring free blocks merge, and a block at the top lowers it. */
  free(ptr: number): void {
    const size = this.sizes.get(ptr);
    if (size === undefined) return;
    this.sizes.delete(ptr);
    this.used -= size;
    let start = ptr;
    let end = ptr + size;
    const before = this.freeEnd.get(start);
    if (before !== undefined) {
      this.removeFree(before, start - before);
      start = before;
    }
    const afterSize = this.freeStart.get(end);
    if (afterSize !== undefined) {
      this.removeFree(end, afterSize);
      end += afterSize;
    }
    if (end === this.top) this.top = start;
    else this.addFree(start, end - start);
  }

  /** The size of a live block (0 when `ptr` is not one). */
  blockSize(ptr: number): number {
    return this.sizes.get(ptr) ?? 0;
  }

  stats(): HeapStats {
    return {
      usedBytes: this.used,
      peakBytes: this.peak,
      spanBytes: this.top,
      memoryBytes: this.memory.buffer.byteLength,
      blocks: this.sizes.size,
    };
  }

  private take(ptr: number, size: number): number {
    this.sizes.set(ptr, size);
    this.used += size;
    if (this.used > this.peak) this.peak = this.used;
    return ptr;
  }

  private grow(end: number): boolean {
    if (!this.growable) return false;
    const have = this.memory.buffer.byteLength;
    // Grow by at least a quarter (and 16 MiB) to keep the number of growths small.
    const want = Math.min(this.limit, Math.max(end, have + Math.max(have / 4, 16 * 1024 * 1024)));
    const pages = Math.ceil((want - have) / PAGE);
    try {
      this.memory.grow(pages);
    } catch {
      try {
        this.memory.grow(Math.ceil((end - have) / PAGE));
      } catch {
        return false;
      }
    }
    this.buffer();
    return true;
  }

  private addFree(ptr: number, size: number): void {
    this.freeStart.set(ptr, size);
    this.freeEnd.set(ptr + size, ptr);
    const bin = binOf(size);
    while (this.bins.length <= bin) this.bins.push(new Set());
    this.bins[bin]!.add(ptr);
  }

  private removeFree(ptr: number, size: number): void {
    this.freeStart.delete(ptr);
    this.freeEnd.delete(ptr + size);
    this.bins[binOf(size)]!.delete(ptr);
  }
}

function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/** Bin b holds free blocks of [64·2^b, 64·2^(b+1)) bytes. */
function binOf(size: number): number {
  return 31 - Math.clz32(size / BLOCK);
}
