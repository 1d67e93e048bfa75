import { describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkBoundaries, importsOf } from "../scripts/check-boundaries.js";

const packagesDir = fileURLToPath(new URL("../packages", import.meta.url));

function fakePackage(root: string, folder: string, manifest: object, files: Record<string, string>): void {
  const dir = join(root, folder);
  mkdirSync(join(dir, "src"), { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify(manifest));
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, "src", name), body);
}

describe("package boundaries", () => {
  it("every package stays inside the dependency edges of the design", () => {
    expect(checkBoundaries(packagesDir)).toEqual([]);
  });

  it("the checker reports forbidden edges, deep imports, escaping paths and missing peers", () => {
    const root = mkdtempSync(join(tmpdir(), "trek-boundaries-"));
    fakePackage(root, "tensor", { name: "@trek/tensor" }, { "index.ts": "export const x = 1;" });
    fakePackage(
      root,
      "optim",
      { name: "@trek/optim", dependencies: { "@trek/nn": "workspace:^" } },
      {
        "index.ts": [
          'import { Linear } from "@trek/nn";',
          'import { Tensor } from "@trek/tensor/src/tensor.js";',
          'import { helper } from "../../tensor/src/helper.js";',
          'export { Linear, Tensor, helper };',
        ].join("\n"),
      },
    );
    const problems = checkBoundaries(root).join("\n");
    expect(problems).toMatch(/optim: dependencies lists @trek\/nn, but optim may only depend on tensor/);
    expect(problems).toMatch(/optim: @trek\/tensor must be a peerDependency/);
    expect(problems).toMatch(/imports "@trek\/tensor\/src\/tensor.js"; use the public entry "@trek\/tensor"/);
    expect(problems).toMatch(/relative import "..\/..\/tensor\/src\/helper.js" reaches outside the package/);
    expect(problems).toMatch(/imports @trek\/nn, which optim may not use/);
  });

  it("finds static, dynamic, side-effect and require imports", () => {
    const source = `import a from "a"; export { b } from "b"; const c = await import("c"); require("d"); import "e";`;
    expect(importsOf(source).sort()).toEqual(["a", "b", "c", "d", "e"]);
  });
});
