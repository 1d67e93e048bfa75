import { describe, expect, it } from "vitest";
import { WasmHeap } from "../src/wasm/heap.js";

const PAGE = 65536;

function makeHeap(pages = 2, maximum = 64, limit = maximum * PAGE): WasmHeap {
  const memory = new WebAssembly.Memory({ initial: pages, maximum, shared: true });
  return new WasmHeap(memory, PAGE, limit, true);
}

describe("WasmHeap", () => {
  it("hands out 64-byte aligned, disjoint blocks above the base", () => {
    const heap = makeHeap();
    const blocks = [1, 63, 64, 65, 1000, 4096].map((n) => [heap.alloc(n), n] as const);
    for (const [ptr, n] of blocks) {
      expect(ptr % 64).toBe(0);
      expect(ptr).toBeGreaterThanOrEqual(PAGE);
      expect(heap.blockSize(ptr)).toBe(Math.ceil(n / 64) * 64);
    }
    const sorted = [...blocks].sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < sorted.length; i++) {
      expect(sorted[i]![0]).toBeGreaterThanOrEqual(sorted[i - 1]![0] + heap.blockSize(sorted[i - 1]![0]));
    }
  });

  it("reuses a freed block of the same size", () => {
    const heap = makeHeap();
    const a = heap.alloc(4000);
    heap.alloc(64); // keeps `a` below the top
    heap.free(a);
    expect(heap.alloc(4000)).toBe(a);
  });

  it("coalesces neighbours and lowers the top when the last block goes", () => {
    const heap = makeHeap();
    const a = heap.alloc(1024);
    const b = heap.alloc(1024);
    const c = heap.alloc(1024);
    const guard = heap.alloc(64);
    heap.free(a);
    heap.free(c);
    heap.free(b); // merges a, b, c into one 3072-byte block
    expect(heap.alloc(3072)).toBe(a);
    heap.free(a);
    heap.free(guard);
    expect(heap.stats().spanBytes).toBe(PAGE);
    expect(heap.stats().usedBytes).toBe(0);
  });

  it("splits a larger free block and keeps the rest available", () => {
    const heap = makeHeap();
    const big = heap.alloc(8192);
    heap.alloc(64);
    heap.free(big);
    const first = heap.alloc(1024);
    const second = heap.alloc(1024);
    expect(first).toBe(big);
    expect(second).toBe(big + 1024);
  });

  it("grows a shared memory and keeps earlier views valid", () => {
    const heap = makeHeap(2, 64);
    const p = heap.alloc(1000);
    const early = new Float32Array(heap.buffer(), p, 250);
    early[3] = 42;
    const large = heap.alloc(3 * PAGE * 4);
    expect(large).toBeGreaterThan(0);
    expect(heap.stats().memoryBytes).toBeGreaterThan(2 * PAGE);
    expect(early[3]).toBe(42);
    expect(heap.owns(early)).toBe(true);
    expect(heap.owns(new Float32Array(heap.buffer(), large, 4))).toBe(true);
    expect(heap.owns(new Float32Array(8))).toBe(false);
  });

  it("returns 0 past its limit instead of growing", () => {
    const heap = makeHeap(2, 64, 4 * PAGE);
    expect(heap.alloc(2 * PAGE)).toBeGreaterThan(0);
    expect(heap.alloc(2 * PAGE)).toBe(0);
  });

  it("stays flat over many steps of the same allocation pattern", () => {
    const heap = makeHeap(2, 1024);
    const step = (): void => {
      const live = [heap.alloc(5000), heap.alloc(123), heap.alloc(70000), heap.alloc(5000)];
      heap.free(live[1]!);
      const temp = heap.alloc(40000);
      for (const p of [...live.filter((_, i) => i !== 1), temp]) heap.free(p);
    };
    step();
    const span = heap.stats().spanBytes;
    for (let i = 0; i < 200; i++) step();
    expect(heap.stats().spanBytes).toBe(span);
    expect(heap.stats().usedBytes).toBe(0);
  });
});
