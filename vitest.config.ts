import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";
import { readdirSync, existsSync } from "node:fs";

// Tests import each package's source entry so they run without a build; the
// package-boundary test separately checks that every import goes through that entry.
const packagesDir = fileURLToPath(new URL("./packages/", import.meta.url));
const alias: Record<string, string> = {};
for (const dir of readdirSync(packagesDir)) {
  const entry = `${packagesDir}${dir}/src/index.ts`;
  if (!existsSync(entry)) continue;
  alias[dir === "torchtrek" ? "torchtrek" : `@trek/${dir}`] = entry;
}

export default defineConfig({
  resolve: { alias },
  test: {
    include: ["packages/*/test/**/*.test.ts", "examples/*/test/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    reporters: ["default"],
  },
});
