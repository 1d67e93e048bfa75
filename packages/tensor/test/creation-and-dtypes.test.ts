import { describe, expect, it } from "vitest";
import {
  DTYPES,
  Generator,
  arange,
  bfloat16BitsToFloat32,
  empty,
  eye,
  float16BitsToFloat32,
  float32ToBFloat16Bits,
  float32ToFloat16Bits,
  full,
  linspace,
  manualSeed,
  ones,
  promoteTypes,
  rand,
  randint,
  randn,
  randperm,
  registerBackend,
  resultType,
  tensor,
  zeros,
  zerosLike,
  type DType,
} from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";

registerBackend("cpu", () => new CpuBackend());

const list = (t: { dataSync(): ArrayLike<number | bigint> }): (number | bigint)[] => Array.from(t.dataSync());

describe("tensor() infers shape and dtype like PyTorch (numbers are float32)", () => {
  it("nested arrays", () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe("float32");
    expect(t.ndim).toBe(2);
    expect(t.numel()).toBe(6);
    expect(list(t)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("booleans, bigints, typed arrays and scalars", () => {
    expect(tensor([true, false]).dtype).toBe("bool");
    expect(tensor([1n, 2n]).dtype).toBe("int64");
    expect(tensor(new Int32Array([1, 2])).dtype).toBe("int32");
    expect(tensor(new Uint8Array([1, 2])).dtype).toBe("uint8");
    expect(tensor(new Float64Array([1, 2])).dtype).toBe("float64");
    const scalar = tensor(3.5);
    expect(scalar.shape).toEqual([]);
    expect(scalar.itemSync()).toBe(3.5);
    expect(tensor(new Float32Array(6), { shape: [2, 3] }).shape).toEqual([2, 3]);
  });

  it("an explicit dtype converts (float → int truncates toward zero)", () => {
    expect(list(tensor([1.7, -1.7, 2.5], { dtype: "int32" }))).toEqual([1, -1, 2]);
    expect(list(tensor([1.7, -1.7], { dtype: "int64" }))).toEqual([1n, -1n]);
    expect(list(tensor([0, 2, -1], { dtype: "bool" }))).toEqual([0, 1, 1]);
  });

  it("ragged input and bad elements give errors naming the position", () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(/ragged nested array: \[1\] has length 1, expected 2/);
    expect(() => tensor([1, "a" as unknown as number])).toThrow(/unsupported element a at \[1\]/);
    expect(() => tensor(new Float32Array(5), { shape: [2, 3] })).toThrow(/needs 6 elements, the data has 5/);
  });

  it("data is copied, not aliased", () => {
    const source = new Float32Array([1, 2]);
    const t = tensor(source);
    source[0] = 100;
    expect(list(t)).toEqual([1, 2]);
  });
});

describe("creation functions", () => {
  it("zeros, ones, full, empty, *Like", () => {
    expect(list(zeros(2, 2))).toEqual([0, 0, 0, 0]);
    expect(list(ones([3], { dtype: "int32" }))).toEqual([1, 1, 1]);
    expect(list(full([2], 7.5))).toEqual([7.5, 7.5]);
    expect(full([1], true).dtype).toBe("bool");
    expect(empty(2, 3).shape).toEqual([2, 3]);
    const like = zerosLike(tensor([[1, 2]], { dtype: "float64" }));
    expect(like.dtype).toBe("float64");
    expect(like.shape).toEqual([1, 2]);
  });

  it("arange: integer arguments give int64, fractional ones float32", () => {
    const a = arange(5);
    expect(a.dtype).toBe("int64");
    expect(list(a)).toEqual([0n, 1n, 2n, 3n, 4n]);
    const b = arange(0, 1, 0.25);
    expect(b.dtype).toBe("float32");
    expect(list(b)).toEqual([0, 0.25, 0.5, 0.75]);
    expect(list(arange(5, 0, -2))).toEqual([5n, 3n, 1n]);
    expect(() => arange(0, 5, -1)).toThrow(/inconsistent/);
  });

  it("arange takes its options after any count of numbers, and refuses non-numbers", () => {
    const a = arange(4, { dtype: "float64" });
    expect(a.dtype).toBe("float64");
    expect(list(a)).toEqual([0, 1, 2, 3]);
    expect(list(arange(1, 3, { dtype: "int32" }))).toEqual([1, 2]);
    expect(() => arange(Number.NaN)).toThrow("arange: end must be a finite number, got NaN");
    expect(() => arange(0, Infinity)).toThrow("arange: end must be a finite number, got Infinity");
    expect(() => arange(0, 4, "1" as unknown as number)).toThrow("arange: step must be a finite number, got 1");
  });

  it("linspace ends exactly at end; eye is the identity", () => {
    const l = linspace(0, 1, 5, { dtype: "float64" });
    expect(list(l)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(list(linspace(-1, 1, 3))).toEqual([-1, 0, 1]);
    expect(list(eye(2, 3))).toEqual([1, 0, 0, 0, 1, 0]);
  });

  it("seeded random streams are reproducible", () => {
    manualSeed(42);
    const a = list(randn(5));
    manualSeed(42);
    const b = list(randn(5));
    expect(a).toEqual(b);
    const g1 = new Generator(7);
    const g2 = new Generator(7);
    expect(list(rand([4], { generator: g1 }))).toEqual(list(rand([4], { generator: g2 })));
    expect(list(rand([4], { generator: new Generator(8) }))).not.toEqual(list(rand([4], { generator: new Generator(7) })));
  });

  it("random distributions have the right moments and ranges", () => {
    const g = new Generator(1);
    const n = 20000;
    const normal = Array.from(randn([n], { generator: g, dtype: "float64" }).dataSync() as Float64Array);
    const mean = normal.reduce((s, v) => s + v, 0) / n;
    const variance = normal.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
    // Standard errors: 1/√n ≈ 0.007 for the mean, √(2/n) ≈ 0.01 for the variance.
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
    const uniform = Array.from(rand([n], { generator: g }).dataSync() as Float32Array);
    expect(Math.min(...uniform)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...uniform)).toBeLessThan(1);
    expect(Math.abs(uniform.reduce((s, v) => s + v, 0) / n - 0.5)).toBeLessThan(0.01);
    const ints = Array.from(randint(3, 7, [1000], { generator: g }).dataSync() as BigInt64Array, Number);
    expect(new Set(ints)).toEqual(new Set([3, 4, 5, 6]));
    const perm = Array.from(randperm(10, { generator: g }).dataSync() as BigInt64Array, Number);
    expect([...perm].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("generator state can be saved and restored", () => {
    const g = new Generator(3);
    g.nextUint32();
    const state = g.getState();
    const first = [g.nextNormal(), g.nextDouble()];
    g.setState(state);
    expect([g.nextNormal(), g.nextDouble()]).toEqual(first);
  });
});

describe("dtypes and promotion", () => {
  it("promoteTypes follows PyTorch's table", () => {
    const cases: [DType, DType, DType][] = [
      ["int32", "float32", "float32"],
      ["int64", "float16", "float16"],
      ["uint8", "int8", "int16"],
      ["int8", "int64", "int64"],
      ["float16", "bfloat16", "float32"],
      ["bool", "uint8", "uint8"],
      ["float32", "float64", "float64"],
      ["bool", "bool", "bool"],
    ];
    for (const [a, b, expected] of cases) {
      expect(promoteTypes(a, b)).toBe(expected);
      expect(promoteTypes(b, a)).toBe(expected);
    }
  });

  it("resultType: dimensioned tensors win over 0-d tensors and scalars unless the category rises", () => {
    const int32 = { dtype: "int32" as DType, ndim: 1 };
    const float64Scalar = { dtype: "float64" as DType, ndim: 0 };
    const float16 = { dtype: "float16" as DType, ndim: 2 };
    expect(resultType(int32, 2)).toBe("int32");
    expect(resultType(int32, 2.5)).toBe("float32");
    expect(resultType(float16, 2.5)).toBe("float16");
    expect(resultType(float16, float64Scalar)).toBe("float16");
    expect(resultType(int32, float64Scalar)).toBe("float64");
    expect(resultType({ dtype: "bool", ndim: 1 }, 1)).toBe("int64");
  });

  it("ops promote: int tensor + float tensor → float; int / int → float", () => {
    const i = tensor([1, 2], { dtype: "int32" });
    expect(i.add(tensor([0.5, 0.5])).dtype).toBe("float32");
    expect(i.add(1).dtype).toBe("int32");
    expect(i.div(tensor([2, 2], { dtype: "int32" })).dtype).toBe("float32");
    expect(list(i.div(2))).toEqual([0.5, 1]);
    expect(i.mul(1.5).dtype).toBe("float32");
  });

  it("conversions: to(dtype), float(), int(), bool(), half() round trip", () => {
    const x = tensor([1.5, -2.25, 0]);
    expect(x.to("float64").dtype).toBe("float64");
    expect(list(x.int())).toEqual([1, -2, 0]);
    expect(list(x.bool())).toEqual([1, 1, 0]);
    expect(list(x.half().float())).toEqual([1.5, -2.25, 0]);
    expect(list(x.bfloat16().float())).toEqual([1.5, -2.25, 0]);
    expect(list(x.long())).toEqual([1n, -2n, 0n]);
    for (const d of DTYPES) expect(zeros([2], { dtype: d }).to("float32").dtype).toBe("float32");
  });

  it("float16 and bfloat16 bit patterns", () => {
    expect(float32ToFloat16Bits(1)).toBe(0x3c00);
    expect(float32ToFloat16Bits(-2)).toBe(0xc000);
    expect(float32ToFloat16Bits(65504)).toBe(0x7bff);
    expect(float32ToFloat16Bits(65520)).toBe(0x7c00); // rounds to +inf
    expect(float32ToFloat16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(float32ToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie → even
    expect(float32ToFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even (up)
    expect(Number.isNaN(float16BitsToFloat32(float32ToFloat16Bits(NaN)))).toBe(true);
    expect(float16BitsToFloat32(0x3555)).toBeCloseTo(0.33325, 5);
    expect(float32ToBFloat16Bits(1)).toBe(0x3f80);
    expect(bfloat16BitsToFloat32(0x4049)).toBeCloseTo(3.140625, 6);
    expect(float32ToBFloat16Bits(1 + 2 ** -8)).toBe(0x3f80); // tie → even
  });
});
