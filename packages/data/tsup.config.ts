import { defineConfig } from "tsup";

export default defineConfig({
  // The worker entry is its own file: worker threads start from a module path, not a function.
  entry: { index: "src/index.ts", "worker-entry": "src/workers/entry.ts" },
  format: ["esm", "cjs"],
  dts: { entry: "src/index.ts" },
  sourcemap: true,
  clean: true,
  shims: true,
  target: "es2022",
});
