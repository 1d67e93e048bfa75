/**
 * The golden fixtures are regenerable: the committed script, run with PyTorch, reproduces the
 * committed files byte for byte. Skips with one line where python3-torch is not installed.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FIXTURE_FILES, expectedOutputs, fixturesDirectory, loadFixtures } from "../src/fixtures.js";

const script = fileURLToPath(new URL("../../../scripts/fixtures/generate_conformance_fixtures.py", import.meta.url));

/** A Python with torch: $TREK_PYTHON, Debian's /usr/bin/python3, or python3 on the PATH. */
function pythonWithTorch(): string | null {
  for (const candidate of [process.env.TREK_PYTHON, "/usr/bin/python3", "python3"]) {
    if (!candidate) continue;
    const probe = spawnSync(candidate, ["-c", "import torch"], { encoding: "utf8" });
    if (probe.status === 0) return candidate;
  }
  return null;
}

const python = pythonWithTorch();
if (!python) console.warn("skipping fixture regeneration: python3-torch not found (apt-get install python3-torch)");

describe("golden fixtures", () => {
  it("every file loads, and every case has expected outputs for each of its dtypes", () => {
    for (const file of FIXTURE_FILES) {
      const cases = loadFixtures(file);
      expect(cases.length, file).toBeGreaterThan(0);
      for (const c of cases) for (const dtype of c.dtypes) expect(Object.keys(expectedOutputs(c, dtype)).length, c.name).toBeGreaterThan(0);
    }
  });

  it.skipIf(!python)("the committed script regenerates the committed files byte for byte", () => {
    const out = mkdtempSync(join(tmpdir(), "trek-conformance-fixtures-"));
    try {
      const run = spawnSync(python!, [script, out], { encoding: "utf8", timeout: 120_000 });
      expect(run.status, run.stderr).toBe(0);
      for (const file of FIXTURE_FILES) {
        const regenerated = readFileSync(join(out, file), "utf8");
        const committed = readFileSync(join(fixturesDirectory(), file), "utf8");
        expect(regenerated === committed, `${file} differs from a fresh run of ${script}`).toBe(true);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
