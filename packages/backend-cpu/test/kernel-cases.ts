/**
 * The fast kernels (WebAssembly, and native where loaded) against the plain TypeScript kernels
 * (an independent implementation, itself checked against PyTorch fixtures by the conformance
 * kit): the same ops on the same data on two devices, "cpu" (fast kernels) and "ref" (TypeScript
 * only), over shapes that hit every edge path (sizes that are not multiples of the SIMD width or
 * the GEMM tiles, broadcasting, transposed and strided operands, padding, dilation, groups).
 */
import { describe, expect, it } from "vitest";
import {
  Tensor,
  adamStep_,
  avgPool2d,
  conv2d,
  conv2dParams,
  layerNorm,
  maxPool2d,
  pool2dParams,
  rmspropStep_,
  sgdStep_,
  tensor,
  where,
} from "@trek/tensor";
import { noGrad } from "@trek/autograd";
import { cpuRuntimeInfo } from "@trek/backend-cpu";
import { expectClose, seeded } from "./helpers.js";
import { getRuntime } from "../src/wasm/runtime.js";

/**
 * Defines the differential tests. The caller registers "cpu" (the backend under test) and "ref"
 * (`new CpuBackend({ wasm: false })`, the TypeScript oracle).
 */
export function defineKernelTests(): void {
  let seed = 1;
  /** The same random float32 data on both devices. */
  function pair(shape: number[], lo = -1, hi = 1): [Tensor, Tensor] {
    const n = shape.reduce((p, s) => p * s, 1);
    const data = seeded(n, seed++, lo, hi);
    return [tensor(data, { shape, device: "cpu" }), tensor(data, { shape, device: "ref" })];
  }

  function same(a: Tensor, b: Tensor, rtol = 1e-5, atol = 1e-6, what = ""): void {
    expect(a.shape).toEqual(b.shape);
    expect(a.dtype).toBe(b.dtype);
    expectClose(Array.from(a.dataSync() as Float32Array, Number), Array.from(b.dataSync() as Float32Array, Number), rtol, atol, what);
  }

  describe("the WebAssembly runtime", () => {
    it("is active, on shared memory", () => {
      const info = cpuRuntimeInfo();
      expect(info.wasm, info.reason).toBe(true);
      expect(info.sharedMemory).toBe(true);
    });

    it("keeps float32 tensors in the kernel heap and returns their blocks on dispose", () => {
      const before = cpuRuntimeInfo().heapUsedBytes;
      const t = tensor(seeded(1000), { device: "cpu" });
      expect(cpuRuntimeInfo().heapUsedBytes).toBeGreaterThanOrEqual(before + 4000);
      t.dispose();
      expect(cpuRuntimeInfo().heapUsedBytes).toBe(before);
    });
  });

  describe("matmul", () => {
    const cases: [number[], number[]][] = [
      [[1, 1], [1, 1]],
      [[3, 5], [5, 7]],
      [[4, 8], [8, 8]],
      [[17, 33], [33, 9]],
      [[64, 300], [300, 130]],
      [[130, 257], [257, 1030]], // more than one K block and one N panel
      [[2, 3, 9, 6], [3, 6, 11]], // batch broadcast
      [[5, 0], [0, 4]], // empty K: zeros
    ];
    for (const [sa, sb] of cases) {
      it(`${JSON.stringify(sa)} @ ${JSON.stringify(sb)}`, () => {
        const [a, ar] = pair(sa);
        const [b, br] = pair(sb);
        same(a.matmul(b), ar.matmul(br), 1e-4, 1e-4);
      });
    }

    it("transposed and strided operands (x·Wᵀ, Aᵀ·B, sliced rows)", () => {
      const [x, xr] = pair([37, 50]);
      const [w, wr] = pair([29, 50]);
      same(x.matmul(w.t()), xr.matmul(wr.t()), 1e-4, 1e-4, "x·Wᵀ");
      const [a, ar] = pair([50, 21]);
      same(a.t().matmul(x.t()), ar.t().matmul(xr.t()), 1e-4, 1e-4, "Aᵀ·Xᵀ");
      const [big, bigr] = pair([40, 60]);
      const slice = (t: Tensor): Tensor => t.index({ start: 3, stop: 40, step: 2 }, { start: 5, stop: 55 });
      same(slice(big).matmul(w.t()), slice(bigr).matmul(wr.t()), 1e-4, 1e-4, "row-strided slice");
      // Several K blocks and column slivers of a transposed operand, with a ragged last K step.
      const [long, longr] = pair([20, 701]);
      const [wide, wider] = pair([40, 701]);
      same(long.matmul(wide.t()), longr.matmul(wider.t()), 1e-4, 1e-4, "x·Wᵀ, K = 701");
    });

    it("matches a hand-computed product", () => {
      const a = tensor([[1, 2, 3], [4, 5, 6]]);
      const b = tensor([[7, 8], [9, 10], [11, 12]]);
      expect(Array.from(a.matmul(b).dataSync() as Float32Array)).toEqual([58, 64, 139, 154]);
    });
  });

  describe("elementwise", () => {
    const shapes: [number[], number[]][] = [
      [[1000], [1000]],
      [[7, 13], [13]],
      [[7, 13], [7, 1]],
      [[3, 1, 5], [1, 4, 5]],
      [[2, 3, 4, 5], [3, 1, 1]],
      [[6], []],
    ];
    for (const op of ["add", "sub", "mul", "div", "maximum", "minimum"] as const) {
      for (const [sa, sb] of shapes) {
        it(`${op} ${JSON.stringify(sa)} ⊕ ${JSON.stringify(sb)}`, () => {
          const [a, ar] = pair(sa);
          const [b, br] = pair(sb, 0.5, 2);
          same(a[op](b), ar[op](br), 0, 0, op);
          same(b[op](a), br[op](ar), 0, 0, `${op} swapped`);
        });
      }
    }

    it("comparisons write bools", () => {
      const [a, ar] = pair([5, 37]);
      const [b, br] = pair([37]);
      for (const op of ["eq", "ne", "lt", "le", "gt", "ge"] as const) {
        const got = a[op](b);
        expect(got.dtype).toBe("bool");
        expect(Array.from(got.dataSync() as Uint8Array)).toEqual(Array.from(ar[op](br).dataSync() as Uint8Array));
      }
      expect(Array.from(a.gt(0.25).dataSync() as Uint8Array)).toEqual(Array.from(ar.gt(0.25).dataSync() as Uint8Array));
    });

    it("special values follow IEEE semantics", () => {
      const values = [0, -0, 1, -1, Infinity, -Infinity, NaN, 1e-30, 3e38];
      const a = tensor(values);
      const b = tensor([...values].reverse());
      const ar = tensor(values, { device: "ref" });
      const br = tensor([...values].reverse(), { device: "ref" });
      for (const op of ["add", "sub", "mul", "div", "maximum", "minimum"] as const) same(a[op](b), ar[op](br), 0, 0, op);
    });

    it("unary ops (transcendentals within a few ulp)", () => {
      const [x, xr] = pair([3, 1001], -10, 10);
      const [p, pr] = pair([1001], 1e-3, 50);
      for (const op of ["neg", "abs", "floor", "ceil", "trunc", "round"] as const) same(x[op](), xr[op](), 0, 0, op);
      same(x.exp(), xr.exp(), 3e-7, 0, "exp");
      same(x.expm1(), xr.expm1(), 3e-7, 1e-30, "expm1");
      same(x.tanh(), xr.tanh(), 3e-7, 1e-30, "tanh");
      same(x.sigmoid(), xr.sigmoid(), 3e-7, 1e-30, "sigmoid");
      same(x.relu(), xr.relu(), 0, 0, "relu");
      same(p.log(), pr.log(), 3e-7, 1e-7, "log");
      same(p.sqrt(), pr.sqrt(), 0, 0, "sqrt");
      same(p.rsqrt(), pr.rsqrt(), 2e-7, 0, "rsqrt");
      same(p.reciprocal(), pr.reciprocal(), 0, 0, "recip");
      same(x.pow(2), xr.pow(2), 0, 0, "pow 2");
    });

    it("transcendentals at their edges", () => {
      const x = tensor([0, -0, 1e-8, -1e-8, 88.5, 89, -87, -104, Infinity, -Infinity, NaN, 1e-40]);
      const xr = tensor(Array.from(x.dataSync() as Float32Array), { device: "ref" });
      same(x.exp(), xr.exp(), 3e-7, 1e-37, "exp");
      same(x.tanh(), xr.tanh(), 3e-7, 0, "tanh");
      same(x.expm1(), xr.expm1(), 3e-7, 1e-37, "expm1");
      const y = tensor([0, 1e-40, 1e-30, 0.5, 1, 2, 1e30, 3e38, Infinity, -1, NaN]);
      const yr = tensor(Array.from(y.dataSync() as Float32Array), { device: "ref" });
      same(y.log(), yr.log(), 3e-7, 0, "log");
      // Identities independent of either implementation.
      expectClose(Array.from(tensor([1, 2, 3]).log().exp().dataSync() as Float32Array), [1, 2, 3], 5e-7, 0, "exp(log x)");
      expect((tensor([Math.LN2]).exp().dataSync() as Float32Array)[0]).toBeCloseTo(2, 6);
    });

    it("where with broadcast condition and scalar branches", () => {
      const [x, xr] = pair([9, 33]);
      const [y, yr] = pair([33]);
      same(where(x.gt(0), x, y), where(xr.gt(0), xr, yr), 0, 0, "where");
      same(where(x.le(0), 0, y), where(xr.le(0), 0, yr), 0, 0, "where scalar");
    });

    it("strided copies (transposes, permutes, slices) materialize correctly", () => {
      const [x, xr] = pair([6, 35, 47]);
      same(x.transpose(1, 2).contiguous(), xr.transpose(1, 2).contiguous(), 0, 0, "transpose");
      same(x.permute(2, 0, 1).contiguous(), xr.permute(2, 0, 1).contiguous(), 0, 0, "permute");
      const slice = (t: Tensor): Tensor => t.index(null, { start: 1, stop: 30, step: 3 }, { start: 2, stop: 40, step: 2 });
      same(slice(x).contiguous(), slice(xr).contiguous(), 0, 0, "slice");
    });

    it("in-place ops write through their views", () => {
      const [x, xr] = pair([8, 20]);
      const [b, br] = pair([20]);
      x.add_(b).mul_(2);
      xr.add_(br).mul_(2);
      same(x, xr, 0, 0, "add_ mul_");
    });
  });

  describe("reductions", () => {
    const [x, xr] = pair([4, 6, 37, 5]);
    const dims: (number | number[])[] = [0, 1, 2, 3, [0, 2], [1, 3], [0, 1, 2, 3], [2, 3]];
    for (const d of dims) {
      it(`sum/max/min over ${JSON.stringify(d)}`, () => {
        same(x.sum(d), xr.sum(d), 1e-6, 1e-6, "sum");
        same(x.amax(d), xr.amax(d), 0, 0, "amax");
        same(x.amin(d), xr.amin(d), 0, 0, "amin");
      });
    }
    it("sums of a transposed view and a full sum", () => {
      same(x.transpose(0, 3).sum(1), xr.transpose(0, 3).sum(1), 1e-6, 1e-6);
      same(x.sum(), xr.sum(), 1e-6, 1e-6);
      expect((tensor([1, 2, 3, 4, 5]).sum().dataSync() as Float32Array)[0]).toBe(15);
    });
    it("max propagates NaN", () => {
      expect(Number.isNaN((tensor([1, NaN, 3, 4, 5]).amax().dataSync() as Float32Array)[0]!)).toBe(true);
    });
  });

  describe("softmax, log-softmax and layer norm", () => {
    it("softmax and log-softmax, forward and backward", () => {
      for (const shape of [[5, 7], [3, 1003], [2, 3, 16]]) {
        const [x, xr] = pair(shape, -20, 20);
        same(x.softmax(-1), xr.softmax(-1), 1e-6, 1e-7, "softmax");
        same(x.logSoftmax(-1), xr.logSoftmax(-1), 1e-6, 1e-5, "logSoftmax");
        const [g, gr] = pair(shape);
        const grad = (t: Tensor, dy: Tensor, log: boolean): Tensor => {
          const leaf = t.detach().requiresGrad_();
          (log ? leaf.logSoftmax(-1) : leaf.softmax(-1)).mul(dy).sum().backward();
          return leaf.grad!;
        };
        same(grad(x, g, false), grad(xr, gr, false), 1e-5, 1e-6, "softmax backward");
        same(grad(x, g, true), grad(xr, gr, true), 1e-5, 1e-6, "logSoftmax backward");
      }
    });

    it("log-softmax keeps precision for large logits", () => {
      const x = tensor([[1000, 999, 998, 997]]);
      const ref = tensor([[1000, 999, 998, 997]], { device: "ref" });
      same(x.logSoftmax(-1), ref.logSoftmax(-1), 1e-6, 1e-6);
    });

    it("layer norm with and without affine parameters", () => {
      const [x, xr] = pair([6, 5, 33], -3, 3);
      const [w, wr] = pair([33]);
      const [b, br] = pair([33]);
      same(layerNorm(x, [33], w, b, 1e-5), layerNorm(xr, [33], wr, br, 1e-5), 1e-5, 1e-5, "affine");
      same(layerNorm(x, [5, 33], null, null, 1e-5), layerNorm(xr, [5, 33], null, null, 1e-5), 1e-5, 1e-5, "plain");
    });
  });

  describe("convolution", () => {
    const cases: { x: number[]; w: number[]; stride?: number; padding?: number | [number, number]; dilation?: number; groups?: number }[] = [
      { x: [2, 3, 9, 11], w: [4, 3, 3, 3], padding: 1 },
      { x: [3, 1, 28, 28], w: [8, 1, 3, 3] },
      { x: [2, 4, 13, 10], w: [6, 2, 3, 2], stride: 2, padding: 1, groups: 2 },
      { x: [2, 3, 15, 15], w: [5, 3, 3, 3], dilation: 2, padding: 2 },
      { x: [2, 8, 7, 7], w: [16, 8, 1, 1] },
      { x: [1, 3, 17, 17], w: [4, 3, 7, 7], stride: 2, padding: 3 },
      // Output channels filling several 16-wide slivers, one ragged; pixels over several blocks of 96.
      { x: [2, 16, 20, 21], w: [40, 16, 3, 3], padding: 1 },
      { x: [1, 8, 30, 30], w: [32, 4, 5, 5], stride: 2, padding: 2, groups: 2 },
      { x: [2, 3, 12, 12], w: [64, 3, 3, 3], padding: [0, 2] },
      // 3×3 stride 1 with channels in whole vectors and enough tiles: the native Winograd path
      // (odd output sizes, padding, groups, more than one K block).
      { x: [3, 16, 13, 11], w: [32, 16, 3, 3] },
      { x: [2, 16, 10, 9], w: [16, 16, 3, 3], padding: 1 },
      { x: [2, 32, 8, 7], w: [16, 16, 3, 3], padding: 1, groups: 2 },
      { x: [2, 336, 10, 10], w: [8, 336, 3, 3], padding: 1 },
    ];
    for (const c of cases) {
      it(`conv2d x${JSON.stringify(c.x)} w${JSON.stringify(c.w)} s${c.stride ?? 1} p${JSON.stringify(c.padding ?? 0)} d${c.dilation ?? 1} g${c.groups ?? 1}`, () => {
        const [x, xr] = pair(c.x);
        const [w, wr] = pair(c.w);
        const [b, br] = pair([c.w[0]!]);
        const options = { stride: c.stride ?? 1, padding: c.padding ?? 0, dilation: c.dilation ?? 1, groups: c.groups ?? 1 };
        const run = (xi: Tensor, wi: Tensor, bi: Tensor): Tensor[] => {
          const xl = xi.detach().requiresGrad_();
          const wl = wi.detach().requiresGrad_();
          const y = conv2d(xl, wl, bi, conv2dParams(xl, wl, options));
          // The same upstream gradient on both devices, so the gradients do not inherit the
          // forward's rounding (which differs by algorithm: direct, Winograd, im2col).
          const dy = tensor(seeded(y.numel(), 99), { shape: y.shape, device: y.device });
          y.mul(dy).sum().backward();
          return [y, xl.grad!, wl.grad!];
        };
        const [y, dx, dw] = run(x, w, b);
        const [yr, dxr, dwr] = run(xr, wr, br);
        same(y, yr, 1e-4, 1e-4, "forward");
        same(dx, dxr, 1e-4, 1e-4, "input gradient");
        same(dw, dwr, 1e-4, 1e-3, "weight gradient");
      });
    }

    it("a non-contiguous input is handled", () => {
      const [x, xr] = pair([2, 9, 9, 3]);
      const [w, wr] = pair([4, 3, 3, 3]);
      const run = (xi: Tensor, wi: Tensor): Tensor => {
        const input = xi.permute(0, 3, 1, 2);
        return conv2d(input, wi, null, conv2dParams(input, wi, { padding: 1 }));
      };
      same(run(x, w), run(xr, wr), 1e-4, 1e-4);
    });
  });

  describe("pooling", () => {
    const cases = [
      { x: [2, 3, 28, 28], kernelSize: 2, stride: 2 },
      { x: [2, 2, 9, 13], kernelSize: 2, stride: 2 },
      { x: [1, 3, 11, 11], kernelSize: 3, stride: 2, padding: 1 },
      { x: [1, 2, 10, 10], kernelSize: 2, stride: 2, ceilMode: true },
      { x: [1, 3, 9, 11], kernelSize: 2, stride: 2, ceilMode: true }, // last window row and column are partial
      { x: [2, 4, 11, 11], kernelSize: 2, stride: 2 }, // rows whose last vector step reads past the row
      { x: [1, 2, 12, 12], kernelSize: 3, stride: 1, dilation: 2 },
      { x: [1, 2, 6, 7], kernelSize: 2, stride: 2 }, // rows of fewer than 4 outputs
      { x: [3, 5, 8, 34], kernelSize: 2, stride: 2 }, // 17 outputs a row: two steps of 8 and an overlapping one
    ];
    for (const c of cases) {
      it(`max and avg pooling ${JSON.stringify(c)}`, () => {
        const [x, xr] = pair(c.x);
        const options = { kernelSize: c.kernelSize, stride: c.stride, padding: c.padding ?? 0, dilation: c.dilation ?? 1, ceilMode: c.ceilMode ?? false };
        const run = (xi: Tensor, avg: boolean): Tensor[] => {
          const leaf = xi.detach().requiresGrad_();
          const { params, oh, ow } = pool2dParams(leaf, avg ? { ...options, dilation: 1 } : options, "pool");
          const y = avg ? avgPool2d(leaf, params, oh, ow) : maxPool2d(leaf, params, oh, ow).values;
          y.mul(y).sum().backward();
          return [y, leaf.grad!];
        };
        const [y, dx] = run(x, false);
        const [yr, dxr] = run(xr, false);
        same(y, yr, 0, 0, "max forward");
        same(dx, dxr, 1e-6, 1e-7, "max backward");
        // Inference (nothing records, no indices asked for): the kernels write values only.
        const p = pool2dParams(x, options, "pool");
        const inference = maxPool2d(x, p.params, p.oh, p.ow, false);
        expect(inference.indices).toBeNull();
        same(inference.values, yr, 0, 0, "max forward, values only");
        // A recorded op keeps its indices for backward; grad mode off drops them again.
        const leaf = x.detach().requiresGrad_();
        expect(maxPool2d(leaf, p.params, p.oh, p.ow, false).indices).not.toBeNull();
        expect(noGrad(() => maxPool2d(leaf, p.params, p.oh, p.ow, false).indices)).toBeNull();
        if (!c.dilation) {
          const [ya, dxa] = run(x, true);
          const [yar, dxar] = run(xr, true);
          same(ya, yar, 1e-6, 1e-7, "avg forward");
          same(dxa, dxar, 1e-6, 1e-7, "avg backward");
        }
      });
    }

    it("max pooling picks the first NaN as the maximum", () => {
      const x = tensor([1, NaN, 3, NaN]).reshape([1, 1, 2, 2]);
      const { params, oh, ow } = pool2dParams(x, { kernelSize: 2 }, "maxPool2d");
      const y = maxPool2d(x, params, oh, ow).values;
      expect(Number.isNaN((y.dataSync() as Float32Array)[0]!)).toBe(true);
      expect(Number.isNaN((maxPool2d(x, params, oh, ow, false).values.dataSync() as Float32Array)[0]!)).toBe(true);
    });

    it("values-only max pooling keeps the first of equal maxima (-0 before +0) and a NaN anywhere in the window", () => {
      // 2×2 windows over rows of 16 columns: the vector loop, then a partial last vector.
      const row0 = [-0, 0, 0, -0, NaN, 1, 2, NaN, 5, 5, -1, -2, 3, 3, 0, -0];
      const row1 = [0, 0, -0, 0, 1, 1, 2, 7, 4, 6, -3, -1, 3, NaN, -0, -0];
      const x = tensor([row0, row1]).reshape([1, 1, 2, 16]);
      const xr = tensor([row0, row1], { device: "ref" }).reshape([1, 1, 2, 16]);
      const { params, oh, ow } = pool2dParams(x, { kernelSize: 2 }, "maxPool2d");
      const got = maxPool2d(x, params, oh, ow, false).values.dataSync() as Float32Array;
      const want = maxPool2d(xr, params, oh, ow, false).values.dataSync() as Float32Array;
      expect(Array.from(got).map((v) => Object.is(v, -0) ? "-0" : String(v))).toEqual(Array.from(want).map((v) => Object.is(v, -0) ? "-0" : String(v)));
      expect(Object.is(got[0], -0) && Number.isNaN(got[2]!) && Number.isNaN(got[3]!) && Number.isNaN(got[6]!)).toBe(true);
    });
  });

  describe("fused optimizer steps", () => {
    type Step = (device: "cpu" | "ref") => Tensor[];
    function compare(name: string, step: Step): void {
      const got = step("cpu");
      const want = step("ref");
      got.forEach((t, i) => same(t, want[i]!, 2e-6, 1e-7, `${name} tensor ${i}`));
    }
    const init = (device: "cpu" | "ref", n: number, s: number, lo = -1, hi = 1): Tensor => tensor(seeded(n, s, lo, hi), { device });

    it("SGD with momentum, dampening, Nesterov, weight decay", () => {
      for (const nesterov of [false, true]) {
        compare(`sgd nesterov=${nesterov}`, (d) => {
          const p = init(d, 103, 1);
          const buf = init(d, 103, 2);
          for (let step = 0; step < 3; step++) {
            const g = init(d, 103, 10 + step);
            sgdStep_(p, g, buf, { lr: 0.1, momentum: 0.9, dampening: nesterov ? 0 : 0.1, weightDecay: 0.01, nesterov, maximize: false, firstStep: step === 0 });
          }
          return [p, buf];
        });
      }
    });

    it("Adam, AdamW and AMSGrad", () => {
      for (const [decoupled, amsgrad] of [[false, false], [true, false], [false, true]] as const) {
        compare(`adam decoupled=${decoupled} amsgrad=${amsgrad}`, (d) => {
          const p = init(d, 101, 3);
          const m = init(d, 101, 4).mul(0);
          const v = init(d, 101, 5).mul(0);
          const vmax = init(d, 101, 6).mul(0);
          for (let step = 1; step <= 3; step++) {
            const g = init(d, 101, 20 + step);
            adamStep_(p, g, m, v, amsgrad ? vmax : null, {
              lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.05,
              decoupledWeightDecay: decoupled, amsgrad, maximize: false, step,
            });
          }
          return [p, m, v];
        });
      }
    });

    it("RMSprop, centered and with momentum", () => {
      for (const [centered, momentum] of [[false, 0], [true, 0.9]] as const) {
        compare(`rmsprop centered=${centered} momentum=${momentum}`, (d) => {
          const p = init(d, 99, 7);
          const sq = init(d, 99, 8).mul(0);
          const buf = init(d, 99, 9).mul(0);
          const avg = init(d, 99, 10).mul(0);
          for (let step = 0; step < 3; step++) {
            const g = init(d, 99, 30 + step);
            rmspropStep_(p, g, sq, momentum ? buf : null, centered ? avg : null, {
              lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0.01, momentum, centered, maximize: false,
            });
          }
          return [p, sq];
        });
      }
    });

    it("an SGD step matches its closed form", () => {
      const p = tensor([1, 2, 3, 4, 5]);
      sgdStep_(p, tensor([1, 1, 1, 1, 1]), null, { lr: 0.5, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, firstStep: true });
      expect(Array.from(p.dataSync() as Float32Array)).toEqual([0.5, 1.5, 2.5, 3.5, 4.5]);
    });
  });

  describe("the WebAssembly path is the one taken", () => {
    /**
     * Names of the kernel functions `fn` calls: the WebAssembly module's (directly or through a
     * threaded job) and the native addon's when it is loaded.
     */
    function kernelsUsedBy(fn: () => void): Set<string> {
      const rt = getRuntime()!;
      const used = new Set<string>();
      const counting = (target: object): Record<string, unknown> => {
        const wrapped: Record<string, unknown> = {};
        // Addon functions are not enumerable: list own property names.
        for (const key of Object.getOwnPropertyNames(target)) {
          const value = (target as Record<string, unknown>)[key];
          wrapped[key] =
            typeof value === "function"
              ? (...args: unknown[]) => {
                  used.add(key);
                  return (value as (...a: unknown[]) => unknown)(...args);
                }
              : value;
        }
        return wrapped;
      };
      const exports = rt.exports;
      const native = rt.native;
      Object.defineProperty(rt, "exports", { value: counting(exports), configurable: true });
      if (native) Object.defineProperty(rt, "native", { value: counting(native), configurable: true });
      try {
        fn();
      } finally {
        Object.defineProperty(rt, "exports", { value: exports, configurable: true });
        Object.defineProperty(rt, "native", { value: native, configurable: true });
      }
      return used;
    }

    const x = tensor(seeded(64 * 48, 7), { shape: [64, 48] });
    const w = tensor(seeded(48 * 32, 8), { shape: [48, 32] });
    const image = tensor(seeded(2 * 3 * 8 * 8, 9), { shape: [2, 3, 8, 8] });
    const kernel = tensor(seeded(4 * 3 * 3 * 3, 10), { shape: [4, 3, 3, 3] });
    const cases: [string, () => unknown, string][] = [
      ["matmul", () => x.matmul(w), "sgemm"], // WebAssembly or native: both export sgemm
      ["add", () => x.add(1), "binaryF32"],
      ["gt", () => x.gt(0), "binaryF32"],
      ["exp", () => x.exp(), "unaryF32"],
      ["relu", () => x.relu(), "unaryF32"],
      ["where", () => where(x.gt(0), x, 0), "whereF32"],
      ["sum", () => x.sum(0), "reduceF32"],
      ["transpose copy", () => x.t().contiguous(), "transposeF32"],
      ["softmax", () => x.softmax(-1), "softmaxF32"],
      ["layerNorm", () => layerNorm(x, [48], null, null, 1e-5), "layerNormF32"],
      ["conv2d", () => conv2d(image, kernel, null, conv2dParams(image, kernel, {})), getRuntime()!.native ? "conv" : "conv2dForwardF32"],
      ["maxPool2d", () => { const p = pool2dParams(image, { kernelSize: 2 }, "maxPool2d"); return maxPool2d(image, p.params, p.oh, p.ow); }, "maxPool2dF32"],
      ["adamStep", () => adamStep_(x.clone(), x, x.mul(0), x.mul(0), null, { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupledWeightDecay: false, amsgrad: false, maximize: false, step: 1 }), "adamStepF32"],
    ];
    for (const [name, fn, expected] of cases) {
      it(`${name} runs ${expected}`, () => {
        const used = kernelsUsedBy(() => void fn());
        expect(used.has(expected) || used.has("runTask"), `${name} used ${[...used].join(", ") || "no kernel"}`).toBe(true);
      });
    }
  });
}
