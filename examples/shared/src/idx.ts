/**
 * IDX files, the format of MNIST and Fashion-MNIST: a big-endian header (two zero bytes, a type
 * code, the number of dims, then each dim as uint32) followed by the raw values. Gzipped files
 * (`.gz`) are recognized by their magic bytes and inflated first.
 */
import { readFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";

/** The element types IDX defines, by type code. */
const TYPES = {
  0x08: { name: "uint8", size: 1 },
  0x09: { name: "int8", size: 1 },
  0x0b: { name: "int16", size: 2 },
  0x0c: { name: "int32", size: 4 },
  0x0d: { name: "float32", size: 4 },
  0x0e: { name: "float64", size: 8 },
} as const;

export type IdxType = (typeof TYPES)[keyof typeof TYPES]["name"];

/** A decoded IDX array: row-major values in a typed array of the file's element type. */
export interface IdxArray {
  type: IdxType;
  shape: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

/** A malformed or truncated IDX file; the message names the file. */
export class IdxFormatError extends Error {
  override readonly name = "IdxFormatError";
}

/** Decodes IDX bytes (gzipped or not). `source` names the file in errors. */
export function parseIdx(bytes: Uint8Array, source = "IDX data"): IdxArray {
  let raw = bytes;
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      raw = gunzipSync(raw);
    } catch (error) {
      throw new IdxFormatError(`${source}: not a valid gzip stream (${(error as Error).message}); the download may be truncated`);
    }
  }
  if (raw.length < 4) throw new IdxFormatError(`${source}: ${raw.length} bytes is too short for an IDX header`);
  if (raw[0] !== 0 || raw[1] !== 0) {
    throw new IdxFormatError(`${source}: bad magic number 0x${Buffer.from(raw.subarray(0, 4)).toString("hex")} (IDX files start with 0x0000 then a type code)`);
  }
  const code = raw[2]!;
  const type = TYPES[code as keyof typeof TYPES];
  if (!type) throw new IdxFormatError(`${source}: unknown IDX element type 0x${code.toString(16).padStart(2, "0")}`);
  const ndim = raw[3]!;
  const headerBytes = 4 + 4 * ndim;
  if (raw.length < headerBytes) throw new IdxFormatError(`${source}: truncated header (${ndim} dims need ${headerBytes} bytes, the file has ${raw.length})`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const shape: number[] = [];
  for (let d = 0; d < ndim; d++) shape.push(view.getUint32(4 + 4 * d, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = count * type.size;
  const available = raw.length - headerBytes;
  if (available !== expected) {
    const what = available < expected ? "truncated" : "has trailing bytes";
    throw new IdxFormatError(`${source}: ${what}: shape [${shape.join(", ")}] of ${type.name} needs ${expected} data bytes, found ${available}`);
  }
  const body = raw.subarray(headerBytes);
  let data: IdxArray["data"];
  switch (type.name) {
    case "uint8":
      data = new Uint8Array(body); // a copy, detached from the (possibly larger) file buffer
      break;
    case "int8":
      data = new Int8Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
      break;
    default: {
      // Multi-byte values are big-endian in IDX; typed arrays use the platform's order.
      const out =
        type.name === "int16" ? new Int16Array(count) : type.name === "int32" ? new Int32Array(count) : type.name === "float32" ? new Float32Array(count) : new Float64Array(count);
      const bodyView = new DataView(body.buffer, body.byteOffset, body.byteLength);
      for (let i = 0; i < count; i++) {
        const at = i * type.size;
        out[i] =
          type.name === "int16"
            ? bodyView.getInt16(at, false)
            : type.name === "int32"
              ? bodyView.getInt32(at, false)
              : type.name === "float32"
                ? bodyView.getFloat32(at, false)
                : bodyView.getFloat64(at, false);
      }
      data = out;
    }
  }
  return { type: type.name, shape, data };
}

/** Reads and decodes an IDX file (gzipped or not). */
export async function readIdx(path: string): Promise<IdxArray> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new IdxFormatError(`${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return parseIdx(bytes, path);
}

/** Encodes an array as IDX bytes (uncompressed); used to write test files. */
export function encodeIdx(array: IdxArray): Uint8Array {
  const entry = Object.entries(TYPES).find(([, t]) => t.name === array.type);
  if (!entry) throw new IdxFormatError(`encodeIdx: unknown type ${array.type}`);
  const [code, type] = entry;
  const header = 4 + 4 * array.shape.length;
  const out = new Uint8Array(header + array.data.length * type.size);
  const view = new DataView(out.buffer);
  out[2] = Number(code);
  out[3] = array.shape.length;
  array.shape.forEach((n, d) => view.setUint32(4 + 4 * d, n, false));
  for (let i = 0; i < array.data.length; i++) {
    const at = header + i * type.size;
    const v = array.data[i]!;
    if (type.name === "uint8") view.setUint8(at, v);
    else if (type.name === "int8") view.setInt8(at, v);
    else if (type.name === "int16") view.setInt16(at, v, false);
    else if (type.name === "int32") view.setInt32(at, v, false);
    else if (type.name === "float32") view.setFloat32(at, v, false);
    else view.setFloat64(at, v, false);
  }
  return out;
}
