import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

// The fixtures are regenerable: with Debian's python3-torch present, the committed script
// must write the committed files byte for byte.
const PYTHON = "/usr/bin/python3";
const script = fileURLToPath(new URL("../../../scripts/fixtures/torch_optim.py", import.meta.url));
const hasTorch = spawnSync(PYTHON, ["-c", "import torch"], { stdio: "ignore" }).status === 0;
if (!hasTorch) console.warn(`skipping optim fixture regeneration: ${PYTHON} with torch (python3-torch) not found`);

describe.skipIf(!hasTorch)("optimizer fixtures", () => {
  it("scripts/fixtures/torch_optim.py reproduces the committed fixtures", () => {
    const out = mkdtempSync(join(tmpdir(), "trek-optim-fixtures-"));
    const run = spawnSync(PYTHON, ["-W", "ignore", script, out], { encoding: "utf8", timeout: 120_000 });
    expect(run.status, run.stderr).toBe(0);
    for (const file of ["optimizers.json", "schedulers.json"]) {
      const committed = readFileSync(new URL(`./fixtures/${file}`, import.meta.url), "utf8");
      expect(readFileSync(join(out, file), "utf8") === committed, `${file} differs from a fresh run of the script`).toBe(true);
    }
  });
});
