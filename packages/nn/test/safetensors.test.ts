import { afterEach, describe, expect, it, vi } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import * as nodeFs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { registerBackend, tensor, zeros, type Tensor } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import {
  BatchNorm1d,
  Linear,
  SafetensorsError,
  Sequential,
  deserialize,
  deserializeWithMetadata,
  load,
  loadAsync,
  loadWithMetadata,
  save,
  saveAsync,
  serialize,
} from "@trek/nn";
import { FIXTURE_DIR } from "./helpers.js";

registerBackend("cpu", () => new CpuBackend());

const PYTHON = "/usr/bin/python3";
const CHECKER = fileURLToPath(new URL("../../../scripts/fixtures/safetensors_nn_check.py", import.meta.url));
const havePython = existsSync(PYTHON);
if (!havePython) console.warn(`skipping the Python safetensors cross-check: ${PYTHON} not found`);

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "trek-nn-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  vi.restoreAllMocks();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** One tensor of every dtype, with edge values. */
function everyDtype(): Record<string, Tensor> {
  return {
    "a.f32": tensor([[1.5, -2.25, 3], [0.1, 1e-8, -7]]),
    "b.f64": tensor([Math.PI, -1e300, 2.5e-310], { dtype: "float64" }),
    "c.f16": tensor([0.5, -65504, 6.103515625e-5, 1.0009765625], { dtype: "float16" }),
    "d.bf16": tensor([[1, -2.5], [3.3895313892515355e38, 0.0078125]], { dtype: "bfloat16" }),
    "e.i8": tensor([-128, 0, 127], { dtype: "int8" }),
    "f.u8": tensor([0, 200, 255], { dtype: "uint8" }),
    "g.i16": tensor([-32768, 12345, 32767], { dtype: "int16" }),
    "h.i32": tensor([[-2147483648, 7], [2147483647, -1]], { dtype: "int32" }),
    "i.i64": tensor([9007199254740993n, -9223372036854775808n, 3n]),
    "j.bool": tensor([true, false, true, true]),
    "k.scalar": tensor(42.5),
    "l.empty": zeros([0, 3]),
  };
}

function values(t: Tensor): unknown[] {
  return Array.from(t.dataSync() as ArrayLike<unknown>, (v) => (typeof v === "bigint" ? v.toString() : v));
}

interface ReferenceJson {
  metadata: Record<string, string>;
  tensors: Record<string, { shape: number[]; dtype: string; data: (number | string)[] }>;
}

describe("safetensors reading", () => {
  it("reads a file written from the format description by the PyTorch fixture script", () => {
    const expected = JSON.parse(readFileSync(join(FIXTURE_DIR, "safetensors_reference.json"), "utf8")) as ReferenceJson;
    const { tensors, metadata } = loadWithMetadata(join(FIXTURE_DIR, "reference.safetensors"));
    expect(metadata).toEqual(expected.metadata);
    expect(Object.keys(tensors)).toEqual(Object.keys(expected.tensors));
    const dtypeNames: Record<string, string> = { int64: "int64", bool: "bool" };
    for (const [name, want] of Object.entries(expected.tensors)) {
      const t = tensors[name]!;
      expect(t.shape, name).toEqual(want.shape);
      expect(t.dtype, name).toBe(dtypeNames[want.dtype] ?? want.dtype);
      if (want.dtype === "int64") expect(values(t), name).toEqual(want.data);
      else if (want.dtype === "bool") expect(values(t).map(Number), name).toEqual(want.data);
      else if (want.dtype === "float32") expect(values(t), name).toEqual(want.data.map((v) => Math.fround(v as number)));
      else expect(values(t), name).toEqual(want.data);
    }
  });

  it("reads the same file from memory and asynchronously", async () => {
    const bytes = new Uint8Array(readFileSync(join(FIXTURE_DIR, "reference.safetensors")));
    const fromMemory = deserialize(bytes);
    const fromFile = await loadAsync(join(FIXTURE_DIR, "reference.safetensors"));
    for (const name of Object.keys(fromMemory)) expect(values(fromFile[name]!)).toEqual(values(fromMemory[name]!));
  });
});

describe("safetensors writing", () => {
  it("round-trips every dtype exactly, with metadata", () => {
    const state = everyDtype();
    const bytes = serialize(state, { metadata: { format: "pt", note: "ünïcode" } });
    const { tensors, metadata } = deserializeWithMetadata(bytes);
    expect(metadata).toEqual({ format: "pt", note: "ünïcode" });
    expect(Object.keys(tensors)).toEqual(Object.keys(state));
    for (const [name, t] of Object.entries(state)) {
      expect(tensors[name]!.dtype, name).toBe(t.dtype);
      expect(tensors[name]!.shape, name).toEqual(t.shape);
      expect(values(tensors[name]!), name).toEqual(values(t));
    }
  });

  it("lays out the header as the format requires (little-endian length, 8-byte aligned JSON)", () => {
    const bytes = serialize({ w: tensor([1, 2]) });
    const length = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(length % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))) as Record<string, unknown>;
    expect(header).toEqual({ w: { dtype: "F32", shape: [2], data_offsets: [0, 8] } });
    expect(Array.from(new Float32Array(bytes.slice(8 + length).buffer))).toEqual([1, 2]);
  });

  it.skipIf(!havePython)("files it writes are read back by an independent Python reader", () => {
    const dir = tempDir();
    const path = join(dir, "all.safetensors");
    const state = everyDtype();
    save(state, path, { metadata: { format: "pt" } });
    const decoded = JSON.parse(execFileSync(PYTHON, [CHECKER, path], { encoding: "utf8" })) as ReferenceJson;
    expect(decoded.metadata).toEqual({ format: "pt" });
    const codes: Record<string, string> = {
      float32: "F32", float64: "F64", float16: "F16", bfloat16: "BF16", int8: "I8", uint8: "U8",
      int16: "I16", int32: "I32", int64: "I64", bool: "BOOL",
    };
    for (const [name, t] of Object.entries(state)) {
      const got = decoded.tensors[name]!;
      expect(got.dtype, name).toBe(codes[t.dtype]);
      expect(got.shape, name).toEqual(t.shape);
      expect(got.data, name).toEqual(values(t).map((v) => (typeof v === "boolean" ? Number(v) : v)));
    }
  });

  it("saves and loads a model's state dict (sync and async)", async () => {
    const dir = tempDir();
    const model = new Sequential(new Linear(3, 4), new BatchNorm1d(4));
    model.call(tensor([[1, 2, 3], [4, 5, 6]]));
    save(model.stateDict(), join(dir, "model.safetensors"));
    const copy = new Sequential(new Linear(3, 4), new BatchNorm1d(4)).loadStateDict(load(join(dir, "model.safetensors")));
    await saveAsync(copy.stateDict(), join(dir, "copy.safetensors"));
    const again = await loadAsync(join(dir, "copy.safetensors"));
    for (const [key, t] of Object.entries(model.stateDict())) expect(values(again[key]!), key).toEqual(values(t));
    expect(again["1.num_batches_tracked"]!.dtype).toBe("int64");
  });
});

describe("atomic writes", () => {
  it("a failure while writing leaves the previous file intact and no temporary file", () => {
    const dir = tempDir();
    const path = join(dir, "ckpt.safetensors");
    save({ w: tensor([1, 2, 3]) }, path);
    const before = readFileSync(path);
    const fs = process.getBuiltinModule("node:fs") as typeof nodeFs;
    vi.spyOn(fs, "writeSync").mockImplementation(() => {
      throw new Error("ENOSPC: no space left on device");
    });
    expect(() => save({ w: tensor([9, 9, 9, 9]) }, path)).toThrow(/save\(.*ckpt\.safetensors\): could not write the file: ENOSPC/);
    vi.restoreAllMocks();
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(dir)).toEqual(["ckpt.safetensors"]);
  });

  it("writing into a missing directory fails with the path in the message", () => {
    const path = join(tempDir(), "missing", "x.safetensors");
    expect(() => save({ w: tensor([1]) }, path)).toThrow(SafetensorsError);
    expect(() => save({ w: tensor([1]) }, path)).toThrow(/missing.*x\.safetensors/);
  });
});

describe("corrupt and hostile files", () => {
  const good = (): Uint8Array => serialize({ a: tensor([1, 2, 3]), b: tensor([4n, 5n]) });

  function withHeader(header: unknown, dataBytes: number): Uint8Array {
    const json = new TextEncoder().encode(JSON.stringify(header));
    const out = new Uint8Array(8 + json.length + dataBytes);
    new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
    out.set(json, 8);
    return out;
  }

  it("a truncated file names the problem", () => {
    const bytes = good();
    expect(() => deserialize(bytes.subarray(0, 5))).toThrow("deserialize: 5 bytes is too short for a safetensors file");
    expect(() => deserialize(bytes.subarray(0, 30))).toThrow(/the header claims \d+ bytes but only 22 follow the length prefix/);
    expect(() => deserialize(bytes.subarray(0, bytes.length - 4))).toThrow(/run past the end of the data .*truncated/);
  });

  it("a huge header length is rejected before anything is allocated", () => {
    const bytes = new Uint8Array(16);
    new DataView(bytes.buffer).setBigUint64(0, 2n ** 62n, true);
    expect(() => deserialize(bytes)).toThrow("the header claims 4611686018427387904 bytes but only 8 follow");
  });

  it("offsets claiming gigabytes are rejected by comparison with the file size", () => {
    const bytes = withHeader({ w: { dtype: "F32", shape: [100000, 100000], data_offsets: [0, 40000000000] } }, 16);
    expect(() => deserialize(bytes)).toThrow('tensor "w": data_offsets [0, 40000000000] run past the end of the data (16 bytes)');
  });

  it("inconsistent headers are reported precisely", () => {
    expect(() => deserialize(withHeader({ w: { dtype: "F32", shape: [3], data_offsets: [0, 8] } }, 8))).toThrow(
      'tensor "w": F32[3] needs 12 bytes but data_offsets [0, 8] span 8',
    );
    expect(() => deserialize(withHeader({ w: { dtype: "U32", shape: [1], data_offsets: [0, 4] } }, 4))).toThrow('unsupported dtype "U32"');
    expect(() => deserialize(withHeader({ w: { dtype: "F32", shape: [-1], data_offsets: [0, 4] } }, 4))).toThrow("shape must be a list of non-negative integers");
    expect(() =>
      deserialize(withHeader({ a: { dtype: "F32", shape: [2], data_offsets: [0, 8] }, b: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, 8)),
    ).toThrow('tensor "b" starts at byte 4 of the data, expected 8 (overlapping tensors)');
    expect(() => deserialize(withHeader({ a: { dtype: "F32", shape: [1], data_offsets: [0, 4] } }, 12))).toThrow("trailing bytes after the last tensor");
    expect(() => deserialize(withHeader({ a: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, 8))).toThrow("(a gap between tensors)");
  });

  it("garbage is not mistaken for a header", () => {
    const bytes = new Uint8Array(24);
    new DataView(bytes.buffer).setBigUint64(0, 16n, true);
    bytes.set(new TextEncoder().encode("[not json!!!!!!]"), 8);
    expect(() => deserialize(bytes)).toThrow("the header does not start with '{'");
    bytes.set(new TextEncoder().encode("{not json!!!!!!}"), 8);
    expect(() => deserialize(bytes)).toThrow("the header is not valid JSON");
  });

  it("load() errors name the file", () => {
    const dir = tempDir();
    const path = join(dir, "broken.safetensors");
    writeFileSync(path, good().subarray(0, 20));
    expect(() => load(path)).toThrow(`load(${path}): the header claims`);
    expect(() => load(join(dir, "none.safetensors"))).toThrow(/cannot open the file/);
  });
});
