/** Where the shared datasets live: $TREK_DATA_DIR, else ../shared/data beside the repository. */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

export function dataDir(): string {
  const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
  return resolve(process.env.TREK_DATA_DIR ?? resolve(repoRoot, "../shared/data"));
}
