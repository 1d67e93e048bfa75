/**
 * The backend as users meet it: registration and asynchronous init, clear errors (no adapter,
 * float64, synchronous reads), memory round trips at any offset, the buffer pool and the
 * pipeline cache, batching, and disposal.
 */
import { afterAll, describe, expect, it } from "vitest";
import { DTypeError, disposeBackends, initBackend, memory, randn, registerBackend, scope, storageArrayType, tensor, zeros } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { WebGpuBackend } from "@trek/backend-webgpu";
import { acquireWebGpu } from "./support/webgpu.js";

describe("initialisation errors (no GPU needed)", () => {
  it("names the missing adapter and what to do", async () => {
    const fakeGpu = { requestAdapter: async () => null } as unknown as GPU;
    registerBackend("no-adapter", () => new WebGpuBackend({ gpu: fakeGpu, name: "no-adapter" }));
    await expect(initBackend("no-adapter")).rejects.toThrow(/Backend "no-adapter" failed to initialise: no WebGPU adapter is available.*VK_ICD_FILENAMES/s);
  });

  it("refuses to run ops before init", () => {
    const backend = new WebGpuBackend({ gpu: {} as GPU });
    expect(() => backend.alloc("float32", 4)).toThrow(/not initialised; await initBackend\("webgpu"\)/);
  });
});

const gpu = await acquireWebGpu("webgpu backend tests");
if (gpu) {
  registerBackend("cpu", () => new CpuBackend());
  registerBackend("webgpu", () => gpu);
  await initBackend("webgpu");
}

describe.skipIf(!gpu)("webgpu backend behaviour", () => {
  const backend = gpu!;
  afterAll(async () => disposeBackends());

  it("reports float64 as unsupported with a clear error", () => {
    expect(backend.supportsDType("float64")).toBe(false);
    expect(backend.supportsDType("int64")).toBe(true);
    expect(() => zeros([2], { device: "webgpu", dtype: "float64" })).toThrow(DTypeError);
    expect(() => zeros([2], { device: "webgpu", dtype: "float64" })).toThrow(/webgpu backend does not support dtype float64/);
  });

  it("reads asynchronously and explains the synchronous forms", async () => {
    const t = tensor([1, 2, 3], { device: "webgpu" });
    expect(await t.tolist()).toEqual([1, 2, 3]);
    expect(() => t.dataSync()).toThrow(/cannot read synchronously; use await t.data\(\)/);
    expect(() => t.to("cpu")).toThrow(/reads asynchronously; use await t.toAsync\("cpu"\)/);
    t.dispose();
  });

  it("writes and reads any element range, including 16-bit and widened dtypes at odd offsets", async () => {
    for (const dtype of ["float16", "int8", "uint8", "bool", "int16", "bfloat16", "int64", "int32"] as const) {
      if (!backend.supportsDType(dtype)) continue;
      const buffer = backend.alloc(dtype, 9);
      const pattern = [1, 0, 1, 1, 0, 1, 0, 0, 1];
      const Storage = storageArrayType(dtype) as unknown as { from(values: ArrayLike<number | bigint>): ArrayLike<number | bigint> };
      const initial = (dtype === "int64" ? Storage.from([1n, -2n, 2n ** 40n, -(2n ** 62n), 5n, 6n, 7n, 8n, 9n]) : Storage.from(pattern)) as Parameters<typeof backend.write>[2];
      backend.write(buffer, dtype, initial, 0);
      // overwrite three elements starting at an odd position
      const patch = initial.slice(0, 3).reverse();
      backend.write(buffer, dtype, patch, 3);
      const expected = Array.from(initial as ArrayLike<number | bigint>);
      Array.from(patch as ArrayLike<number | bigint>).forEach((v, i) => (expected[3 + i] = v));
      const middle = await backend.read(buffer, dtype, 1, 7);
      expect(Array.from(middle as ArrayLike<number | bigint>), dtype).toEqual(expected.slice(1, 8));
      backend.free(buffer);
    }
  });

  it("reuses pooled buffers and cached pipelines, and batches dispatches into few submits", async () => {
    const x = randn([64, 64], { device: "webgpu" });
    const step = (): void => scope(() => void x.mul(2).add(1));
    step();
    await backend.sync();
    const before = backend.stats();
    for (let i = 0; i < 50; i++) step();
    await backend.sync();
    const after = backend.stats();
    expect(after.pipelines).toBe(before.pipelines);
    expect(after.pool.created).toBe(before.pool.created);
    expect(after.pool.reused - before.pool.reused).toBeGreaterThanOrEqual(100);
    expect(after.stream.dispatches - before.stream.dispatches).toBe(100);
    expect(after.stream.submits - before.stream.submits).toBeLessThanOrEqual(2);
    x.dispose();
  });

  it("returns every byte it allocates", async () => {
    const start = memory().devices.webgpu?.bytes ?? 0;
    const t = randn([128, 32], { device: "webgpu" });
    const y = scope(() => t.matmul(t.T).softmax(1).sum(0));
    expect(memory().devices.webgpu!.bytes).toBeGreaterThan(start);
    await y.data();
    t.dispose();
    y.dispose();
    expect(memory().devices.webgpu!.bytes).toBe(start);
    expect(backend.stats().pool.inUse).toBe(0);
  });
});

describe.skipIf(!gpu)("disposal", () => {
  it("destroys the device; later use fails clearly and dispose is idempotent", async () => {
    const own = await acquireWebGpu("webgpu disposal test");
    const buffer = own!.alloc("float32", 4);
    own!.free(buffer);
    await own!.dispose();
    await own!.dispose();
    expect(() => own!.alloc("float32", 4)).toThrow(/disposed/);
  });
});
