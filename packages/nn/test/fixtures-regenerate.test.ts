import { describe, expect, it } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FIXTURE_DIR } from "./helpers.js";

const PYTHON = "/usr/bin/python3";
const SCRIPT = fileURLToPath(new URL("../../../scripts/fixtures/torch_nn.py", import.meta.url));
const haveTorch = spawnSync(PYTHON, ["-c", "import torch"], { stdio: "ignore" }).status === 0;
if (!haveTorch) console.warn("skipping the fixture regeneration check: python3-torch (/usr/bin/python3 -c 'import torch') not available");

describe.skipIf(!haveTorch)("PyTorch fixtures", () => {
  it("are reproduced byte for byte by scripts/fixtures/torch_nn.py", () => {
    const dir = mkdtempSync(join(tmpdir(), "trek-nn-fixtures-"));
    try {
      execFileSync(PYTHON, [SCRIPT, dir], { stdio: "pipe" });
      const committed = readdirSync(FIXTURE_DIR).sort();
      expect(readdirSync(dir).sort()).toEqual(committed);
      for (const name of committed) {
        expect(readFileSync(join(dir, name)).equals(readFileSync(join(FIXTURE_DIR, name))), name).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
