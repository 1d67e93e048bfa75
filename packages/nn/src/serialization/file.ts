/**
 * safetensors files on Node.js: `save`/`load` and their async forms. Writes are atomic (a
 * temporary file in the same directory, flushed, then renamed over the target), so a crash
 * leaves either the old file or the new one, never half of one. Reads check the header against
 * the file size before reading the data.
 *
 * Node's `fs` is obtained when a function is called (`process.getBuiltinModule`), not imported,
 * so bundles for the browser do not pull it in; browsers use `serialize`/`deserialize`.
 */
import type * as NodeFs from "node:fs";
import type * as NodePath from "node:path";
import type { Tensor } from "@trek/tensor";
import type { StateDict } from "../module.js";
import {
  SafetensorsError,
  parseHeader,
  readHeaderLength,
  serialize,
  serializeAsync,
  tensorsFromData,
  type DeserializeOptions,
  type SafetensorsContents,
  type SerializeOptions,
} from "./safetensors.js";

interface NodeModules {
  fs: typeof NodeFs;
  path: typeof NodePath;
  pid: number;
}

function node(op: string): NodeModules {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown; pid: number } }).process;
  if (!proc || typeof proc.getBuiltinModule !== "function") {
    throw new Error(`${op}: file access needs Node.js 20.16 or newer; in a browser use serialize()/deserialize() on bytes`);
  }
  return { fs: proc.getBuiltinModule("node:fs") as typeof NodeFs, path: proc.getBuiltinModule("node:path") as typeof NodePath, pid: proc.pid };
}

function tempPathFor(target: string, modules: NodeModules): string {
  const { path, pid } = modules;
  const random = Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, "0");
  return path.join(path.dirname(target), `.${path.basename(target)}.${pid}.${random}.tmp`);
}

function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Writes bytes to `target` atomically (temp file, fsync, rename). */
function writeAtomic(op: string, target: string, bytes: Uint8Array): void {
  const modules = node(op);
  const { fs } = modules;
  const temp = tempPathFor(target, modules);
  try {
    const fd = fs.openSync(temp, "wx", 0o644);
    try {
      let written = 0;
      while (written < bytes.length) written += fs.writeSync(fd, bytes, written, bytes.length - written);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, target);
  } catch (err) {
    try {
      fs.unlinkSync(temp);
    } catch {
      // The temporary file was never created or is already gone.
    }
    throw new SafetensorsError(`${op}(${target}): could not write the file: ${describeError(err)}`);
  }
}

async function writeAtomicAsync(op: string, target: string, bytes: Uint8Array): Promise<void> {
  const modules = node(op);
  const fsp = modules.fs.promises;
  const temp = tempPathFor(target, modules);
  try {
    const handle = await fsp.open(temp, "wx", 0o644);
    try {
      let written = 0;
      while (written < bytes.length) written += (await handle.write(bytes, written, bytes.length - written)).bytesWritten;
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsp.rename(temp, target);
  } catch (err) {
    await fsp.unlink(temp).catch(() => undefined);
    throw new SafetensorsError(`${op}(${target}): could not write the file: ${describeError(err)}`);
  }
}

/**
 * Saves a state dict to a safetensors file, atomically. Readable by Python's `safetensors`
 * (`safetensors.torch.load_file`).
 */
export function save(state: StateDict | ReadonlyMap<string, Tensor>, path: string, options: SerializeOptions = {}): void {
  writeAtomic("save", path, serialize(state, options));
}

/** `save` for every backend, with asynchronous file I/O. */
export async function saveAsync(state: StateDict | ReadonlyMap<string, Tensor>, path: string, options: SerializeOptions = {}): Promise<void> {
  await writeAtomicAsync("saveAsync", path, await serializeAsync(state, options));
}

function readExactly(fs: typeof NodeFs, fd: number, length: number, position: number, source: string): Uint8Array {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, out, done, length - done, position + done);
    if (n === 0) throw new SafetensorsError(`${source}: the file ended early (it changed while being read?)`);
    done += n;
  }
  return out;
}

/** Loads a safetensors file's tensors and metadata. */
export function loadWithMetadata(path: string, options: DeserializeOptions = {}): SafetensorsContents {
  const { fs } = node("load");
  const source = `load(${path})`;
  let fd: number;
  try {
    fd = fs.openSync(path, "r");
  } catch (err) {
    throw new SafetensorsError(`${source}: cannot open the file: ${describeError(err)}`);
  }
  try {
    const size = fs.fstatSync(fd).size;
    const prefix = readExactly(fs, fd, Math.min(8, size), 0, source);
    const headerLength = readHeaderLength(prefix, size, source);
    const header = parseHeader(readExactly(fs, fd, headerLength, 8, source), size - 8 - headerLength, source);
    // The data size is now known to match the header exactly: read it in one piece.
    const data = readExactly(fs, fd, size - header.dataStart, header.dataStart, source);
    return { tensors: tensorsFromData(header, data, options), metadata: header.metadata };
  } finally {
    fs.closeSync(fd);
  }
}

/** Loads a safetensors file (e.g. written by `save` or Python's `safetensors`) as a state dict. */
export function load(path: string, options: DeserializeOptions = {}): StateDict {
  return loadWithMetadata(path, options).tensors;
}

/** `load` with asynchronous file I/O. */
export async function loadAsync(path: string, options: DeserializeOptions = {}): Promise<StateDict> {
  const fsp = node("loadAsync").fs.promises;
  const source = `loadAsync(${path})`;
  let handle: NodeFs.promises.FileHandle;
  try {
    handle = await fsp.open(path, "r");
  } catch (err) {
    throw new SafetensorsError(`${source}: cannot open the file: ${describeError(err)}`);
  }
  try {
    const size = (await handle.stat()).size;
    const readAt = async (length: number, position: number): Promise<Uint8Array> => {
      const out = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(out, done, length - done, position + done);
        if (bytesRead === 0) throw new SafetensorsError(`${source}: the file ended early (it changed while being read?)`);
        done += bytesRead;
      }
      return out;
    };
    const headerLength = readHeaderLength(await readAt(Math.min(8, size), 0), size, source);
    const header = parseHeader(await readAt(headerLength, 8), size - 8 - headerLength, source);
    const data = await readAt(size - header.dataStart, header.dataStart);
    return tensorsFromData(header, data, options);
  } finally {
    await handle.close();
  }
}
