/**
 * Worker threads on Node 20 cannot load TypeScript by themselves, even when the main program
 * runs under tsx. When a worker must import a `.ts` module (this package's sources in a
 * monorepo, or a user's TypeScript dataset module) the worker first registers tsx's ESM hooks.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { DataError } from "../errors.js";

const TYPESCRIPT_EXTENSION = /\.(c|m)?tsx?$/;

export function isTypeScriptUrl(url: string): boolean {
  return TYPESCRIPT_EXTENSION.test(url.split(/[?#]/)[0]!);
}

/** The URL of tsx's ESM `register` API, searched from each of `bases` (file URLs or directories). */
export function findTypeScriptLoader(bases: readonly string[]): string | null {
  for (const base of bases) {
    try {
      const from = base.startsWith("file:") ? fileURLToPath(base) : join(base, "noop.js");
      const packageJson = createRequire(from).resolve("tsx/package.json");
      const manifest = JSON.parse(readFileSync(packageJson, "utf8")) as {
        exports?: Record<string, string | { import?: string | { default?: string } }>;
      };
      const entry = manifest.exports?.["./esm/api"];
      const target = typeof entry === "string" ? entry : typeof entry?.import === "string" ? entry.import : entry?.import?.default;
      if (target) return pathToFileURL(join(dirname(packageJson), target)).href;
    } catch {
      // not resolvable from this base; try the next
    }
  }
  return null;
}

/** Throws a message that says what to do when a TypeScript module must run in a worker without tsx. */
export function requireTypeScriptLoader(modules: readonly string[], bases: readonly string[]): string {
  const found = findTypeScriptLoader(bases);
  if (found) return found;
  throw new DataError(
    `DataLoader: worker threads must load TypeScript (${modules.join(", ")}), and Node cannot do that by itself. ` +
      "Install tsx (npm i -D tsx) or point the worker option at compiled JavaScript.",
  );
}
