/// <reference types="@webgpu/types" />
/**
 * The one ordered stream of GPU work. Ops only record: dispatches, uploads and copies go into a
 * command encoder in program order and are submitted together (one submit per batch), when a
 * batch is full, or when the program reads data or waits.
 *
 * Uniform parameters of a batch are packed into one buffer written right before its submit.
 * Small uploads that must land between recorded dispatches travel the same way (a staging
 * buffer copied inside the command stream); `queue.writeBuffer` straight into a tensor buffer
 * is only used when nothing is pending, because it would overtake recorded commands.
 */
import { BufferPool } from "./buffer-pool.js";
import type { CompiledKernel } from "./pipeline-cache.js";

const PARAMS_BYTES = 256 * 1024;
const UPLOAD_BYTES = 1024 * 1024;
/** Bind groups kept for reuse before the cache starts over. */
const MAX_BIND_GROUPS = 4096;
/** Uploads larger than this bypass the staging buffer (after a flush). */
const STAGED_UPLOAD_LIMIT = 64 * 1024;

const MAP_READ = 0x01;
const COPY_SRC = 0x04;
const COPY_DST = 0x08;
const UNIFORM = 0x40;

export interface StreamStats {
  /** Compute dispatches recorded. */
  dispatches: number;
  /** queue.submit calls. */
  submits: number;
  /** Host → GPU uploads (direct or staged). */
  uploads: number;
  /** GPU → host reads. */
  readbacks: number;
}

export class CommandStream {
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private readonly paramsBuffer: GPUBuffer;
  private readonly paramsHost = new Uint8Array(PARAMS_BYTES);
  private paramsUsed = 0;
  private readonly uploadBuffer: GPUBuffer;
  private readonly uploadHost = new Uint8Array(UPLOAD_BYTES);
  private uploadUsed = 0;
  private pendingDispatches = 0;
  private readonly readbackPool: BufferPool;
  private readonly afterSubmit: (() => void)[] = [];
  private readonly uniformAlignment: number;
  private firstError: string | null = null;
  /** Bind groups by layout, uniform size and buffers; buffers get small ids for the keys. */
  private readonly bindGroups = new Map<string, GPUBindGroup>();
  private readonly bufferIds = new WeakMap<GPUBuffer, number>();
  private readonly keysByBuffer = new Map<number, string[]>();
  private nextBufferId = 1;
  private lostReason: string | null = null;
  readonly stats: StreamStats = { dispatches: 0, submits: 0, uploads: 0, readbacks: 0 };

  constructor(
    private readonly device: GPUDevice,
    private readonly maxBatch: number,
    private readonly afterEverySubmit: () => void = () => undefined,
  ) {
    this.uniformAlignment = Math.max(16, device.limits.minUniformBufferOffsetAlignment);
    this.paramsBuffer = device.createBuffer({ size: PARAMS_BYTES, usage: UNIFORM | COPY_DST, label: "trek params" });
    this.uploadBuffer = device.createBuffer({ size: UPLOAD_BYTES, usage: COPY_SRC | COPY_DST, label: "trek uploads" });
    this.readbackPool = new BufferPool(device, MAP_READ | COPY_DST, 64 * 1024 * 1024, "trek readback");
    device.addEventListener?.("uncapturederror", (event) => {
      const error = (event as GPUUncapturedErrorEvent).error;
      this.firstError ??= error?.message ?? String(error);
    });
    void device.lost.then((info) => {
      this.lostReason = `${info.reason}: ${info.message}`;
    });
  }

  /** Runs `hook` after the next submit (e.g. returning temporaries whose last use is recorded). */
  onSubmit(hook: () => void): void {
    this.afterSubmit.push(hook);
  }

  private currentEncoder(): GPUCommandEncoder {
    this.encoder ??= this.device.createCommandEncoder({ label: "trek batch" });
    return this.encoder;
  }

  private endPass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
  }

  /** Records one compute dispatch. `params` is copied; `buffers` bind at 1, 2, … */
  dispatch(kernel: CompiledKernel, params: Uint32Array, buffers: readonly GPUBuffer[], groups: readonly [number, number, number]): void {
    this.checkAlive();
    const size = Math.max(16, Math.ceil(params.byteLength / 16) * 16);
    if (this.paramsUsed + size > PARAMS_BYTES || this.pendingDispatches >= this.maxBatch) this.flush();
    const offset = this.paramsUsed;
    this.paramsHost.set(new Uint8Array(params.buffer, params.byteOffset, params.byteLength), offset);
    this.paramsUsed = Math.ceil((offset + size) / this.uniformAlignment) * this.uniformAlignment;
    const bindGroup = this.bindGroupFor(kernel, size, buffers);
    this.pass ??= this.currentEncoder().beginComputePass();
    this.pass.setPipeline(kernel.pipeline);
    this.pass.setBindGroup(0, bindGroup, [offset]);
    this.pass.dispatchWorkgroups(groups[0], groups[1], groups[2]);
    this.pendingDispatches++;
    this.stats.dispatches++;
  }

  /** A cached bind group: training loops bind the same pooled buffers step after step. */
  private bindGroupFor(kernel: CompiledKernel, size: number, buffers: readonly GPUBuffer[]): GPUBindGroup {
    let key = `${kernel.layoutId}:${size}`;
    const ids: number[] = [];
    for (const buffer of buffers) {
      let id = this.bufferIds.get(buffer);
      if (id === undefined) {
        id = this.nextBufferId++;
        this.bufferIds.set(buffer, id);
      }
      ids.push(id);
      key += `:${id}`;
    }
    let group = this.bindGroups.get(key);
    if (group) return group;
    if (this.bindGroups.size >= MAX_BIND_GROUPS) {
      this.bindGroups.clear();
      this.keysByBuffer.clear();
    }
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: this.paramsBuffer, offset: 0, size } }];
    for (let i = 0; i < buffers.length; i++) entries.push({ binding: i + 1, resource: { buffer: buffers[i]! } });
    group = this.device.createBindGroup({ layout: kernel.layout, entries });
    this.bindGroups.set(key, group);
    for (const id of ids) {
      let keys = this.keysByBuffer.get(id);
      if (!keys) this.keysByBuffer.set(id, (keys = []));
      keys.push(key);
    }
    return group;
  }

  /** Drops cached bind groups that use `buffer` (call before destroying it). */
  forget(buffer: GPUBuffer): void {
    const id = this.bufferIds.get(buffer);
    if (id === undefined) return;
    for (const key of this.keysByBuffer.get(id) ?? []) this.bindGroups.delete(key);
    this.keysByBuffer.delete(id);
  }

  /** Writes bytes into a buffer, ordered after everything recorded so far. Offset and length: multiples of 4. */
  upload(target: GPUBuffer, byteOffset: number, bytes: Uint8Array): void {
    this.checkAlive();
    this.stats.uploads++;
    const length = bytes.byteLength;
    if (this.encoder === null) {
      this.device.queue.writeBuffer(target, byteOffset, bytes as Uint8Array<ArrayBuffer>, 0, length);
      return;
    }
    if (length > STAGED_UPLOAD_LIMIT || this.uploadUsed + length > UPLOAD_BYTES) {
      this.flush();
      this.device.queue.writeBuffer(target, byteOffset, bytes as Uint8Array<ArrayBuffer>, 0, length);
      return;
    }
    const at = this.uploadUsed;
    this.uploadHost.set(bytes, at);
    this.uploadUsed = at + Math.ceil(length / 4) * 4;
    this.endPass();
    this.currentEncoder().copyBufferToBuffer(this.uploadBuffer, at, target, byteOffset, length);
  }

  /** Records a buffer-to-buffer copy (offsets and size multiples of 4). */
  copy(source: GPUBuffer, sourceOffset: number, target: GPUBuffer, targetOffset: number, size: number): void {
    this.endPass();
    this.currentEncoder().copyBufferToBuffer(source, sourceOffset, target, targetOffset, size);
  }

  /** Submits everything recorded. */
  flush(): void {
    if (this.encoder === null) return;
    this.endPass();
    const queue = this.device.queue;
    if (this.paramsUsed > 0) queue.writeBuffer(this.paramsBuffer, 0, this.paramsHost, 0, this.paramsUsed);
    if (this.uploadUsed > 0) queue.writeBuffer(this.uploadBuffer, 0, this.uploadHost, 0, this.uploadUsed);
    queue.submit([this.encoder.finish()]);
    this.stats.submits++;
    this.encoder = null;
    this.paramsUsed = 0;
    this.uploadUsed = 0;
    this.pendingDispatches = 0;
    const hooks = this.afterSubmit.splice(0);
    for (const hook of hooks) hook();
    this.afterEverySubmit();
    this.readbackPool.trim();
  }

  /** Copies `byteLength` bytes at `byteOffset` back to the host, after all recorded work. */
  async read(source: GPUBuffer, byteOffset: number, byteLength: number): Promise<ArrayBuffer> {
    this.checkAlive();
    this.stats.readbacks++;
    const start = Math.floor(byteOffset / 4) * 4;
    const end = Math.ceil((byteOffset + byteLength) / 4) * 4;
    const staging = this.readbackPool.acquire(end - start);
    this.copy(source, start, staging, 0, end - start);
    this.flush();
    try {
      await staging.mapAsync(MAP_READ, 0, end - start);
    } catch (err) {
      this.checkAlive();
      throw err;
    }
    const result = staging.getMappedRange(0, end - start).slice(byteOffset - start, byteOffset - start + byteLength);
    staging.unmap();
    this.readbackPool.release(staging);
    this.raiseErrors();
    return result;
  }

  /** Resolves when all submitted work has finished; reports asynchronous GPU errors. */
  async idle(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    this.raiseErrors();
  }

  /** Releases the stream's own buffers. */
  destroy(): void {
    this.readbackPool.clear();
    this.paramsBuffer.destroy();
    this.uploadBuffer.destroy();
  }

  private checkAlive(): void {
    if (this.lostReason !== null) throw new Error(`the WebGPU device was lost (${this.lostReason})`);
  }

  private raiseErrors(): void {
    this.checkAlive();
    if (this.firstError !== null) {
      const message = this.firstError;
      this.firstError = null;
      throw new Error(`WebGPU reported an error in recorded work: ${message}`);
    }
  }
}
