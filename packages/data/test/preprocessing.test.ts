import { describe, expect, it } from "vitest";
import { Generator, registerBackend, tensor, type Tensor } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { LabelEncoder, MinMaxScaler, OneHotEncoder, StandardScaler, trainTestSplit } from "@trek/data";
import { reference } from "./helpers.js";

registerBackend("cpu", () => new CpuBackend());

function expectMatrixClose(actual: Tensor, expected: number[][], tolerance: number): void {
  expect(actual.shape).toEqual([expected.length, expected[0]!.length]);
  const values = actual.to("float64").dataSync() as Float64Array;
  const flat = expected.flat();
  for (let i = 0; i < flat.length; i++) expect(Math.abs(values[i]! - flat[i]!)).toBeLessThan(tolerance);
}

describe("StandardScaler", () => {
  const { x, mean, var: variance, standard } = reference.scalers;

  it("matches PyTorch's (x − mean) / std with ddof 0, a constant column scaled by 1", () => {
    const scaler = new StandardScaler().fit(tensor(x, { dtype: "float64" }));
    expect(Array.from(scaler.mean!.dataSync() as Float64Array)).toEqual(mean.map((m) => expect.closeTo(m, 12)));
    expect(Array.from(scaler.var!.dataSync() as Float64Array)).toEqual(variance.map((v) => expect.closeTo(v, 10)));
    expect((scaler.scale!.dataSync() as Float64Array)[3]).toBe(1);
    expectMatrixClose(scaler.transform(tensor(x, { dtype: "float64" })), standard, 1e-12);
    const float32 = scaler.transform(x);
    expect(float32.dtype).toBe("float32");
    expectMatrixClose(float32, standard, 1e-5);
  });

  it("inverseTransform undoes transform; options switch centring and scaling off", () => {
    const scaler = new StandardScaler();
    const z = scaler.fitTransform(tensor(x, { dtype: "float64" }));
    expectMatrixClose(scaler.inverseTransform(z), x, 1e-10);
    const centred = new StandardScaler({ withStd: false }).fitTransform(tensor([[1, 10], [3, 20]]));
    expect(centred.tolistSync()).toEqual([[-1, -5], [1, 5]]);
    const scaled = new StandardScaler({ withMean: false }).fitTransform(tensor([[1], [3]]));
    expect(scaled.tolistSync()).toEqual([[1], [3]]); // std of [1, 3] is 1
  });

  it("refuses unfitted use, a wrong feature count and NaN, naming the column", () => {
    expect(() => new StandardScaler().transform([[1]])).toThrow(/not fitted yet; call fit\(\) first/);
    const scaler = new StandardScaler().fit([[1, 2], [3, 4]]);
    expect(() => scaler.transform([[1, 2, 3]])).toThrow(/X has 3 features, but the transformer was fitted with 2 features/);
    expect(() => new StandardScaler().fit([[1, 2], [3, Number.NaN]])).toThrow(/column 1 contains NaN or infinity/);
    expect(() => new StandardScaler().fit(tensor([1, 2]))).toThrow(/expected a 2-d input \[samples, features\], got shape \[2\]/);
  });
});

describe("MinMaxScaler", () => {
  const { x, featureRange, minmax } = reference.scalers;

  it("matches PyTorch's linear map onto featureRange, constant columns to the lower end", () => {
    const scaler = new MinMaxScaler({ featureRange }).fit(tensor(x, { dtype: "float64" }));
    const out = scaler.transform(tensor(x, { dtype: "float64" }));
    expectMatrixClose(out, minmax, 1e-12);
    expectMatrixClose(scaler.inverseTransform(out), x, 1e-10);
  });

  it("clips out-of-range data when asked", () => {
    const scaler = new MinMaxScaler({ clip: true }).fit([[0], [10]]);
    expect(scaler.transform([[-5], [5], [20]]).tolistSync()).toEqual([[0], [0.5], [1]]);
    expect(new MinMaxScaler().fit([[0], [10]]).transform([[20]]).tolistSync()).toEqual([[2]]);
    expect(() => new MinMaxScaler({ featureRange: [1, 1] })).toThrow(/must be smaller than maximum/);
  });
});

describe("LabelEncoder", () => {
  it("codes labels in sorted order as int64 and decodes them back", () => {
    const encoder = new LabelEncoder().fit(["spam", "ham", "spam", "eggs"]);
    expect(encoder.classes).toEqual(["eggs", "ham", "spam"]);
    const codes = encoder.transform(["ham", "eggs", "spam"]);
    expect(codes.dtype).toBe("int64");
    expect(codes.tolistSync()).toEqual([1, 0, 2]);
    expect(encoder.inverseTransform(codes)).toEqual(["ham", "eggs", "spam"]);
    expect(new LabelEncoder().fitTransform([10, 2, 10, -1]).tolistSync()).toEqual([2, 1, 2, 0]);
    expect(new LabelEncoder().fit(tensor([3, 1, 3])).classes).toEqual([1, 3]);
  });

  it("names unseen labels and bad codes", () => {
    const encoder = new LabelEncoder().fit(["a", "b"]);
    expect(() => encoder.transform(["a", "c"])).toThrow(/previously unseen labels: "c" \(known: "a", "b"\)/);
    expect(() => encoder.inverseTransform([0, 2])).toThrow(/code 2 at position 1 is not in 0..1/);
    expect(() => new LabelEncoder().fit(["a", 1])).toThrow(/mix string and number/);
  });
});

describe("OneHotEncoder", () => {
  it("encodes each column against its sorted categories and decodes back", () => {
    const encoder = new OneHotEncoder().fit([
      ["red", "S"],
      ["blue", "M"],
      ["green", "S"],
    ]);
    expect(encoder.categories).toEqual([["blue", "green", "red"], ["M", "S"]]);
    const out = encoder.transform([["blue", "S"], ["red", "M"]]);
    expect(out.dtype).toBe("float32");
    expect(out.tolistSync()).toEqual([
      [1, 0, 0, 0, 1],
      [0, 0, 1, 1, 0],
    ]);
    expect(encoder.inverseTransform(out)).toEqual([["blue", "S"], ["red", "M"]]);
  });

  it("unknown categories fail by default, or become zeros with handleUnknown: ignore", () => {
    const rows = [[1], [2]];
    expect(() => new OneHotEncoder().fit(rows).transform([[3]])).toThrow(/unknown category 3 in column 0 at row 0/);
    const ignoring = new OneHotEncoder({ handleUnknown: "ignore" }).fit(rows);
    const out = ignoring.transform([[3], [2]]);
    expect(out.tolistSync()).toEqual([[0, 0], [0, 1]]);
    expect(ignoring.inverseTransform(out)).toEqual([[null], [2]]);
    expect(() => new OneHotEncoder().fit([["a"], ["b", "c"]])).toThrow(/row 1 has 2 columns, expected 1/);
  });
});

describe("trainTestSplit", () => {
  it("splits tensors and arrays along the first dim with scikit-learn's rounding", () => {
    const x = tensor(Array.from({ length: 10 }, (_, i) => [i, i * 10]));
    const y = Array.from({ length: 10 }, (_, i) => i);
    const [xTrain, xTest, yTrain, yTest] = trainTestSplit([x, y], { testSize: 0.25, seed: 0 });
    expect(xTest.shape).toEqual([3, 2]); // ceil(0.25 · 10)
    expect(xTrain.shape).toEqual([7, 2]);
    // rows stay aligned across inputs and the parts cover everything once
    expect((xTrain.tolistSync() as number[][]).map((r) => r[0])).toEqual(yTrain);
    expect((xTest.tolistSync() as number[][]).map((r) => r[0])).toEqual(yTest);
    expect([...yTrain, ...yTest].sort((a, b) => (a as number) - (b as number))).toEqual(y);
    const [a] = trainTestSplit([y], { seed: 0 });
    const [b] = trainTestSplit([y], { seed: 0 });
    expect(a).toEqual(b);
    expect(trainTestSplit([y], { shuffle: false, trainSize: 6 })).toEqual([[0, 1, 2, 3, 4, 5], [6, 7, 8, 9]]);
    expect(trainTestSplit([new Float32Array([5, 6, 7, 8])], { testSize: 1, shuffle: false })).toEqual([new Float32Array([5, 6, 7]), new Float32Array([8])]);
  });

  it("stratify keeps each class's share in both parts", () => {
    const labels = [...new Array(60).fill(0), ...new Array(30).fill(1), ...new Array(10).fill(2)];
    const ids = labels.map((_, i) => i);
    const [train, test, yTrain, yTest] = trainTestSplit([ids, labels], { testSize: 0.2, stratify: labels, generator: new Generator(3) });
    const count = (list: number[], c: number) => list.filter((v) => v === c).length;
    expect([0, 1, 2].map((c) => count(yTest as number[], c))).toEqual([12, 6, 2]);
    expect([0, 1, 2].map((c) => count(yTrain as number[], c))).toEqual([48, 24, 8]);
    expect(new Set([...(train as number[]), ...(test as number[])]).size).toBe(100);
    // uneven shares still sum exactly to the requested sizes
    const odd = [0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2];
    const [, oddTest] = trainTestSplit([odd], { testSize: 4, stratify: odd, seed: 1 });
    expect(oddTest).toHaveLength(4);
    expect(new Set(oddTest as number[]).size).toBe(3);
  });

  it("explains impossible requests", () => {
    const y = [0, 0, 1];
    expect(() => trainTestSplit([y, [1, 2]])).toThrow(/inconsistent numbers of samples: \[3, 2\]/);
    expect(() => trainTestSplit([y], { stratify: y, testSize: 0.5 })).toThrow(/least populated class in stratify has only 1 member/);
    expect(() => trainTestSplit([y], { testSize: 1.5 })).toThrow(/testSize=1.5 should be a fraction in \(0, 1\) or a count in \[0, 3\]/);
    expect(() => trainTestSplit([y], { testSize: 3 })).toThrow(/training set would be empty/);
  });
});
