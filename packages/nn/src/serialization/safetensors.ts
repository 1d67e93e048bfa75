/**
 * The safetensors format, in memory (works in browsers): an 8-byte little-endian header length N,
 * N bytes of JSON `{"__metadata__": {…}, name: {"dtype", "shape", "data_offsets": [begin, end]}}`
 * (space-padded to a multiple of 8), then the tensors' bytes, little-endian, row-major.
 *
 * Reading validates the whole header against the buffer size before creating any tensor, so a
 * corrupt or hostile file cannot make the reader allocate more than the file holds or read
 * outside it.
 */
import {
  Tensor,
  bfloat16BitsToFloat32,
  float16BitsToFloat32,
  float32ToBFloat16Bits,
  float32ToFloat16Bits,
  itemSize,
  shapeNumel,
  tensor,
  type DType,
} from "@trek/tensor";
import type { StateDict } from "../module.js";

/** Upper bound on the JSON header, as in the reference implementation (100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

const CODE_OF: Record<DType, string> = {
  float32: "F32",
  float64: "F64",
  float16: "F16",
  bfloat16: "BF16",
  int8: "I8",
  uint8: "U8",
  int16: "I16",
  int32: "I32",
  int64: "I64",
  bool: "BOOL",
};

const DTYPE_OF: Record<string, DType> = Object.fromEntries(Object.entries(CODE_OF).map(([dtype, code]) => [code, dtype as DType]));

/** Options of `serialize`. */
export interface SerializeOptions {
  /** String key/value pairs stored in the header's `__metadata__`. */
  metadata?: Record<string, string>;
}

/** Options of `deserialize` and `load`. */
export interface DeserializeOptions {
  /** Device of the created tensors (default: the default device). */
  device?: string;
}

/** A safetensors file's tensors and metadata. */
export interface SafetensorsContents {
  tensors: StateDict;
  metadata: Record<string, string>;
}

/** A tensor entry of a validated header. */
export interface HeaderEntry {
  name: string;
  dtype: DType;
  shape: number[];
  /** Byte range inside the data section. */
  begin: number;
  end: number;
}

/** A validated header: entries in header order, metadata, and where the data section starts. */
export interface ParsedHeader {
  entries: HeaderEntry[];
  metadata: Record<string, string>;
  /** 8 + header length. */
  dataStart: number;
}

/** An error reading or writing safetensors data; the message says what is wrong and where. */
export class SafetensorsError extends Error {
  override name = "SafetensorsError";
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function entriesOf(state: StateDict | ReadonlyMap<string, Tensor>): [string, Tensor][] {
  const entries = state instanceof Map ? [...state.entries()] : Object.entries(state as StateDict);
  for (const [name, t] of entries) {
    if (!(t instanceof Tensor)) throw new SafetensorsError(`serialize: the value of "${name}" is not a Tensor`);
    if (t.isDisposed) throw new SafetensorsError(`serialize: tensor "${name}" was disposed`);
    if (name === "__metadata__") throw new SafetensorsError(`serialize: "__metadata__" is reserved and cannot name a tensor`);
  }
  return entries;
}

/** A tensor's elements as little-endian bytes in safetensors' encoding. */
function bytesOf(t: Tensor, data: ArrayLike<number | bigint> & ArrayBufferView): Uint8Array {
  let raw: ArrayBufferView = data;
  if (t.dtype === "float16" || t.dtype === "bfloat16") {
    const encode = t.dtype === "float16" ? float32ToFloat16Bits : float32ToBFloat16Bits;
    const widened = data as unknown as Float32Array;
    const bits = new Uint16Array(widened.length);
    for (let i = 0; i < widened.length; i++) bits[i] = encode(widened[i]!);
    raw = bits;
  }
  const bytes = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  return littleEndian ? bytes : swapBytes(bytes, itemSize(t.dtype));
}

function swapBytes(bytes: Uint8Array, width: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += width) for (let j = 0; j < width; j++) out[i + j] = bytes[i + width - 1 - j]!;
  return out;
}

function checkMetadata(metadata: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata ?? {})) {
    if (typeof value !== "string") throw new SafetensorsError(`serialize: metadata values must be strings; "${key}" is ${typeof value}`);
    out[key] = value;
  }
  return out;
}

/** Assembles the file from encoded tensor bytes (header keys in the given order). */
function assemble(names: string[], tensors: Tensor[], payloads: Uint8Array[], metadata: Record<string, string>): Uint8Array {
  // Largest elements first, so every tensor starts at a multiple of its element size.
  const layout = names.map((_, i) => i).sort((a, b) => itemSize(tensors[b]!.dtype) - itemSize(tensors[a]!.dtype) || a - b);
  const offsets = new Array<[number, number]>(names.length);
  let position = 0;
  for (const i of layout) {
    offsets[i] = [position, position + payloads[i]!.length];
    position += payloads[i]!.length;
  }
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  names.forEach((name, i) => {
    header[name] = { dtype: CODE_OF[tensors[i]!.dtype], shape: [...tensors[i]!.shape], data_offsets: offsets[i] };
  });
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded + position);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  for (let i = 0; i < names.length; i++) out.set(payloads[i]!, 8 + padded + offsets[i]![0]);
  return out;
}

/**
 * Encodes a state dict as safetensors bytes (tensors are read synchronously: use
 * `serializeAsync` on backends that read asynchronously).
 */
export function serialize(state: StateDict | ReadonlyMap<string, Tensor>, options: SerializeOptions = {}): Uint8Array {
  const metadata = checkMetadata(options.metadata);
  const entries = entriesOf(state);
  const payloads = entries.map(([, t]) => bytesOf(t, t.dataSync() as ArrayLike<number> & ArrayBufferView));
  return assemble(entries.map(([n]) => n), entries.map(([, t]) => t), payloads, metadata);
}

/** `serialize` for every backend (reads tensors asynchronously). */
export async function serializeAsync(state: StateDict | ReadonlyMap<string, Tensor>, options: SerializeOptions = {}): Promise<Uint8Array> {
  const metadata = checkMetadata(options.metadata);
  const entries = entriesOf(state);
  const payloads: Uint8Array[] = [];
  for (const [, t] of entries) payloads.push(bytesOf(t, (await t.data()) as ArrayLike<number> & ArrayBufferView));
  return assemble(entries.map(([n]) => n), entries.map(([, t]) => t), payloads, metadata);
}

/**
 * Reads the 8-byte prefix and returns the header length, checked against the total size (and the
 * 100 MB cap). `source` names the file in errors.
 */
export function readHeaderLength(prefix: Uint8Array, totalBytes: number, source: string): number {
  if (totalBytes < 8 || prefix.length < 8) {
    throw new SafetensorsError(`${source}: ${totalBytes} bytes is too short for a safetensors file (the header length alone takes 8)`);
  }
  const length = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (length > BigInt(totalBytes - 8)) {
    throw new SafetensorsError(
      `${source}: the header claims ${length} bytes but only ${totalBytes - 8} follow the length prefix (truncated, or not a safetensors file)`,
    );
  }
  if (length > BigInt(MAX_HEADER_BYTES)) throw new SafetensorsError(`${source}: header of ${length} bytes exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  if (length < 2n) throw new SafetensorsError(`${source}: header of ${length} bytes cannot hold a JSON object`);
  return Number(length);
}

function isNonNegativeSafeInteger(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

/**
 * Parses and validates the JSON header against the data section's size: known dtypes, shapes of
 * non-negative integers, byte ranges that match each tensor's size, lie inside the data section,
 * and cover it exactly without gaps or overlaps.
 */
export function parseHeader(headerBytes: Uint8Array, dataBytes: number, source: string): ParsedHeader {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(headerBytes);
  } catch {
    throw new SafetensorsError(`${source}: the header is not valid UTF-8 (not a safetensors file?)`);
  }
  if (!text.startsWith("{")) throw new SafetensorsError(`${source}: the header does not start with '{' (not a safetensors file?)`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SafetensorsError(`${source}: the header is not valid JSON (${(err as Error).message})`);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) throw new SafetensorsError(`${source}: the header is not a JSON object`);
  const metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  for (const [name, value] of Object.entries(json as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (value === null || typeof value !== "object" || Array.isArray(value)) throw new SafetensorsError(`${source}: __metadata__ must be an object of strings`);
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== "string") throw new SafetensorsError(`${source}: __metadata__["${k}"] must be a string`);
        metadata[k] = v;
      }
      continue;
    }
    const info = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    const where = `${source}: tensor "${name}"`;
    if (info === null || typeof info !== "object") throw new SafetensorsError(`${where}: expected {dtype, shape, data_offsets}`);
    const dtype = typeof info.dtype === "string" ? DTYPE_OF[info.dtype] : undefined;
    if (!dtype) {
      throw new SafetensorsError(`${where}: unsupported dtype ${JSON.stringify(info.dtype)} (supported: ${Object.values(CODE_OF).join(", ")})`);
    }
    if (!Array.isArray(info.shape) || !info.shape.every(isNonNegativeSafeInteger)) {
      throw new SafetensorsError(`${where}: shape must be a list of non-negative integers, got ${JSON.stringify(info.shape)}`);
    }
    const offsets = info.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeSafeInteger) || offsets[1] < offsets[0]) {
      throw new SafetensorsError(`${where}: data_offsets must be [begin, end] with 0 ≤ begin ≤ end, got ${JSON.stringify(offsets)}`);
    }
    const shape = info.shape as number[];
    const numel = shape.reduce((a, b) => a * b, 1);
    const expectedBytes = numel * itemSize(dtype);
    if (!Number.isSafeInteger(expectedBytes)) throw new SafetensorsError(`${where}: shape ${JSON.stringify(shape)} is too large`);
    const [begin, end] = offsets as [number, number];
    if (end - begin !== expectedBytes) {
      throw new SafetensorsError(`${where}: ${info.dtype}${JSON.stringify(shape)} needs ${expectedBytes} bytes but data_offsets [${begin}, ${end}] span ${end - begin}`);
    }
    if (end > dataBytes) {
      throw new SafetensorsError(`${where}: data_offsets [${begin}, ${end}] run past the end of the data (${dataBytes} bytes): the file is truncated`);
    }
    entries.push({ name, dtype, shape, begin, end });
  }
  // The byte ranges must tile the data section exactly, as the reference implementation requires.
  const byStart = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const e of byStart) {
    if (e.begin !== cursor) {
      throw new SafetensorsError(
        `${source}: tensor "${e.name}" starts at byte ${e.begin} of the data, expected ${cursor} (${e.begin < cursor ? "overlapping" : "a gap between"} tensors)`,
      );
    }
    cursor = e.end;
  }
  if (cursor !== dataBytes) {
    throw new SafetensorsError(`${source}: the tensors cover ${cursor} bytes but the data section has ${dataBytes} (trailing bytes after the last tensor)`);
  }
  return { entries, metadata, dataStart: 8 + headerBytes.length };
}

/** Creates the tensors of a validated header from its data section. */
export function tensorsFromData(header: ParsedHeader, data: Uint8Array, options: DeserializeOptions = {}): StateDict {
  const out: StateDict = {};
  for (const e of header.entries) out[e.name] = tensorFromBytes(e, data.subarray(e.begin, e.end), options.device);
  return out;
}

function tensorFromBytes(entry: HeaderEntry, bytes: Uint8Array, device: string | undefined): Tensor {
  const width = itemSize(entry.dtype);
  const numel = shapeNumel(entry.shape);
  // View the bytes in place when aligned and little-endian; copy otherwise.
  let source = bytes;
  if (!littleEndian) source = swapBytes(bytes, width);
  else if (source.byteOffset % width !== 0) source = source.slice();
  const { buffer, byteOffset } = source;
  const options = { dtype: entry.dtype, shape: entry.shape, device };
  switch (entry.dtype) {
    case "float32":
      return tensor(new Float32Array(buffer, byteOffset, numel), options);
    case "float64":
      return tensor(new Float64Array(buffer, byteOffset, numel), options);
    case "int8":
      return tensor(new Int8Array(buffer, byteOffset, numel), options);
    case "uint8":
    case "bool":
      return tensor(new Uint8Array(buffer, byteOffset, numel), options);
    case "int16":
      return tensor(new Int16Array(buffer, byteOffset, numel), options);
    case "int32":
      return tensor(new Int32Array(buffer, byteOffset, numel), options);
    case "int64":
      return tensor(new BigInt64Array(buffer, byteOffset, numel), options);
    case "float16":
    case "bfloat16": {
      // 16-bit floats are widened exactly to float32 and narrowed back on creation.
      const bits = new Uint16Array(buffer, byteOffset, numel);
      const decode = entry.dtype === "float16" ? float16BitsToFloat32 : bfloat16BitsToFloat32;
      const widened = new Float32Array(numel);
      for (let i = 0; i < numel; i++) widened[i] = decode(bits[i]!);
      return tensor(widened, options);
    }
  }
}

/** Decodes safetensors bytes into tensors and the header's metadata. */
export function deserializeWithMetadata(bytes: Uint8Array, options: DeserializeOptions = {}): SafetensorsContents {
  const source = "deserialize";
  if (!(bytes instanceof Uint8Array)) throw new SafetensorsError(`${source}: expected a Uint8Array`);
  const headerLength = readHeaderLength(bytes, bytes.length, source);
  const header = parseHeader(bytes.subarray(8, 8 + headerLength), bytes.length - 8 - headerLength, source);
  return { tensors: tensorsFromData(header, bytes.subarray(header.dataStart), options), metadata: header.metadata };
}

/** Decodes safetensors bytes into a state dict. */
export function deserialize(bytes: Uint8Array, options: DeserializeOptions = {}): StateDict {
  return deserializeWithMetadata(bytes, options).tensors;
}
