/**
 * Checks the code of the user guides against the real API: every TorchTrek snippet of
 * docs/pytorch-cheatsheet.md and every ```ts program of docs/getting-started.md is type-checked
 * (against the packages' sources) and run. Cheat-sheet snippets see `x`, `y`, `w`, `labels`,
 * `model`, `optimizer`, `loader` and `path` defined as that page says.
 */
import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import ts from "typescript";
import * as tensorModule from "@trek/tensor";
import * as autogradModule from "@trek/autograd";
import * as nnModule from "@trek/nn";
import * as optimModule from "@trek/optim";
import * as dataModule from "@trek/data";
import * as trainModule from "@trek/train";
import * as backendModule from "@trek/backend-cpu";
import * as umbrella from "torchtrek";
import { repoRoot } from "../src/index.js";

const { registerBackend, randn, tensor, manualSeed } = tensorModule;
registerBackend("cpu", () => new backendModule.CpuBackend());

const MODULES: Record<string, Record<string, unknown>> = {
  "@trek/tensor": tensorModule,
  "@trek/autograd": autogradModule,
  "@trek/nn": nnModule,
  "@trek/optim": optimModule,
  "@trek/data": dataModule,
  "@trek/train": trainModule,
  "@trek/backend-cpu": backendModule,
  torchtrek: umbrella,
};

const cheatsheet = readFileSync(join(repoRoot, "docs", "pytorch-cheatsheet.md"), "utf8");
const gettingStarted = readFileSync(join(repoRoot, "docs", "getting-started.md"), "utf8");

/** Code spans of the TorchTrek column of every table row, and the ```ts blocks. */
function snippetsOf(markdown: string, file: string): { code: string; where: string }[] {
  const out: { code: string; where: string }[] = [];
  const lines = markdown.split("\n");
  lines.forEach((line, i) => {
    if (!line.startsWith("|") || /^\|\s*-/.test(line) || /^\| PyTorch|^\| Keras/.test(line)) return;
    const cells = line.split(/(?<!\\)\|/).slice(1, -1);
    const target = cells[cells.length - 1] ?? "";
    for (const match of target.matchAll(/`([^`]+)`/g)) out.push({ code: match[1]!, where: `${file}:${i + 1}` });
  });
  for (const match of markdown.matchAll(/```ts\n([\s\S]*?)```/g)) {
    out.push({ code: match[1]!, where: `${file}:${markdown.slice(0, match.index).split("\n").length}` });
  }
  return out;
}

const snippets = [...snippetsOf(cheatsheet, "pytorch-cheatsheet.md"), ...snippetsOf(gettingStarted, "getting-started.md")];
const importSnippets = snippets.filter((s) => s.code.startsWith("import ") && !s.code.includes("\n"));
const codeSnippets = snippets.filter((s) => !importSnippets.includes(s));

/** Statements of a ```ts block that import things: the block's own names, checked like the rest. */
function splitImports(code: string): { imports: string[]; body: string } {
  const imports: string[] = [];
  const body = code
    .split("\n")
    .filter((line) => (line.startsWith("import ") ? (imports.push(line), false) : true))
    .join("\n");
  return { imports, body };
}

// Names every snippet can use: the public exports of the packages (first module wins on a clash),
// plus F and init as the page imports them.
const globalNames = new Map<string, string>();
for (const [moduleName, exports] of Object.entries(MODULES)) {
  if (moduleName === "torchtrek") continue;
  for (const name of Object.keys(exports)) if (!globalNames.has(name) && name !== "default") globalNames.set(name, moduleName);
}

const PRELUDE_TYPES = `
declare const x: import("@trek/tensor").Tensor;
declare const y: import("@trek/tensor").Tensor;
declare const w: import("@trek/tensor").Tensor;
declare const labels: import("@trek/tensor").Tensor;
declare const model: import("@trek/nn").Sequential;
declare const optimizer: import("@trek/optim").SGD;
declare const loader: import("@trek/data").DataLoader<import("@trek/tensor").Tensor[]>;
declare const path: string;
declare const F: typeof import("@trek/nn").functional;
`;

/** Snippets that are type-checked but not run here, and why. */
const NOT_RUN: Record<string, string> = {
  'x.to("webgpu")': "needs the WebGPU backend",
  'model.to("webgpu")': "needs the WebGPU backend",
};

function importLines(): string {
  const byModule = new Map<string, string[]>();
  for (const [name, moduleName] of globalNames) {
    if (!byModule.has(moduleName)) byModule.set(moduleName, []);
    byModule.get(moduleName)!.push(name);
  }
  const lines = [...byModule].map(([moduleName, names]) => `import { ${names.join(", ")} } from "${moduleName}";`);
  lines.push('import * as trek from "torchtrek";', "void trek;");
  return lines.join("\n");
}

describe("code in the user guides", () => {
  it("has snippets to check", () => {
    expect(codeSnippets.length).toBeGreaterThan(150);
    expect(codeSnippets.filter((s) => s.where.startsWith("getting-started")).length).toBeGreaterThanOrEqual(6);
    expect(importSnippets.length).toBeGreaterThan(5);
    for (const code of Object.keys(NOT_RUN)) expect(codeSnippets.map((s) => s.code)).toContain(code);
  });

  it("every import line names real exports of real packages", () => {
    for (const { code, where } of importSnippets) {
      const named = /^import \{ ([^}]+) \} from "([^"]+)"/.exec(code);
      const star = /^import \* as \w+ from "([^"]+)"/.exec(code);
      const sideEffect = /^import "([^"]+)"$/.exec(code);
      const moduleName = named?.[2] ?? star?.[1] ?? sideEffect?.[1];
      expect(moduleName && MODULES[moduleName], `${where}: ${code}`).toBeTruthy();
      for (const part of named?.[1]!.split(",") ?? []) {
        const name = part.trim().split(/\s+as\s+/)[0]!;
        expect(Object.keys(MODULES[moduleName!]!), `${where}: ${code}`).toContain(name);
      }
    }
  });

  it("every snippet type-checks against the packages' sources", () => {
    const configPath = join(repoRoot, "tsconfig.json");
    const config = ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })!;
    const folder = join(repoRoot, "examples", "shared", "test");
    const files = new Map<string, string>();
    codeSnippets.forEach(({ code }, i) => {
      const { imports, body } = splitImports(code);
      // ```ts blocks bring their own imports; table cells use the shared ones.
      const head = imports.length ? imports.join("\n") : importLines() + PRELUDE_TYPES;
      const declarations = imports.length ? PRELUDE_TYPES.replace(/declare const F: .*\n/, "") : "";
      files.set(resolve(folder, `__docs_snippet_${i}.ts`), `${head}\n${declarations}\nexport async function snippet${i}() {\n${body}\n}\n`);
    });
    const host = ts.createCompilerHost(config.options);
    const readFile = host.readFile.bind(host);
    const getSourceFile = host.getSourceFile.bind(host);
    host.fileExists = (f) => files.has(resolve(f)) || ts.sys.fileExists(f);
    host.readFile = (f) => files.get(resolve(f)) ?? readFile(f);
    host.getSourceFile = (f, languageVersion, onError, shouldCreate) => {
      const text = files.get(resolve(f));
      return text !== undefined ? ts.createSourceFile(f, text, languageVersion, true) : getSourceFile(f, languageVersion, onError, shouldCreate);
    };
    const program = ts.createProgram({ rootNames: [...files.keys()], options: { ...config.options, noEmit: true, noUnusedLocals: false }, host });
    const problems: string[] = [];
    for (const [file, text] of files) {
      const diagnostics = [...program.getSyntacticDiagnostics(program.getSourceFile(file)), ...program.getSemanticDiagnostics(program.getSourceFile(file))];
      const index = Number(/__docs_snippet_(\d+)/.exec(file)![1]);
      for (const d of diagnostics) {
        problems.push(`${codeSnippets[index]!.where}: \`${codeSnippets[index]!.code.split("\n")[0]}\`: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
      }
      void text;
    }
    expect(problems).toEqual([]);
  }, 120_000);

  it("every snippet runs", async () => {
    const folder = mkdtempSync(join(tmpdir(), "trek-docs-snippets-"));
    const failures: string[] = [];
    const cwd = process.cwd();
    process.chdir(folder); // programs that save files write them here
    try {
      for (const [i, { code, where }] of codeSnippets.entries()) {
        if (NOT_RUN[code]) continue;
        manualSeed(0);
        const { imports, body } = splitImports(code);
        void imports; // their names are all among the shared ones
        const context: Record<string, unknown> = {};
        for (const [name, moduleName] of globalNames) context[name] = MODULES[moduleName]![name];
        const model = new nnModule.Sequential(new nnModule.Linear(3, 4), new nnModule.ReLU(), new nnModule.Linear(4, 2));
        const x = randn([2, 3]);
        const labels = tensor([0, 1], { dtype: "int64" });
        Object.assign(context, {
          F: nnModule.functional,
          // Programs register the CPU backend as their first line; here it is registered already.
          registerBackend: (name: string, ...rest: unknown[]) =>
            tensorModule.hasBackend(name) ? undefined : (registerBackend as (...a: unknown[]) => void)(name, ...rest),
          trek: umbrella,
          x,
          y: randn([2, 3]),
          w: randn([3, 4]),
          labels,
          model,
          optimizer: new optimModule.SGD(model.parameters(), { lr: 0.1 }),
          loader: new dataModule.DataLoader(new dataModule.TensorDataset(x, labels), { batchSize: 2 }),
          path: join(folder, `snippet-${i}.safetensors`),
        });
        if (/\bpath\b/.test(body) && /\bload\(path/.test(body)) nnModule.save(model.stateDict(), context.path as string);
        const js = ts.transpileModule(body, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText;
        const names = Object.keys(context);
        const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => (...values: unknown[]) => Promise<unknown>;
        const log = console.log;
        console.log = () => undefined; // snippets print; the test only cares that they run
        try {
          // A block of its own, so a program's declarations may shadow the shared names.
          await new AsyncFunction(...names, `{\n${js}\n}`)(...names.map((n) => context[n]));
        } catch (error) {
          failures.push(`${where}: \`${code.split("\n")[0]}\`: ${(error as Error).message}`);
        } finally {
          console.log = log;
        }
      }
    } finally {
      process.chdir(cwd);
      rmSync(folder, { recursive: true, force: true });
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
