import { defineConfig } from "tsup";

// ESM only: the kit defines vitest tests, and vitest cannot be loaded with require().
export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "es2022",
});
