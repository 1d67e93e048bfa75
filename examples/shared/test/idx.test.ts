import { describe, expect, it, onTestFinished } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { gzipSync, gunzipSync } from "node:zlib";
import { readFileSync } from "node:fs";
import { registerBackend } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { encodeIdx, findDataset, loadImageSplit, parseIdx, readIdx } from "../src/index.js";

registerBackend("cpu", () => new CpuBackend());

describe("IDX reader", () => {
  it("decodes a hand-written uint8 file: header, shape and row-major values", () => {
    // magic 00 00 08 02, dims 2 and 3, then 6 bytes.
    const bytes = Uint8Array.from([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 255]);
    const array = parseIdx(bytes);
    expect(array.type).toBe("uint8");
    expect(array.shape).toEqual([2, 3]);
    expect([...array.data]).toEqual([1, 2, 3, 4, 5, 255]);
  });

  it("reads big-endian multi-byte types and gzipped input", () => {
    // int16 0x0102 = 258 and 0xFFFE = -2; float32 1.5 = 0x3FC00000.
    const int16 = Uint8Array.from([0, 0, 0x0b, 1, 0, 0, 0, 2, 0x01, 0x02, 0xff, 0xfe]);
    expect([...parseIdx(int16).data]).toEqual([258, -2]);
    const float32 = Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 0x3f, 0xc0, 0, 0]);
    expect([...parseIdx(gzipSync(float32)).data]).toEqual([1.5]);
  });

  it("round-trips every type through encodeIdx", () => {
    for (const [type, data] of [
      ["int8", Int8Array.from([-5, 7])],
      ["int32", Int32Array.from([-70000, 123456789])],
      ["float64", Float64Array.from([Math.PI, -1e-300])],
    ] as const) {
      const decoded = parseIdx(encodeIdx({ type, shape: [2], data }));
      expect(decoded.type).toBe(type);
      expect([...decoded.data]).toEqual([...data]);
    }
  });

  it("rejects truncated, padded, bad-magic and corrupt-gzip files with the file name", () => {
    const good = Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 4, 1, 2, 3, 4]);
    expect(() => parseIdx(good.subarray(0, 10), "x.idx")).toThrow("x.idx: truncated: shape [4] of uint8 needs 4 data bytes, found 2");
    expect(() => parseIdx(Uint8Array.from([...good, 9]), "x.idx")).toThrow(/x.idx: has trailing bytes/);
    expect(() => parseIdx(Uint8Array.from([1, 2, 8, 1]), "x.idx")).toThrow(/x.idx: bad magic number 0x01020801/);
    expect(() => parseIdx(Uint8Array.from([0, 0, 0x42, 1]), "x.idx")).toThrow(/unknown IDX element type 0x42/);
    const gz = gzipSync(good);
    expect(() => parseIdx(gz.subarray(0, gz.length - 6), "x.gz")).toThrow(/x.gz: not a valid gzip stream/);
  });

  it("names a missing file", async () => {
    await expect(readIdx("/nonexistent/file.gz")).rejects.toThrow("/nonexistent/file.gz: cannot read (ENOENT)");
  });

  it("loads an MNIST-format folder into scaled image and label tensors", async () => {
    const dir = mkdtempSync(join(tmpdir(), "trek-idx-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const pixels = Uint8Array.from({ length: 3 * 2 * 2 }, (_, i) => i * 20);
    writeFileSync(join(dir, "t10k-images-idx3-ubyte.gz"), gzipSync(encodeIdx({ type: "uint8", shape: [3, 2, 2], data: pixels })));
    writeFileSync(join(dir, "t10k-labels-idx1-ubyte"), encodeIdx({ type: "uint8", shape: [3], data: Uint8Array.from([7, 0, 9]) }));
    const split = await loadImageSplit(dir, "test", { limit: 2 });
    expect(split.images.shape).toEqual([2, 1, 2, 2]);
    expect(split.labels.dtype).toBe("int64");
    expect(Array.from(await split.labels.data(), Number)).toEqual([7, 0]);
    const values = await split.images.data();
    expect(values[5]).toBeCloseTo(100 / 255, 6);
    await expect(loadImageSplit(dir, "train")).rejects.toThrow(/no train-images-idx3-ubyte.gz/);
  });
});

const fashion = findDataset("fashion-mnist");
if (!fashion.found) console.warn(`skipping Fashion-MNIST IDX checks: ${fashion.path} not found (set TREK_DATA_DIR)`);

describe.skipIf(!fashion.found)("IDX reader on the real Fashion-MNIST files", () => {
  it("decodes the test images to the published content (md5 of the uncompressed data)", async () => {
    const path = join(fashion.path, "t10k-images-idx3-ubyte.gz");
    const array = await readIdx(path);
    expect(array.shape).toEqual([10000, 28, 28]);
    // The README's md5 covers the whole uncompressed file: re-encoding must reproduce it.
    expect(createHash("md5").update(encodeIdx(array)).digest("hex")).toBe("8181f5470baa50b63fa0f6fddb340f0a");
    expect(createHash("md5").update(gunzipSync(readFileSync(path))).digest("hex")).toBe("8181f5470baa50b63fa0f6fddb340f0a");
  });

  it("labels are 0..9 with 1000 test images per class", async () => {
    const labels = await readIdx(join(fashion.path, "t10k-labels-idx1-ubyte.gz"));
    const counts = new Array(10).fill(0);
    for (const label of labels.data) counts[label]++;
    expect(counts).toEqual(new Array(10).fill(1000));
  });
});
