/**
 * Without SharedArrayBuffer (a browser page that is not cross-origin isolated) the kernels run on
 * a private, fixed-size memory on the calling thread. The same glue must work there.
 */
import { describe, expect, it } from "vitest";
import type { View } from "@trek/tensor";
import { createRuntime } from "../src/wasm/runtime.js";
import { matmulFast } from "../src/fast/matmul.js";
import { binaryFast, unaryFast } from "../src/fast/elementwise.js";
import { matmul } from "../src/kernels/matmul.js";
import { expectClose, seeded } from "./helpers.js";

function view(buffer: Float32Array, shape: number[]): View {
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((p, s) => p * s, 1));
  return { buffer, dtype: "float32", shape, strides, offset: 0 };
}

describe("a private (non-shared) kernel memory", () => {
  const rt = createRuntime({ shared: false })!;

  it("is created without shared memory or workers", () => {
    expect(rt).not.toBeNull();
    expect(rt.shared).toBe(false);
    expect(rt.memory.buffer instanceof ArrayBuffer).toBe(true);
    expect(rt.threadsFor(1e12, 1)).toBe(1);
  });

  it("runs matmul and elementwise kernels on heap buffers", () => {
    const a = rt.allocArray("float32", 33 * 70) as Float32Array;
    const b = rt.allocArray("float32", 70 * 45) as Float32Array;
    const out = rt.allocArray("float32", 33 * 45) as Float32Array;
    expect(rt.heap.owns(a)).toBe(true);
    a.set(seeded(33 * 70, 1));
    b.set(seeded(70 * 45, 2));
    expect(matmulFast(rt, view(a, [33, 70]), view(b, [70, 45]), view(out, [33, 45]))).toBe(true);
    const expected = new Float32Array(33 * 45);
    matmul(view(a.slice(), [33, 70]), view(b.slice(), [70, 45]), view(expected, [33, 45]));
    expectClose(out, expected, 1e-5, 1e-5, "matmul");

    const sum = rt.allocArray("float32", 33 * 70) as Float32Array;
    expect(binaryFast(rt, "add", view(a, [33, 70]), view(a, [33, 70]), view(sum, [33, 70]))).toBe(true);
    expectClose(sum, a.map((v) => 2 * v), 0, 0, "add");
    expect(unaryFast(rt, "neg", view(a, [33, 70]), view(sum, [33, 70]))).toBe(true);
    expectClose(sum, a.map((v) => -v), 0, 0, "neg");
    for (const arr of [a, b, out, sum]) rt.freeArray(arr);
    // Only the kernels' reusable scratch block stays.
    expect(rt.heap.stats().usedBytes).toBeLessThanOrEqual(2 * rt.gemmScratchBytes);
  });

  it("falls back to plain arrays when the fixed memory is full", () => {
    const huge = rt.allocArray("float32", rt.memory.buffer.byteLength); // 4× the memory
    expect(rt.heap.owns(huge as Float32Array)).toBe(false);
    expect(huge.length).toBe(rt.memory.buffer.byteLength);
  });
});
