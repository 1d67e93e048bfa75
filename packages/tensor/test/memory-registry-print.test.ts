import { describe, expect, it } from "vitest";
import {
  DeviceError,
  DisposedError,
  arange,
  dispose,
  getBackend,
  initBackend,
  keep,
  memory,
  ready,
  registerBackend,
  removeBackend,
  scope,
  scopeAsync,
  tensor,
  zeros,
  type Backend,
  type Tensor,
  conv2d,
  conv2dParams,
  maxPool2d,
  pool2dParams,
} from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";

registerBackend("cpu", () => new CpuBackend(), { priority: 1 });

describe("memory: dispose, using, scope", () => {
  it("dispose frees the buffer once the last view is gone; it is idempotent", () => {
    const before = memory();
    const t = zeros(4, 4);
    const v = t.T;
    expect(memory().storages).toBe(before.storages + 1);
    expect(memory().bytes).toBe(before.bytes + 64);
    t.dispose();
    t.dispose();
    expect(memory().storages).toBe(before.storages + 1); // the view keeps it alive
    const total = v.sum();
    expect(total.itemSync()).toBe(0);
    total.dispose();
    v.dispose();
    expect(memory().storages).toBe(before.storages);
    expect(memory().tensors).toBe(before.tensors);
    expect(() => t.add(1)).toThrow(DisposedError);
  });

  it("`using` disposes at the end of the block", () => {
    const before = memory().tensors;
    {
      using t = zeros(3);
      expect(memory().tensors).toBe(before + 1);
      void t;
    }
    expect(memory().tensors).toBe(before);
  });

  it("scope keeps what it returns (in arrays and objects) and what is kept", () => {
    const before = memory();
    let kept: Tensor | null = null;
    const result = scope(() => {
      const a = arange(10).float();
      const b = a.mul(2).add(1);
      kept = keep(b.sum());
      return { out: [b.exp()], other: 3 };
    });
    expect(memory().tensors).toBe(before.tensors + 2);
    expect(result.out[0]!.shape).toEqual([10]);
    expect(kept!.itemSync()).toBe(100);
    dispose(result);
    kept!.dispose();
    expect(memory().tensors).toBe(before.tensors);
    expect(memory().bytes).toBe(before.bytes);
  });

  it("nested scopes hand returned tensors to the outer scope; errors still clean up", () => {
    const before = memory().tensors;
    scope(() => {
      const inner = scope(() => zeros(2).add(1));
      expect(inner.isDisposed).toBe(false);
    });
    expect(memory().tensors).toBe(before);
    expect(() => scope(() => {
      zeros(5);
      throw new Error("boom");
    })).toThrow("boom");
    expect(memory().tensors).toBe(before);
    expect(() => scope(() => Promise.resolve(1) as unknown as number)).toThrow(/use scopeAsync/);
  });

  it("scopeAsync disposes joined tensors after the await", async () => {
    const before = memory().tensors;
    const value = await scopeAsync(async (s) => {
      const t = s.run(() => arange(4).float().mul(3));
      const total = s.track(t.sum());
      return total.item();
    });
    expect(value).toBe(18);
    expect(memory().tensors).toBe(before);
  });
});

describe("decompositions free their intermediates at once", () => {
  it("ops on a primitives-only backend leave only their outputs alive", () => {
    registerBackend("prims", () => new CpuBackend({ primitivesOnly: true }));
    const x = tensor([[0.5, -1, 2], [3, 0, -2]], { device: "prims" });
    const index = tensor([[2n, 0n], [1n, 1n]], { device: "prims" });
    const image = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]], { device: "prims" });
    const weight = tensor([[[[1, 0], [0, -1]]]], { device: "prims" });
    const xT = x.T;
    const params = conv2dParams(image, weight, { padding: 1 });
    const pool = pool2dParams(image, { kernelSize: 2, stride: 1 }, "maxPool2d");
    const cases: [string, () => Tensor | Tensor[]][] = [
      ["sigmoid", () => x.sigmoid()],
      ["gelu", () => x.gelu()],
      ["softmax", () => x.softmax(1)],
      ["logSoftmax", () => x.logSoftmax(0)],
      ["gather", () => x.gather(1, index)],
      ["argmax", () => x.argmax(1)],
      ["cumsum", () => x.cumsum(1)],
      ["sort", () => { const s = x.sort(1); return [s.values, s.indices]; }],
      ["matmul", () => x.matmul(xT)],
      ["conv2d", () => conv2d(image, weight, null, params)],
      ["maxPool2d", () => { const p = maxPool2d(image, pool.params, pool.oh, pool.ow); return [p.values, p.indices]; }],
      ["fmod", () => x.fmod(1.5)],
    ];
    for (const [name, run] of cases) {
      const before = memory();
      const out = run();
      const outputs = Array.isArray(out) ? out : [out];
      const after = memory();
      expect({ name, tensors: after.tensors - before.tensors }).toEqual({ name, tensors: outputs.length });
      for (const o of outputs) o.dispose();
      expect({ name, storages: memory().storages }).toEqual({ name, storages: before.storages });
    }
  });
});

describe("reading data", () => {
  it("data(), tolist(), item() and their sync forms", async () => {
    const t = tensor([[1, 2], [3, 4]]);
    expect(Array.from((await t.data()) as Float32Array)).toEqual([1, 2, 3, 4]);
    expect(Array.from((await t.T.data()) as Float32Array)).toEqual([1, 3, 2, 4]);
    expect(await t.tolist()).toEqual([[1, 2], [3, 4]]);
    expect(await t.sum().item()).toBe(10);
    expect(() => t.itemSync()).toThrow(/only one-element tensors can be converted to a number, got shape \[2, 2\]/);
    expect(tensor([1n]).itemSync()).toBe(1);
    expect(Array.from(tensor([0.5]).half().dataSync() as Float32Array)).toEqual([0.5]);
  });
});

describe("printing", () => {
  it("formats like PyTorch", () => {
    expect(String(tensor([1, 2, 3]))).toBe("tensor([1., 2., 3.])");
    expect(String(tensor([0.5, 1.25]))).toBe("tensor([0.5000, 1.2500])");
    expect(String(tensor([[1, 2], [3, 4]], { dtype: "float64" }))).toBe("tensor([[1., 2.],\n        [3., 4.]], dtype=float64)");
    expect(String(tensor([1n, 20n]))).toBe("tensor([ 1, 20])");
    expect(String(tensor([true, false]))).toBe("tensor([ True, False])");
    expect(String(tensor(3))).toBe("tensor(3.)");
    expect(String(tensor([1e-5, 1]))).toBe("tensor([1.0000e-05, 1.0000e+00])");
    expect(String(tensor([NaN, Infinity, 1]))).toBe("tensor([nan, inf, 1.])");
    expect(String(tensor([1], { requiresGrad: true }))).toBe("tensor([1.], requiresGrad=true)");
    const big = String(arange(2000));
    expect(big).toBe("tensor([   0,    1,    2,  ..., 1997, 1998, 1999])");
    expect(String(zeros(0, 3))).toBe("tensor([], dtype=float32)");
  });
});

describe("backend registry", () => {
  it("an unknown device names the package to install", () => {
    expect(() => zeros([1], { device: "webgpu" })).toThrow(/Unknown device "webgpu"\. Registered: cpu.*\. Install @trek\/backend-webgpu/);
    expect(() => zeros([1], { device: "mydevice" })).toThrow(/registerBackend\("mydevice", factory\)/);
  });

  it("mixing devices in one op is an error naming both devices", () => {
    registerBackend("second", () => new CpuBackend());
    const a = zeros([2]);
    const b = zeros([2], { device: "second" });
    expect(() => a.add(b)).toThrow(/add: expected all tensors on the same device, got cpu and second/);
    expect(a.add(b.to("cpu")).shape).toEqual([2]);
  });

  it("asynchronous backends must be awaited with initBackend", async () => {
    let started = false;
    class SlowBackend extends CpuBackend {
      override readonly name = "slow";
      async init(): Promise<void> {
        await new Promise((r) => setTimeout(r, 5));
        started = true;
      }
    }
    registerBackend("slow", () => new SlowBackend() as unknown as Backend);
    expect(() => getBackend("slow")).toThrow(/initialises asynchronously; call await initBackend\("slow"\)/);
    await initBackend("slow");
    expect(started).toBe(true);
    expect(zeros([2], { device: "slow" }).device).toBe("slow");
    await removeBackend("slow");
  });

  it("ready() picks the first backend that initialises and lists every failure otherwise", async () => {
    registerBackend("broken", () => {
      throw new Error("no adapter found");
    }, { priority: 10 });
    expect(await ready()).toBe("cpu");
    await removeBackend("broken");
    expect(() => getBackend("broken")).toThrow(DeviceError);
  });
});
