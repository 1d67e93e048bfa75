/** Where the examples find datasets: `TREK_DATA_DIR`, else `../shared/data` beside the repository. */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (two levels above this file's folder). */
export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

/** The data folder: `$TREK_DATA_DIR` or `<repo>/../shared/data`. */
export function dataDir(): string {
  return process.env.TREK_DATA_DIR ? resolve(process.env.TREK_DATA_DIR) : resolve(repoRoot, "../shared/data");
}

/** A dataset folder inside the data folder, or null (with the path that was tried) when absent. */
export function findDataset(name: string): { path: string; found: boolean } {
  const path = resolve(dataDir(), name);
  return { path, found: existsSync(path) };
}
