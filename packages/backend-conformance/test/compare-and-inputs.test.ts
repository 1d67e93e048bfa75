import { describe, expect, it } from "vitest";
import { Generator, registerBackend } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { describeMismatch, type HostTensor } from "../src/compare.js";
import { createInput, prepareInput, type InputSpec } from "../src/inputs.js";
import { skipReason } from "../src/run-conformance.js";
import { DEFAULT_TOLERANCE, resolveTolerance } from "../src/options.js";

registerBackend("cpu", () => new CpuBackend());

const f32 = (data: number[], shape = [data.length]): HostTensor => ({ dtype: "float32", shape, data });

describe("describeMismatch", () => {
  const tol = { rtol: 1e-5, atol: 1e-6 };

  it("accepts values within atol + rtol·|expected|, NaN for NaN and equal infinities", () => {
    expect(describeMismatch(f32([1.000005, NaN, Infinity, -Infinity, 0]), f32([1, NaN, Infinity, -Infinity, 5e-7]), tol)).toBeNull();
  });

  it("rejects values out of tolerance and names their position", () => {
    expect(describeMismatch(f32([1, 2, 3.1, 4], [2, 2]), f32([1, 2, 3, 4], [2, 2]), tol)).toMatch(/1 of 4 elements differ .*at \[1, 0\]: got 3.1, expected 3/);
  });

  it("rejects a number where NaN is expected, NaN where a number is, and infinities of the wrong sign", () => {
    expect(describeMismatch(f32([0]), f32([NaN]), tol)).toMatch(/got 0, expected NaN/);
    expect(describeMismatch(f32([NaN]), f32([0]), tol)).toMatch(/got NaN, expected 0/);
    expect(describeMismatch(f32([-Infinity]), f32([Infinity]), tol)).toMatch(/got -Infinity, expected Infinity/);
    expect(describeMismatch(f32([3.4e38]), f32([Infinity]), tol)).not.toBeNull();
  });

  it("checks dtype and shape first", () => {
    expect(describeMismatch({ dtype: "float64", shape: [1], data: [1] }, f32([1]), tol)).toMatch(/dtype float64, expected float32/);
    expect(describeMismatch(f32([1, 2], [1, 2]), f32([1, 2], [2, 1]), tol)).toMatch(/shape \[1, 2\], expected \[2, 1\]/);
  });

  it("compares int64 exactly beyond 2^53", () => {
    const expected: HostTensor = { dtype: "int64", shape: [1], data: [2n ** 53n + 1n] };
    expect(describeMismatch({ dtype: "int64", shape: [1], data: new BigInt64Array([2n ** 53n]) }, expected, { rtol: 0, atol: 0 })).toMatch(/got 9007199254740992n/);
    expect(describeMismatch({ dtype: "int64", shape: [1], data: new BigInt64Array([2n ** 53n + 1n]) }, expected, { rtol: 0, atol: 0 })).toBeNull();
  });

  it("norm-wise comparison scales the relative tolerance by the largest expected magnitude", () => {
    const actual = f32([100, 0.01]);
    const expected = f32([100, 0]);
    expect(describeMismatch(actual, expected, { rtol: 1e-3, atol: 0 })).not.toBeNull();
    expect(describeMismatch(actual, expected, { rtol: 1e-3, atol: 0 }, true)).toBeNull();
  });
});

describe("tolerances", () => {
  it("apply per-dtype and per-op overrides and scale", () => {
    expect(resolveTolerance({}, "exp", "float32")).toEqual(DEFAULT_TOLERANCE.float32);
    expect(resolveTolerance({ tolerance: { float32: { rtol: 1e-3 } } }, "exp", "float32", 2)).toEqual({ rtol: 2e-3, atol: 2e-6 });
    expect(resolveTolerance({ opTolerance: { exp: { float32: { atol: 1 } } } }, "exp", "float32").atol).toBe(1);
    expect(resolveTolerance({}, "exp", "int32")).toEqual({ rtol: 0, atol: 0 });
  });
});

describe("skip keys", () => {
  it("match a test id exactly or as a prefix ending at a slash", () => {
    const skip = { "unary/erf/float16": "no f16 erf", "kernel/conv2d": "later" };
    expect(skipReason(skip, "unary/erf/float16")).toBe("no f16 erf");
    expect(skipReason(skip, "kernel/conv2d/float32")).toBe("later");
    expect(skipReason(skip, "kernel/conv2dBackwardInput/float32")).toBeUndefined();
    expect(skipReason(skip, "unary/erf/float32")).toBeUndefined();
  });
});

describe("input layouts", () => {
  const values = [1, 2, 3, 4, 5, 6];
  const layouts = ["contiguous", "transposed", "strided", "flipped"] as const;

  for (const layout of layouts) {
    it(`${layout}: the view holds the requested values`, async () => {
      const spec: InputSpec = { shape: [2, 3], dtype: "float32", layout, values };
      const t = createInput(prepareInput(spec, new Generator(1)), "cpu");
      expect(Array.from((await t.data()) as Float32Array)).toEqual(values);
      expect(t.shape).toEqual([2, 3]);
      if (layout === "contiguous") expect(t.isContiguous()).toBe(true);
      if (layout === "transposed") expect(t.strides).toEqual([1, 2]);
      if (layout === "strided") expect([t.strides, t.offset]).toEqual([[7, 2], 1]);
      if (layout === "flipped") expect(t.strides[1]).toBe(-1);
    });
  }

  it("broadcast: stride 0 on the first dim", () => {
    const t = createInput(prepareInput({ shape: [3, 4], dtype: "int32", layout: "broadcast" }, new Generator(1)), "cpu");
    expect(t.strides[0]).toBe(0);
    const rows = t.tolistSync() as number[][];
    expect(rows[1]).toEqual(rows[0]);
  });

  it("the same seed gives the same values; int64 and bool inputs keep their type", () => {
    const spec: InputSpec = { shape: [4], dtype: "int64", domain: "any" };
    const a = prepareInput(spec, new Generator(7)).baseData;
    const b = prepareInput(spec, new Generator(7)).baseData;
    expect(a).toEqual(b);
    expect(a).toBeInstanceOf(BigInt64Array);
    expect(prepareInput({ shape: [4], dtype: "bool" }, new Generator(7)).baseData).toBeInstanceOf(Uint8Array);
  });

  it("rejects layouts that cannot express a shape", () => {
    expect(() => prepareInput({ shape: [5], dtype: "float32", layout: "transposed" }, new Generator(1))).toThrow(/cannot express shape \[5\]/);
  });
});
