// Compiles the AssemblyScript kernels in asm/ to wasm/kernels.wasm (SIMD + threads, imported
// shared memory, no runtime and no data segments so that every thread can instantiate it).
import { mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import asc from "assemblyscript/asc";

const root = fileURLToPath(new URL("..", import.meta.url));
process.chdir(root);
mkdirSync(`${root}wasm`, { recursive: true });
const { error, stderr } = await asc.main(
  [
    "asm/index.ts",
    "--outFile", "wasm/kernels.wasm",
    "--optimizeLevel", "3",
    "--shrinkLevel", "0",
    "--enable", "simd",
    "--enable", "threads",
    "--runtime", "stub",
    "--importMemory",
    "--sharedMemory",
    "--initialMemory", "1",
    "--maximumMemory", "65536",
    "--noAssert",
    "--noExportMemory",
    // TREK_WASM_DEBUG=1 keeps function names, so CPU profiles name the kernels.
    ...(process.env.TREK_WASM_DEBUG ? ["--debug"] : []),
  ],
  { stdout: process.stdout, stderr: process.stderr, baseDir: root },
);
if (error) {
  console.error(`@trek/backend-cpu: compiling asm/ failed: ${error.message}\n${stderr.toString()}`);
  process.exit(1);
}

// Every worker instantiates the module on the same shared memory, and instantiation writes active
// data segments: the kernels must not have any (std lookup tables such as Math.log's bring them).
const bytes = readFileSync(`${root}wasm/kernels.wasm`);
for (let p = 8; p < bytes.length; ) {
  const id = bytes[p++];
  let size = 0;
  for (let shift = 0; ; shift += 7) {
    const b = bytes[p++];
    size |= (b & 0x7f) << shift;
    if (!(b & 0x80)) break;
  }
  if (id === 11) {
    console.error("@trek/backend-cpu: wasm/kernels.wasm has a data segment; remove the std call that brings it");
    process.exit(1);
  }
  p += size;
}
