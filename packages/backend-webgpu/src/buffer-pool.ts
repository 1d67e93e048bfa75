/// <reference types="@webgpu/types" />
/**
 * Size-class reuse of GPU buffers. Creating a GPUBuffer costs far more than handing back a
 * free one, and training loops allocate the same few sizes every step.
 *
 * Reuse is safe without fences: every read and write of a buffer is encoded into the one
 * command stream in program order, so a buffer freed by the program and handed to a new tensor
 * is only written after the commands that read its old contents.
 */

/** Storage-buffer usage for tensor data: bound in shaders, copied to and from. */
export const DATA_USAGE = 0x80 /* STORAGE */ | 0x04 /* COPY_SRC */ | 0x08 /* COPY_DST */;

const MIN_CLASS = 256;

/**
 * The size class of a request: multiples of 256 bytes up to 4 KiB, then four classes per
 * power of two (so at most 25% of a buffer is slack).
 */
export function sizeClass(bytes: number): number {
  if (bytes <= MIN_CLASS) return MIN_CLASS;
  if (bytes <= 4096) return Math.ceil(bytes / 256) * 256;
  const power = 2 ** Math.floor(Math.log2(bytes));
  const quarter = power / 4;
  return Math.ceil(bytes / quarter) * quarter;
}

export interface PoolStats {
  /** Buffers created since start. */
  created: number;
  /** Requests served from the pool. */
  reused: number;
  /** Buffers currently handed out. */
  inUse: number;
  /** Bytes currently handed out (size classes, not requests). */
  inUseBytes: number;
  /** Free buffers kept for reuse. */
  pooled: number;
  pooledBytes: number;
  /** Buffers destroyed to stay under the pool limit. */
  evicted: number;
}

export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  /** Free buffers in release order, oldest first, for eviction. */
  private readonly releaseOrder = new Set<GPUBuffer>();
  private readonly evictable: GPUBuffer[] = [];
  readonly stats: PoolStats = { created: 0, reused: 0, inUse: 0, inUseBytes: 0, pooled: 0, pooledBytes: 0, evicted: 0 };

  constructor(
    private readonly device: GPUDevice,
    private readonly usage: number,
    private readonly limitBytes: number,
    private readonly label: string,
    /** Called with each buffer right before the pool destroys it. */
    private readonly onDestroy: (buffer: GPUBuffer) => void = () => undefined,
  ) {}

  /** A buffer of at least `bytes` bytes (its size is the size class). */
  acquire(bytes: number): GPUBuffer {
    const size = sizeClass(bytes);
    const list = this.free.get(size);
    let buffer = list?.pop();
    if (buffer) {
      this.releaseOrder.delete(buffer);
      this.stats.reused++;
      this.stats.pooled--;
      this.stats.pooledBytes -= size;
    } else {
      buffer = this.device.createBuffer({ size, usage: this.usage, label: this.label });
      this.stats.created++;
    }
    this.stats.inUse++;
    this.stats.inUseBytes += size;
    return buffer;
  }

  /** Returns a buffer for reuse. Buffers over the pool limit are destroyed at the next `trim()`. */
  release(buffer: GPUBuffer): void {
    const size = buffer.size;
    this.stats.inUse--;
    this.stats.inUseBytes -= size;
    let list = this.free.get(size);
    if (!list) {
      list = [];
      this.free.set(size, list);
    }
    list.push(buffer);
    this.releaseOrder.add(buffer);
    this.stats.pooled++;
    this.stats.pooledBytes += size;
    while (this.stats.pooledBytes > this.limitBytes && this.releaseOrder.size > 0) {
      const oldest = this.releaseOrder.values().next().value as GPUBuffer;
      this.releaseOrder.delete(oldest);
      const sameSize = this.free.get(oldest.size)!;
      sameSize.splice(sameSize.indexOf(oldest), 1);
      this.stats.pooled--;
      this.stats.pooledBytes -= oldest.size;
      this.stats.evicted++;
      // Destroying now could invalidate commands still being encoded; wait for the next submit.
      this.evictable.push(oldest);
    }
  }

  /** Destroys evicted buffers; call right after a submit (commands already submitted keep them alive). */
  trim(): void {
    for (const buffer of this.evictable) {
      this.onDestroy(buffer);
      buffer.destroy();
    }
    this.evictable.length = 0;
  }

  /** Destroys every pooled buffer. */
  clear(): void {
    this.trim();
    for (const list of this.free.values()) {
      for (const buffer of list) {
        this.onDestroy(buffer);
        buffer.destroy();
      }
    }
    this.free.clear();
    this.releaseOrder.clear();
    this.stats.pooled = 0;
    this.stats.pooledBytes = 0;
  }
}
