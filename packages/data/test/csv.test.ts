import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { registerBackend, type Tensor } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { CsvDataset, CsvFormatError, CsvIterableDataset, DataLoader, readCsv } from "@trek/data";
import { epoch } from "./helpers.js";

registerBackend("cpu", () => new CpuBackend());

const dir = mkdtempSync(join(tmpdir(), "trek-data-csv-"));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("readCsv", () => {
  it("parses headers, quoted fields (delimiters, quotes and newlines inside) and infers types", async () => {
    const path = file("quoted.csv", 'id,name,score\n1,"Smith, J.",3.5\n2,"say ""hi""",4\n3,"two\nlines",-1e2\n');
    const table = await readCsv(path);
    expect(table.columns).toEqual(["id", "name", "score"]);
    expect(table.numRows).toBe(3);
    expect(Array.from(table.column("id") as Float64Array)).toEqual([1, 2, 3]);
    expect(table.column("name")).toEqual(["Smith, J.", 'say "hi"', "two\nlines"]);
    expect(Array.from(table.column(-1) as Float64Array)).toEqual([3.5, 4, -100]);
    expect(table.isNumeric("name")).toBe(false);
    expect(table.toTensor(["score", "id"]).tolistSync()).toEqual([[3.5, 1], [4, 2], [-100, 3]]);
  });

  it("selects columns, skips leading lines, names header-less columns, forces types", async () => {
    const path = file("meta.csv", "3,2,a,b\n1.5,2,0\n2.5,3,1\n3.5,4,0\n");
    const table = await readCsv(path, { skipLines: 1, header: false, columns: [2, 0], types: { "2": "string" } });
    expect(table.columns).toEqual(["2", "0"]);
    expect(table.column("2")).toEqual(["0", "1", "0"]);
    expect(Array.from(table.column("0") as Float64Array)).toEqual([1.5, 2.5, 3.5]);
    const named = await readCsv(path, { skipLines: 1, header: ["x", "y", "label"], delimiter: "," });
    expect(named.columns).toEqual(["x", "y", "label"]);
  });

  it("a row with the wrong number of fields names its line", async () => {
    const path = file("short-row.csv", "a,b,c\n1,2,3\n4,5,6\n7,8\n9,10,11\n");
    const error = await readCsv(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CsvFormatError);
    expect((error as CsvFormatError).line).toBe(4);
    expect((error as Error).message).toMatch(/short-row\.csv:4: malformed CSV: Invalid Record Length: .*got 2 on line 4/);
  });

  it("an unclosed quote, a text value in a number column and a missing number name their lines", async () => {
    await expect(readCsv(file("quote.csv", 'a,b\n1,2\n3,"oops\n'))).rejects.toThrow(/quote\.csv:3: malformed CSV: .*quote/i);
    await expect(readCsv(file("typed.csv", "a,b\n1,2\n3,x\n"), { types: { b: "number" } })).rejects.toThrow(
      /typed\.csv:3: column "b" expects a number, got "x"/,
    );
    const gaps = file("gaps.csv", "a,b\n1,2\n3,\n5,6\n");
    await expect(readCsv(gaps)).rejects.toThrow(/gaps\.csv:3: numeric column "b" has a missing value \(""\); pass allowMissing: true/);
    const b = (await readCsv(gaps, { allowMissing: true })).column("b") as Float64Array;
    expect(Array.from(b)).toEqual([2, Number.NaN, 6]);
    await expect(readCsv(join(dir, "absent.csv"))).rejects.toThrow(/cannot open .*absent\.csv/);
    await expect(readCsv(gaps, { columns: ["c"] })).rejects.toThrow(/no column named "c" \(columns: a, b\)/);
  });

  it("streams a file much larger than one read chunk", async () => {
    const rows = 30_000;
    const lines = ["x,y"];
    for (let i = 0; i < rows; i++) lines.push(`${i},${i % 7}`);
    const table = await readCsv(file("big.csv", lines.join("\n")));
    expect(table.numRows).toBe(rows);
    const x = table.column("x") as Float64Array;
    expect(x[rows - 1]).toBe(rows - 1);
    expect(x.reduce((a, b) => a + b, 0)).toBe((rows * (rows - 1)) / 2);
  });
});

describe("CsvDataset", () => {
  it("features as float32 rows; text targets coded in sorted order; integer targets as int64", async () => {
    const path = file("pets.csv", "weight,height,kind\n4.5,30,cat\n30,60,dog\n5,25,cat\n0.1,5,bird\n");
    const pets = await CsvDataset.load(path, { target: "kind" });
    expect(pets.length).toBe(4);
    expect(pets.featureNames).toEqual(["weight", "height"]);
    expect(pets.classes).toEqual(["bird", "cat", "dog"]);
    const [x, y] = pets.getItem(1);
    expect(x!.tolistSync()).toEqual([30, 60]);
    expect(y!.dtype).toBe("int64");
    expect(pets.target!.tolistSync()).toEqual([1, 2, 1, 0]);
    const regression = await CsvDataset.load(path, { target: "height", features: ["weight"] });
    const byPosition = await CsvDataset.load(path, { target: 2, features: [1, 0] });
    expect(byPosition.featureNames).toEqual(["height", "weight"]);
    expect(byPosition.getItem(0)[0]!.tolistSync()).toEqual([30, 4.5]);
    expect(regression.target!.dtype).toBe("int64"); // integer-valued column: a class target by default
    const floats = await CsvDataset.load(path, { target: "height", features: ["weight"], targetType: "regression" });
    expect(floats.target!.dtype).toBe("float32");
    await expect(CsvDataset.load(path, { target: "weight" })).rejects.toThrow(/column "kind" holds text \(e\.g\. "cat"\), not numbers/);
  });

  it("feeds a DataLoader, also with worker threads", async () => {
    const lines = ["a,b,label"];
    for (let i = 0; i < 25; i++) lines.push(`${i},${i / 2},${i % 2}`);
    const ds = await CsvDataset.load(file("loader.csv", lines.join("\n")), { target: -1 });
    const options = { batchSize: 8, shuffle: true, seed: 1 };
    const single = await epoch(new DataLoader(ds, options));
    expect(single).toHaveLength(4);
    const workers = new DataLoader(ds, { ...options, numWorkers: 2 });
    expect(await epoch(workers)).toEqual(single);
    expect(workers.aliveWorkers).toBe(0);
  });
});

describe("CsvIterableDataset", () => {
  it("streams rows as objects that collate key by key", async () => {
    const path = file("stream.csv", "id,word\n1,alpha\n2,beta\n3,gamma\n");
    const loader = new DataLoader(new CsvIterableDataset(path), { batchSize: 2 });
    const batches = await epoch(loader);
    expect(batches).toEqual([
      { id: { dtype: "int64", shape: [2], values: [1, 2] }, word: ["alpha", "beta"] },
      { id: { dtype: "int64", shape: [1], values: [3] }, word: ["gamma"] },
    ]);
    const lines = ["n"];
    for (let i = 0; i < 50; i++) lines.push(String(i));
    const many = file("stream-many.csv", lines.join("\n"));
    const workers = new DataLoader(new CsvIterableDataset(many), { batchSize: 8, numWorkers: 2 });
    const seen = ((await epoch(workers)) as { n: { values: number[] } }[]).flatMap((b) => b.n.values);
    expect(seen.sort((a, b) => a - b)).toEqual([...Array(50).keys()]); // each worker reads its own rows
    expect(workers.aliveWorkers).toBe(0);
    const bad = file("stream-bad.csv", "id,word\n1,alpha\n2\n");
    await expect(epoch(new DataLoader(new CsvIterableDataset(bad), { batchSize: 2 }))).rejects.toThrow(/stream-bad\.csv:3: malformed CSV/);
  });
});

// scikit-learn's bundled CSV files, from the shared data directory.
const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const sklearnDir = resolve(process.env.TREK_DATA_DIR ?? resolve(repoRoot, "../shared/data"), "sklearn-datasets");
const haveSklearn = existsSync(join(sklearnDir, "wine_data.csv"));
if (!haveSklearn) console.warn(`skipping sklearn CSV tests: ${sklearnDir}/wine_data.csv not found (set TREK_DATA_DIR)`);

describe.skipIf(!haveSklearn)("scikit-learn CSV files", () => {
  it("wine: 178 samples, 13 features, classes 59/71/48 (as documented in its descr)", async () => {
    const wine = await CsvDataset.load(join(sklearnDir, "wine_data.csv"), { skipLines: 1, header: false, target: -1 });
    expect(wine.features.shape).toEqual([178, 13]);
    const y = Array.from(wine.target!.dataSync() as BigInt64Array, Number);
    expect([0, 1, 2].map((c) => y.filter((v) => v === c).length)).toEqual([59, 71, 48]);
    expect((wine.features as Tensor).index(0, 0).itemSync()).toBeCloseTo(14.23, 5);
  });

  it("breast cancer: 569 samples, 30 features, 212 malignant / 357 benign", async () => {
    const cancer = await CsvDataset.load(join(sklearnDir, "breast_cancer.csv"), { skipLines: 1, header: false, target: -1 });
    expect(cancer.features.shape).toEqual([569, 30]);
    const y = Array.from(cancer.target!.dataSync() as BigInt64Array, Number);
    expect([0, 1].map((c) => y.filter((v) => v === c).length)).toEqual([212, 357]);
  });
});
