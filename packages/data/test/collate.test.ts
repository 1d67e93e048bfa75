import { describe, expect, it } from "vitest";
import { registerBackend, setDefaultDType, tensor, type Tensor } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { CollateError, defaultCollate, defaultConvert } from "@trek/data";
import { plain, reference } from "./helpers.js";

registerBackend("cpu", () => new CpuBackend());

const t = (...values: number[]) => tensor(values);

/** PyTorch's description (from the fixture) with the dtype TorchTrek documents for JS floats. */
function expected(name: string, floatDType = "float32"): unknown {
  const convert = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(convert);
    if (value && typeof value === "object") {
      const v = value as Record<string, unknown>;
      if ("tensor" in v) {
        // Python floats collate to float64; TorchTrek gives non-integer JS numbers the default float dtype.
        const dtype = v.tensor === "float64" ? floatDType : v.tensor;
        return { dtype, shape: v.shape, values: v.values };
      }
      if ("dict" in v) return Object.fromEntries(Object.entries(v.dict as object).map(([k, x]) => [k, convert(x)]));
    }
    return value;
  };
  return convert(reference.collate[name]!.batch);
}

describe("defaultCollate matches PyTorch's default_collate", () => {
  it("(features, integer label) samples → [stacked features, int64 labels]", () => {
    expect(plain(defaultCollate([[t(1, 2, 3), 0], [t(4, 5, 6), 2]]))).toEqual(expected("tensor_and_int"));
  });

  it("non-integer numbers → a float tensor of the default float dtype", () => {
    expect(plain(defaultCollate([0.5, 1.25, -2.0]))).toEqual(expected("floats"));
    setDefaultDType("float64");
    try {
      expect(plain(defaultCollate([0.5, 1.25, -2.0]))).toEqual(expected("floats", "float64"));
    } finally {
      setDefaultDType("float32");
    }
  });

  it("array samples are collated position by position (not stacked)", () => {
    expect(plain(defaultCollate([[1, 2, 3], [4, 5, 6]]))).toEqual(expected("list_of_ints"));
  });

  it("plain objects key by key; strings stay lists; booleans become bool", () => {
    const samples = [
      { a: 1, b: t(1, 2), name: "x" },
      { a: 2, b: t(3, 4), name: "y" },
    ];
    expect(plain(defaultCollate(samples))).toEqual(expected("dicts"));
    expect(plain(defaultCollate([true, false, true]))).toEqual(expected("bools"));
    expect(defaultCollate(["a", "bb"])).toEqual(expected("strings"));
  });

  it("nested structures and matrices", () => {
    const nested = [
      [[1, t(1, 1)], { k: [true, 2] }],
      [[3, t(2, 2)], { k: [false, 4] }],
    ];
    expect(plain(defaultCollate(nested))).toEqual(expected("nested"));
    const matrices = [tensor([[0, 1, 2], [3, 4, 5]]), tensor([[6, 7, 8], [9, 10, 11]])];
    expect(plain(defaultCollate(matrices))).toEqual(expected("matrices"));
  });

  it("typed arrays stack like NumPy arrays, keeping their dtype; bigints give int64", () => {
    expect(plain(defaultCollate([new Float64Array([1, 2]), new Float64Array([3, 4])]))).toEqual({
      dtype: "float64",
      shape: [2, 2],
      values: [1, 2, 3, 4],
    });
    expect(plain(defaultCollate([new Uint8Array([1]), new Uint8Array([255])]))).toEqual({ dtype: "uint8", shape: [2, 1], values: [1, 255] });
    expect(plain(defaultCollate([3n, 4n]))).toEqual({ dtype: "int64", shape: [2], values: [3, 4] });
  });
});

describe("defaultCollate errors name the sample and the shapes", () => {
  it("inconsistent tensor shapes: both dataset indices and both shapes", () => {
    const run = () => defaultCollate([[t(1, 2, 3), 0], [t(1, 2), 1]], [17, 42]);
    expect(run).toThrow(CollateError);
    expect(run).toThrow(/dataset index 42 has shape \[2\] at batch\[0\], but dataset index 17 has shape \[3\]/);
  });

  it("inconsistent typed-array lengths, keys, kinds and dtypes", () => {
    expect(() => defaultCollate([new Float32Array(3), new Float32Array(4)], [0, 5])).toThrow(
      /dataset index 5 has shape \[4\] at batch, but dataset index 0 has shape \[3\]/,
    );
    expect(() => defaultCollate([{ a: 1 }, { b: 1 }], [1, 2])).toThrow(/dataset index 2 has keys \{b\} at batch, but dataset index 1 has \{a\}/);
    expect(() => defaultCollate([1, "x"], [3, 4])).toThrow(/dataset index 4 has a string at batch, but dataset index 3 has a number/);
    expect(() => defaultCollate([tensor([1]), tensor([1n])])).toThrow(/sample 1 has dtype int64 at batch, but sample 0 has dtype float32/);
    expect(() => defaultCollate([[1, 2], [1]], [8, 9])).toThrow(/dataset index 9 has 1 elements at batch, but dataset index 8 has 2/);
  });

  it("unsupported values say what is supported", () => {
    expect(() => defaultCollate([undefined, 1], [6, 7])).toThrow(/dataset index 6 returned undefined/);
    expect(() => defaultCollate([new Map(), new Map()])).toThrow(/cannot batch a Map at batch .*pass a collateFn/);
    expect(() => defaultCollate([new Uint16Array(2)])).toThrow(/Uint16Array.*no tensor dtype/);
    expect(() => defaultCollate([])).toThrow(/empty batch/);
  });
});

describe("defaultConvert (batchSize: null)", () => {
  it("turns typed arrays into tensors and keeps numbers", () => {
    const out = defaultConvert({ x: new Float32Array([1, 2]), y: 3 }) as { x: Tensor; y: number };
    expect(plain(out)).toEqual({ x: { dtype: "float32", shape: [2], values: [1, 2] }, y: 3 });
  });
});

describe("worker batches move without copies", () => {
  it("transfers whole, owned buffers; leaves shared memory and slices to cloning", async () => {
    const { hostTensor, transferList } = await import("../src/collate/host-tree.js");
    const { hostCollate } = await import("../src/collate/host-collate.js");
    const owned = new Float32Array(4);
    const shared = new Float32Array(new SharedArrayBuffer(16));
    const slice = new Float32Array(8).subarray(2, 4);
    const tree = { a: hostTensor("float32", [4], owned), b: [hostTensor("float32", [4], shared), hostTensor("float32", [2], slice)] };
    expect(transferList(tree)).toEqual([owned.buffer]);
    const batch = hostCollate([[new Float32Array([1, 2]), 3], [new Float32Array([4, 5]), 6]], [0, 1]);
    const buffers = transferList(batch);
    expect(buffers).toHaveLength(2); // the stacked features and the int64 labels
    expect(new Set(buffers).size).toBe(2);
  });
});
