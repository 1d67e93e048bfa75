import { readFileSync } from "node:fs";
import { defineConfig } from "tsup";

// The kernels are inlined as base64 so that the bundle needs no file system (browsers, bundlers).
// `pnpm build` compiles asm/ to wasm/kernels.wasm first (scripts/build-wasm.mjs).
const kernels = readFileSync(new URL("./wasm/kernels.wasm", import.meta.url)).toString("base64");

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "es2022",
  // import.meta.url in the CommonJS build too: the native kernels are found relative to it.
  shims: true,
  define: { __TREK_CPU_KERNELS_WASM__: JSON.stringify(kernels) },
});
