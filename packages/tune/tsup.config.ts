import { defineConfig } from "tsup";

export default defineConfig({
  // `cli` is the `trek-tune` executable (package.json "bin"); tsup keeps its `#!/usr/bin/env node` line.
  entry: { index: "src/index.ts", cli: "src/bin.ts" },
  format: ["esm", "cjs"],
  dts: { entry: { index: "src/index.ts" } },
  sourcemap: true,
  clean: true,
  target: "es2022",
});
