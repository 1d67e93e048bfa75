import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, it, vi } from "vitest";
import { setLogLevel } from "../src/index.js";

it("the README example runs and finds a good configuration", async () => {
  const readme = readFileSync(fileURLToPath(new URL("../README.md", import.meta.url)), "utf8");
  const code = /```ts\n([\s\S]*?)```/.exec(readme)![1]!;
  // Run the example verbatim: "@trek/tune" resolves to this package's source in the tests.
  const directory = fileURLToPath(new URL("../node_modules/.cache/readme-example/", import.meta.url));
  mkdirSync(directory, { recursive: true });
  const file = `${directory}example-${process.pid}.ts`;
  writeFileSync(file, code);
  setLogLevel("silent");
  const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
  try {
    await import(/* @vite-ignore */ file);
    expect(log).toHaveBeenCalledTimes(1);
    const [bestValue, bestParams] = log.mock.calls[0]! as [number, Record<string, unknown>];
    // The stand-in loss is |log10(lr) + 3| + layers/10 + 0.5·[tanh] + 1/10 at the last epoch,
    // at least 0.2 (lr = 1e-3, one layer, relu).
    expect(bestValue).toBeGreaterThanOrEqual(0.2);
    expect(bestValue).toBeLessThan(0.6);
    expect(bestParams.activation).toBe("relu");
  } finally {
    log.mockRestore();
    rmSync(file, { force: true });
  }
});
