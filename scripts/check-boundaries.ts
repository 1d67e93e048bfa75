/**
 * Checks the package graph against docs/architecture (DESIGN.md): each package's declared
 * dependencies and its source imports may only name the trek packages it is allowed to use,
 * only through their public entry, and @trek/tensor must be a peer dependency of the others.
 * Used by test/boundaries.test.ts; runnable alone: `npx tsx scripts/check-boundaries.ts`.
 */
import { readFileSync, readdirSync, statSync, existsSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import ts from "typescript";

/** The only allowed edges between trek packages (folder name → folders it may use). */
export const ALLOWED_EDGES: Record<string, readonly string[]> = {
  tensor: [],
  autograd: ["tensor"],
  "backend-cpu": ["tensor"],
  "backend-webgpu": ["tensor"],
  "backend-cuda": ["tensor"],
  "backend-conformance": ["tensor", "autograd", "backend-cpu"],
  nn: ["tensor", "autograd"],
  optim: ["tensor"],
  data: ["tensor"],
  vision: ["tensor", "nn", "data"],
  text: ["tensor", "nn", "data"],
  onnx: ["tensor", "nn"],
  train: ["tensor", "nn", "optim", "data"],
  tune: [],
  torchtrek: ["tensor", "autograd", "nn", "optim", "data", "backend-cpu"],
};

/** Packages that stand apart from the tensor stack (no peer dependency on @trek/tensor). */
const INDEPENDENT = new Set(["tensor", "tune"]);

function packageFolder(name: string): string | null {
  if (name === "torchtrek") return "torchtrek";
  if (name.startsWith("@trek/")) return name.slice("@trek/".length);
  return null;
}

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|tsx|js|mjs|cjs)$/.test(entry) && !entry.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

/** Module specifiers a source file imports (static, dynamic, require, side-effect, re-export). */
export function importsOf(source: string): string[] {
  const info = ts.preProcessFile(source, true, true);
  return info.importedFiles.map((f) => f.fileName);
}

/** Returns one message per violation in the packages folder (empty when the graph is clean). */
export function checkBoundaries(packagesDir: string): string[] {
  const problems: string[] = [];
  for (const folder of readdirSync(packagesDir).sort()) {
    const pkgDir = join(packagesDir, folder);
    const manifestPath = join(pkgDir, "package.json");
    if (!existsSync(manifestPath)) continue;
    const allowed = ALLOWED_EDGES[folder];
    if (!allowed) {
      problems.push(`${folder}: not a package of the design (add it to the allowed edges first)`);
      continue;
    }
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as Record<string, Record<string, string> | undefined>;
    const expectedName = folder === "torchtrek" ? "torchtrek" : `@trek/${folder}`;
    if ((manifest as unknown as { name?: string }).name !== expectedName) {
      problems.push(`${folder}: package.json name should be ${expectedName}`);
    }
    // devDependencies only serve the package's own tests and builds, which may use any package.
    for (const field of ["dependencies", "peerDependencies", "optionalDependencies"]) {
      for (const dep of Object.keys(manifest[field] ?? {})) {
        const target = packageFolder(dep);
        if (target === null || target === folder) continue;
        if (!allowed.includes(target)) {
          problems.push(`${folder}: ${field} lists ${dep}, but ${folder} may only depend on ${allowed.join(", ") || "no trek package"}`);
        }
      }
    }
    if (!INDEPENDENT.has(folder) && !manifest.peerDependencies?.["@trek/tensor"]) {
      problems.push(`${folder}: @trek/tensor must be a peerDependency (one registry per process)`);
    }
    if (manifest.dependencies?.["@trek/tensor"]) {
      problems.push(`${folder}: @trek/tensor must be a peerDependency, not a dependency`);
    }
    for (const file of sourceFiles(join(pkgDir, "src"))) {
      const where = relative(packagesDir, file);
      for (const spec of importsOf(readFileSync(file, "utf8"))) {
        if (spec.startsWith(".")) {
          const target = resolve(file, "..", spec);
          if (!target.startsWith(pkgDir + sep) && target !== pkgDir) {
            problems.push(`${where}: relative import "${spec}" reaches outside the package`);
          }
          continue;
        }
        const bare = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!;
        const target = packageFolder(bare);
        if (target === null || target === folder) continue;
        if (spec !== bare) problems.push(`${where}: imports "${spec}"; use the public entry "${bare}"`);
        if (!allowed.includes(target)) problems.push(`${where}: imports ${bare}, which ${folder} may not use`);
        const declared = ["dependencies", "peerDependencies", "optionalDependencies"].some((f) => manifest[f]?.[bare]);
        if (!declared) problems.push(`${where}: imports ${bare}, which ${folder}/package.json does not declare`);
      }
    }
  }
  return problems;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  const problems = checkBoundaries(resolve(new URL("../packages", import.meta.url).pathname));
  for (const p of problems) console.error(p);
  process.exitCode = problems.length ? 1 : 0;
  if (!problems.length) console.log("package boundaries: ok");
}
