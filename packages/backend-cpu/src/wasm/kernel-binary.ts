/**
 * The compiled kernel module's bytes. Builds inline them as base64 (tsup `define`), so the
 * bundle needs no file system; running from sources (the test suite) reads the file the
 * package build wrote to wasm/kernels.wasm, through Node's fs when that exists.
 */

declare const __TREK_CPU_KERNELS_WASM__: string | undefined;

export function kernelBytes(): Uint8Array<ArrayBuffer> | null {
  if (typeof __TREK_CPU_KERNELS_WASM__ === "string") return decodeBase64(__TREK_CPU_KERNELS_WASM__);
  return readBuiltFile();
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

type NodeProcess = { getBuiltinModule?: (id: string) => unknown };

function readBuiltFile(): Uint8Array<ArrayBuffer> | null {
  const proc = (globalThis as { process?: NodeProcess }).process;
  const fs = proc?.getBuiltinModule?.("node:fs") as { readFileSync(path: URL): Uint8Array } | undefined;
  if (!fs) return null;
  try {
    return new Uint8Array(fs.readFileSync(new URL("../../wasm/kernels.wasm", import.meta.url)));
  } catch {
    return null;
  }
}
