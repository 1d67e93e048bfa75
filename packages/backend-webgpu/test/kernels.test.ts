/**
 * Every fast kernel against the CPU backend's kernel on identical views (strided, transposed,
 * broadcast, edge sizes), including both matmul layouts and both scatter strategies.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { ActivationOp, AdamHyper, Backend, Conv2dParams, DType, FastKernels, Pool2dParams, RmspropHyper, SgdHyper } from "@trek/tensor";
import { ACTIVATION_OPS } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { acquireWebGpu } from "./support/webgpu.js";
import { Rng, layout, randomData, type Layout, type LayoutKind } from "./support/random.js";
import { describeCase, differential, type InputSpec } from "./support/differential.js";

const gpu = await acquireWebGpu("webgpu kernel tests");
const tiled = gpu ? await acquireWebGpu("webgpu tiled matmul tests", { matmul: "tiled" }) : null;
const cpu = new CpuBackend();
const FLOATS: DType[] = gpu?.supportsDType("float16") ? ["float32", "float16"] : ["float32"];

const k = (b: Backend): FastKernels => b.kernels!;

function input(rng: Rng, dtype: DType, shape: number[], kind: LayoutKind = "contiguous", range = {}): InputSpec {
  const l = layout(rng, shape, kind);
  return { dtype, layout: l, data: randomData(rng, dtype, l.bufferNumel, range) };
}

function output(rng: Rng, dtype: DType, shape: number[], kind: LayoutKind = "contiguous"): { dtype: DType; layout: Layout } {
  return { dtype, layout: layout(rng, shape, kind) };
}

async function expectMatch(label: string, run: Promise<string | null>): Promise<void> {
  expect(await run, label).toBeNull();
}

const looseFor = (dtype: DType) => (dtype === "float16" ? { rtol: 4e-3, atol: 4e-3 } : { rtol: 2e-5, atol: 2e-5 });

describe.skipIf(!gpu)("webgpu fast kernels match the cpu backend", () => {
  const backend = gpu!;
  afterAll(async () => {
    await tiled?.dispose();
    await backend?.dispose();
  });

  for (const [name, target] of [["registers", () => gpu], ["tiled", () => tiled]] as const) {
    it(`matmul (${name} layout): edges, transposes, broadcast batches`, async () => {
      const device = target()!;
      const rng = new Rng(11);
      const cases: [number[], number[], LayoutKind, LayoutKind][] = [
        [[1, 1], [1, 1], "contiguous", "contiguous"],
        [[5, 7], [7, 3], "contiguous", "permuted"],
        [[65, 17], [17, 66], "contiguous", "contiguous"],
        [[33, 70], [70, 31], "permuted", "sliced"],
        [[2, 3, 9, 20], [3, 20, 13], "contiguous", "offset"],
        [[4, 1, 6, 5], [1, 3, 5, 8], "flipped", "contiguous"],
        [[3, 0], [0, 4], "contiguous", "contiguous"],
        [[0, 5], [5, 4], "contiguous", "contiguous"],
      ];
      for (const dtype of FLOATS) {
        for (const [as, bs, ak, bk] of cases) {
          const rank = Math.max(as.length, bs.length);
          const padded = (s: number[]) => [...new Array<number>(rank - s.length).fill(1), ...s];
          const pa = padded(as);
          const pb = padded(bs);
          const batch = pa.slice(0, -2).map((s, i) => Math.max(s, pb[i]!));
          const m = pa[rank - 2]!;
          const n = pb[rank - 1]!;
          // operand views broadcast over the batch dims (stride 0 where the operand has size 1)
          const expand = (spec: InputSpec, own: number[]): InputSpec => {
            const ownStrides = [...new Array<number>(rank - spec.layout.strides.length).fill(0), ...spec.layout.strides];
            const shape = [...batch, own[rank - 2]!, own[rank - 1]!];
            const strides = shape.map((size, i) => (i < rank - 2 && own[i] !== size ? 0 : ownStrides[i]!));
            return { ...spec, layout: { ...spec.layout, shape, strides } };
          };
          const a = expand(input(rng, dtype, as, ak), pa);
          const b = expand(input(rng, dtype, bs, bk), pb);
          await expectMatch(
            describeCase({ dtype, as, bs, ak, bk }),
            differential(rng, cpu, device, [a, b], [output(rng, dtype, [...batch, m, n])], (bk2, [x, y], [out]) =>
              k(bk2).matmul!(x!, y!, out!),
              looseFor(dtype),
            ),
          );
        }
      }
    });
  }

  it("conv2d forward and both gradients", async () => {
    const rng = new Rng(22);
    const cases: { x: number[]; w: number[]; p: Conv2dParams; bias: boolean; kind: LayoutKind }[] = [
      { x: [2, 3, 7, 6], w: [4, 3, 3, 3], p: { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 }, bias: true, kind: "contiguous" },
      { x: [1, 4, 9, 8], w: [8, 2, 3, 2], p: { stride: [2, 1], padding: [0, 1], dilation: [1, 2], groups: 2 }, bias: false, kind: "permuted" },
      { x: [2, 6, 5, 5], w: [3, 2, 1, 1], p: { stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 3 }, bias: true, kind: "sliced" },
      { x: [1, 1, 10, 9], w: [2, 1, 8, 8], p: { stride: [1, 1], padding: [2, 1], dilation: [1, 1], groups: 1 }, bias: false, kind: "contiguous" },
      { x: [3, 2, 4, 4], w: [4, 2, 3, 3], p: { stride: [3, 3], padding: [2, 2], dilation: [2, 2], groups: 1 }, bias: true, kind: "offset" },
    ];
    for (const dtype of FLOATS) {
      for (const c of cases) {
        const [n, , h, w] = c.x as [number, number, number, number];
        const [o, , kh, kw] = c.w as [number, number, number, number];
        const oh = Math.floor((h + 2 * c.p.padding[0] - c.p.dilation[0] * (kh - 1) - 1) / c.p.stride[0]) + 1;
        const ow = Math.floor((w + 2 * c.p.padding[1] - c.p.dilation[1] * (kw - 1) - 1) / c.p.stride[1]) + 1;
        const x = input(rng, dtype, c.x, c.kind);
        const weight = input(rng, dtype, c.w);
        const bias = input(rng, dtype, [o]);
        const dy = input(rng, dtype, [n, o, oh, ow], c.kind);
        const label = describeCase({ dtype, ...c });
        const tol = looseFor(dtype);
        await expectMatch(`forward ${label}`, differential(rng, cpu, backend, c.bias ? [x, weight, bias] : [x, weight], [output(rng, dtype, [n, o, oh, ow])], (b, [xv, wv, bv], [out]) =>
          k(b).conv2d!(xv!, wv!, bv ?? null, out!, c.p), tol));
        await expectMatch(`input gradient ${label}`, differential(rng, cpu, backend, [dy, weight], [output(rng, dtype, c.x)], (b, [g, wv], [dx]) =>
          k(b).conv2dBackwardInput!(g!, wv!, dx!, c.p), tol));
        await expectMatch(`weight gradient ${label}`, differential(rng, cpu, backend, [dy, x], [output(rng, dtype, c.w)], (b, [g, xv], [dw]) =>
          k(b).conv2dBackwardWeight!(g!, xv!, dw!, c.p), dtype === "float16" ? { rtol: 1e-2, atol: 1e-2 } : tol));
      }
    }
  });

  it("max and average pooling with their gradients", async () => {
    const rng = new Rng(33);
    const cases: { x: number[]; p: Pool2dParams }[] = [
      { x: [2, 3, 6, 6], p: { kernelSize: [2, 2], stride: [2, 2], padding: [0, 0], dilation: [1, 1], countIncludePad: true } },
      { x: [1, 2, 7, 5], p: { kernelSize: [3, 3], stride: [1, 2], padding: [1, 1], dilation: [1, 1], countIncludePad: false } },
      { x: [2, 1, 9, 9], p: { kernelSize: [3, 2], stride: [2, 2], padding: [1, 0], dilation: [2, 1], countIncludePad: true } },
      { x: [1, 2, 4, 4], p: { kernelSize: [3, 3], stride: [1, 1], padding: [1, 1], dilation: [1, 1], countIncludePad: true } },
    ];
    for (const dtype of FLOATS) {
      for (const c of cases) {
        const [n, ch, h, w] = c.x as [number, number, number, number];
        const size = (len: number, d: 0 | 1, dil: number) =>
          Math.floor((len + 2 * c.p.padding[d] - dil * (c.p.kernelSize[d] - 1) - 1) / c.p.stride[d]) + 1;
        const oh = size(h, 0, c.p.dilation[0]);
        const ow = size(w, 1, c.p.dilation[1]);
        const x = input(rng, dtype, c.x, "permuted");
        // Ties are common in real data (ReLU zeros): round some values so windows share maxima.
        const xs = x.data as Float32Array | Uint16Array;
        for (let i = 0; i < xs.length; i += 3) xs[i] = xs[0]!;
        const dy = input(rng, dtype, [n, ch, oh, ow]);
        const label = describeCase({ dtype, ...c });
        const tol = looseFor(dtype);
        await expectMatch(`maxPool2d ${label}`, differential(rng, cpu, backend, [x], [output(rng, dtype, [n, ch, oh, ow]), output(rng, "int32", [n, ch, oh, ow])], (b, [xv], [out, idx]) =>
          k(b).maxPool2d!(xv!, out!, idx!, c.p), tol));
        const indices = input(rng, "int64", [n, ch, oh, ow]);
        // indices from the CPU kernel, so both gradients route through the same positions
        const probe = cpu.alloc("int32", n * ch * oh * ow);
        const probeValues = cpu.alloc(dtype, n * ch * oh * ow);
        const xBuffer = cpu.alloc(dtype, x.layout.bufferNumel);
        cpu.write(xBuffer, dtype, x.data, 0);
        k(cpu).maxPool2d!({ buffer: xBuffer, dtype, shape: x.layout.shape, strides: x.layout.strides, offset: x.layout.offset },
          { buffer: probeValues, dtype, shape: [n, ch, oh, ow], strides: [ch * oh * ow, oh * ow, ow, 1], offset: 0 },
          { buffer: probe, dtype: "int32", shape: [n, ch, oh, ow], strides: [ch * oh * ow, oh * ow, ow, 1], offset: 0 }, c.p);
        indices.data = BigInt64Array.from(probe as Int32Array, (v) => BigInt(v));
        await expectMatch(`maxPool2dBackward ${label}`, differential(rng, cpu, backend, [dy, indices], [output(rng, dtype, c.x)], (b, [g, idx], [dx]) =>
          k(b).maxPool2dBackward!(g!, idx!, dx!, c.p), tol));
        if (c.p.dilation[0] === 1 && c.p.dilation[1] === 1) {
          await expectMatch(`avgPool2d ${label}`, differential(rng, cpu, backend, [x], [output(rng, dtype, [n, ch, oh, ow])], (b, [xv], [out]) =>
            k(b).avgPool2d!(xv!, out!, c.p), tol));
          await expectMatch(`avgPool2dBackward ${label}`, differential(rng, cpu, backend, [dy], [output(rng, dtype, c.x)], (b, [g], [dx]) =>
            k(b).avgPool2dBackward!(g!, dx!, c.p), tol));
        }
      }
    }
  });

  it("softmax, logSoftmax and their gradients along any dim", async () => {
    const rng = new Rng(44);
    const cases: [number[], number, LayoutKind][] = [
      [[4, 10], 1, "contiguous"],
      [[3, 5, 4], 1, "permuted"],
      [[2, 300], 1, "sliced"],
      [[700, 3], 0, "contiguous"],
      [[6], 0, "flipped"],
      [[3, 0], 1, "contiguous"],
    ];
    for (const dtype of FLOATS) {
      for (const [shape, dim, kind] of cases) {
        const x = input(rng, dtype, shape, kind, { scale: 5 });
        const dy = input(rng, dtype, shape, "permuted");
        const label = describeCase({ dtype, shape, dim, kind });
        const tol = looseFor(dtype);
        for (const log of [false, true]) {
          await expectMatch(`${log ? "log" : ""}softmax ${label}`, differential(rng, cpu, backend, [x], [output(rng, dtype, shape, "sliced")], (b, [xv], [out]) =>
            (log ? k(b).logSoftmax! : k(b).softmax!)(xv!, dim, out!), tol));
          // y from the CPU so both gradients see the same forward output
          const y = input(rng, dtype, shape, "contiguous", { scale: log ? 2 : 0.3 });
          await expectMatch(`${log ? "log" : ""}softmaxBackward ${label}`, differential(rng, cpu, backend, [y, dy], [output(rng, dtype, shape)], (b, [yv, g], [dx]) =>
            (log ? k(b).logSoftmaxBackward! : k(b).softmaxBackward!)(yv!, g!, dim, dx!), tol));
        }
      }
    }
  });

  it("activations", async () => {
    const rng = new Rng(55);
    for (const dtype of FLOATS) {
      for (const op of ACTIVATION_OPS as readonly ActivationOp[]) {
        for (const alpha of [0.1, 1.5]) {
          const x = input(rng, dtype, [5, 7], "permuted", { scale: 4, specials: true });
          await expectMatch(describeCase({ dtype, op, alpha }), differential(rng, cpu, backend, [x], [output(rng, dtype, [5, 7], "sliced")], (b, [xv], [out]) => {
            expect(k(b).activation!(op, xv!, out!, alpha)).toBe(true);
          }, looseFor(dtype)));
        }
      }
    }
  });

  it("layerNorm with and without affine parameters, short and long rows", async () => {
    const rng = new Rng(66);
    for (const [shape, cols] of [[[4, 6], 6], [[3, 2, 5], 10], [[2, 600], 600]] as [number[], number][]) {
      for (const affine of [false, true]) {
        const rows = shape.reduce((a, b) => a * b, 1) / cols;
        const x = input(rng, "float32", shape, "permuted", { scale: 3 });
        const tail = shape.length === 3 ? [2, 5] : [cols];
        const w = input(rng, "float32", tail);
        const bias = input(rng, "float32", tail);
        await expectMatch(describeCase({ shape, affine }), differential(rng, cpu, backend, affine ? [x, w, bias] : [x],
          [output(rng, "float32", shape), output(rng, "float32", [rows]), output(rng, "float32", [rows])],
          (b, [xv, wv, bv], [out, mean, rstd]) => k(b).layerNorm!(xv!, wv ?? null, bv ?? null, 1e-5, out!, mean!, rstd!), { rtol: 2e-5, atol: 2e-5 }));
      }
    }
  });

  it("gather, indexSelect and scatter (set and add, duplicates) with int32 and int64 indices", async () => {
    const rng = new Rng(77);
    for (const indexType of ["int32", "int64"] as DType[]) {
      for (const dtype of ["float32", "int64", "int32"] as DType[]) {
        const x = input(rng, dtype, [4, 6, 3], "permuted", { wide: true });
        const gatherIndex = input(rng, indexType, [4, 5, 2], "sliced", { lo: 0, hi: 5 });
        await expectMatch(describeCase({ op: "gather", dtype, indexType }), differential(rng, cpu, backend, [x, gatherIndex], [output(rng, dtype, [4, 5, 2])], (b, [xv, iv], [out]) =>
          k(b).gather!(xv!, 1, iv!, out!)));
        const selectIndex = input(rng, indexType, [7], "flipped", { lo: 0, hi: 2 });
        await expectMatch(describeCase({ op: "indexSelect", dtype, indexType }), differential(rng, cpu, backend, [x, selectIndex], [output(rng, dtype, [4, 6, 7])], (b, [xv, iv], [out]) =>
          k(b).indexSelect!(xv!, 2, iv!, out!)));
        for (const reduce of ["set", "add"] as const) {
          // few targets along dim 0, so duplicates are certain
          const scatterIndex = input(rng, indexType, [6, 3, 2], "permuted", { lo: 0, hi: 3 });
          const src = input(rng, dtype, [7, 3, 3], "sliced", { lo: -9, hi: 9 });
          const srcRegion = { ...src, layout: { ...src.layout, shape: [6, 3, 2] } };
          await expectMatch(describeCase({ op: "scatter", reduce, dtype, indexType }), differential(rng, cpu, backend, [scatterIndex, srcRegion], [output(rng, dtype, [4, 3, 2])], (b, [iv, sv], [out]) =>
            k(b).scatter!(out!, 0, iv!, sv!, reduce)));
        }
      }
    }
  });

  it("scatter add through atomics when the scan would be long", async () => {
    const rng = new Rng(78);
    for (const dtype of ["float32", "int32"] as DType[]) {
      const index = input(rng, "int64", [2048, 16], "contiguous", { lo: 0, hi: 2047 });
      const src = input(rng, dtype, [2048, 16], "contiguous", { lo: -5, hi: 5, scale: 1 });
      await expectMatch(describeCase({ dtype }), differential(rng, cpu, backend, [index, src], [output(rng, dtype, [2048, 16])], (b, [iv, sv], [out]) =>
        k(b).scatter!(out!, 0, iv!, sv!, "add"), { rtol: 1e-5, atol: 1e-5 }));
    }
  });

  it("argmax and argmin: first extreme, NaN wins, long rows", async () => {
    const rng = new Rng(88);
    for (const dtype of [...FLOATS, "int32", "int64", "uint8"] as DType[]) {
      for (const [shape, dim] of [[[5, 9], 1], [[4, 3, 2], 0], [[3, 1000], 1], [[7], 0]] as [number[], number][]) {
        const x = input(rng, dtype, shape, "permuted", { lo: -3, hi: 3, specials: true, wide: true });
        const outShape = shape.map((s, i) => (i === dim ? 1 : s));
        for (const op of ["argmax", "argmin"] as const) {
          await expectMatch(describeCase({ dtype, shape, dim, op }), differential(rng, cpu, backend, [x], [output(rng, "int64", outShape)], (b, [xv], [out]) =>
            k(b).argReduce!(op, xv!, dim, out!)));
        }
      }
    }
  });

  it("cumsum along any dim", async () => {
    const rng = new Rng(99);
    for (const dtype of ["float32", "int32", "int64"] as DType[]) {
      for (const [shape, dim] of [[[4, 9], 1], [[6, 3, 2], 0], [[0, 3], 1], [[50], 0]] as [number[], number][]) {
        const x = input(rng, dtype, shape, "flipped", { wide: true });
        await expectMatch(describeCase({ dtype, shape, dim }), differential(rng, cpu, backend, [x], [output(rng, dtype, shape, "sliced")], (b, [xv], [out]) =>
          k(b).cumsum!(xv!, dim, out!), { rtol: 1e-5, atol: 1e-5 }));
      }
    }
  });

  it("stable sort with NaN last, ascending and descending", async () => {
    const rng = new Rng(111);
    for (const dtype of ["float32", "int32", "int64"] as DType[]) {
      for (const [shape, dim] of [[[3, 17], 1], [[9, 4], 0], [[1], 0], [[2, 100], 1]] as [number[], number][]) {
        for (const descending of [false, true]) {
          const x = input(rng, dtype, shape, "permuted", { lo: -4, hi: 4, specials: true });
          if (dtype === "float32") {
            const f = x.data as Float32Array;
            for (let i = 0; i < f.length; i++) f[i] = Math.round(f[i]!); // ties
          }
          await expectMatch(describeCase({ dtype, shape, dim, descending }), differential(rng, cpu, backend, [x], [output(rng, dtype, shape, "sliced"), output(rng, "int64", shape)], (b, [xv], [values, indices]) =>
            k(b).sort!(xv!, dim, descending, values!, indices!)));
        }
      }
    }
  });

  it("fused optimizer steps (SGD, Adam/AdamW, RMSprop) update parameter and state in place", async () => {
    const rng = new Rng(122);
    const shape = [7, 9];
    const state = (scale: number) => input(rng, "float32", shape, "contiguous", { scale, positive: true });
    const signed = () => input(rng, "float32", shape);
    // centered RMSprop needs square_avg ≥ grad_avg²: small grad averages keep the root real
    const sgd: SgdHyper[] = [
      { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, firstStep: false },
      { lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 1e-2, nesterov: false, maximize: true, firstStep: false },
      { lr: 0.05, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: true, maximize: false, firstStep: true },
    ];
    for (const h of sgd) {
      await expectMatch(describeCase({ sgd: h }), differential(rng, cpu, backend, [signed()], [signed(), signed()], (b, [g], [p, buf]) =>
        k(b).sgdStep!(p!, g!, h.momentum ? buf! : null, h), { rtol: 1e-5, atol: 1e-6 }));
    }
    const adam: AdamHyper[] = [
      { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupledWeightDecay: false, amsgrad: false, maximize: false, step: 1 },
      { lr: 1e-2, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.1, decoupledWeightDecay: true, amsgrad: true, maximize: false, step: 7 },
      { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, decoupledWeightDecay: false, amsgrad: false, maximize: true, step: 3 },
    ];
    for (const h of adam) {
      // parameter and state are outputs: both backends start from the same values and all are compared
      await expectMatch(describeCase({ adam: h }), differential(rng, cpu, backend, [signed()], [signed(), signed(), state(0.2), state(0.3)], (b, [g], [p, m, v, vmax]) =>
        k(b).adamStep!(p!, g!, m!, v!, h.amsgrad ? vmax! : null, h), { rtol: 1e-5, atol: 1e-6 }));
    }
    const rms: RmspropHyper[] = [
      { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false },
      { lr: 1e-2, alpha: 0.9, eps: 1e-6, weightDecay: 0.05, momentum: 0.5, centered: true, maximize: true },
    ];
    for (const h of rms) {
      await expectMatch(describeCase({ rmsprop: h }), differential(rng, cpu, backend, [signed()], [signed(), state(1), signed(), state(0.01)], (b, [g], [p, sq, buf, gavg]) =>
        k(b).rmspropStep!(p!, g!, sq!, h.momentum ? buf! : null, h.centered ? gavg! : null, h), { rtol: 1e-5, atol: 1e-6 }));
    }
  });
});
