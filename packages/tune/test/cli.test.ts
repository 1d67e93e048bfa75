import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { JournalFileStorage, RandomSampler, createStudy, runCli, setLogLevel } from "../src/index.js";

let directory: string;
let path: string;

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const stderr = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => ((err += String(chunk)), true));
  try {
    const code = await runCli(args, (text) => (out += text));
    return { code, out, err };
  } finally {
    stderr.mockRestore();
  }
}

beforeAll(async () => {
  setLogLevel("silent");
  directory = mkdtempSync(join(tmpdir(), "trek-tune-cli-"));
  path = join(directory, "study.log");
  const storage = new JournalFileStorage(path);
  const study = await createStudy({ storage, studyName: "mnist-mlp", sampler: new RandomSampler({ seed: 1 }) });
  // Values 4, 3, 2 (x = 2, 1, 0 hit by enqueueing): the best is trial 2 with value 2.
  for (const x of [2, 1, 0]) await study.enqueueTrial({ x });
  await study.optimize((trial) => trial.suggestInt("x", 0, 5) + 2, { nTrials: 3 });
  await createStudy({ storage, studyName: "pareto", directions: ["minimize", "maximize"] });
  await storage.close();
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe("trek-tune", () => {
  it("studies lists every study with its best value", async () => {
    const { code, out } = await cli("studies", "--storage", `journal:${path}`);
    expect(code).toBe(0);
    const lines = out.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^name\s+directions\s+trials\s+complete\s+best_value\s+created$/);
    expect(lines[2]).toMatch(/^mnist-mlp\s+minimize\s+3\s+3\s+2\s+\d{4}-/);
    expect(lines[3]).toMatch(/^pareto\s+minimize,maximize\s+0\s+0\s+\d{4}-/);
  });

  it("trials prints a table, CSV or JSON", async () => {
    const table = await cli("trials", "--storage", `journal:${path}`, "--study-name", "mnist-mlp");
    expect(table.code).toBe(0);
    expect(table.out.split("\n")[0]).toMatch(/^number\s+value\s+duration\s+params_x\s+state\s+fail_reason$/);
    expect(table.out).toMatch(/\n2\s+2\s+[0-9.]+\s+0\s+complete/);
    const csv = await cli("trials", "--storage", `journal:${path}`, "--study-name", "mnist-mlp", "--format", "csv");
    expect(csv.out.split("\r\n")[0]).toBe("number,value,datetime_start,datetime_complete,duration,params_x,state,fail_reason");
    const json = JSON.parse((await cli("trials", "--storage", `journal:${path}`, "--study-name=mnist-mlp", "--format", "json")).out);
    expect(json.trials.map((t: { values: number[] }) => t.values[0])).toEqual([4, 3, 2]);
  });

  it("best shows the best trial", async () => {
    const { code, out } = await cli("best", "--storage", `journal:${path}`, "--study-name", "mnist-mlp", "--format", "json");
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ number: 2, values: [2], params: { x: 0 }, state: "complete" });
  });

  it("export writes CSV or JSON to a file", async () => {
    const output = join(directory, "trials.csv");
    const { code, out } = await cli("export", "--storage", `journal:${path}`, "--study-name", "mnist-mlp", "--output", output);
    expect(code).toBe(0);
    expect(out).toBe(`wrote 3 trials of "mnist-mlp" to ${output}\n`);
    expect(readFileSync(output, "utf8").split("\r\n").length).toBe(5); // header, 3 rows, final newline
  });

  it("explains usage errors (exit 2) and storage errors (exit 1)", async () => {
    expect((await cli("trials")).code).toBe(2);
    const unknown = await cli("frobnicate", "--storage", "memory:");
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown command "frobnicate"');
    const ambiguous = await cli("trials", "--storage", `journal:${path}`);
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.err).toContain('the storage holds 2 studies; pass studyName (one of "mnist-mlp", "pareto")');
    const missing = await cli("best", "--storage", `journal:${path}`, "--study-name", "nope");
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('no study named "nope"');
    expect((await cli("--help")).code).toBe(0);
  });

  it("runs as an executable", () => {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
    const bin = fileURLToPath(new URL("../src/bin.ts", import.meta.url));
    const result = spawnSync(process.execPath, ["--import", tsx, bin, "studies", "--storage", `journal:${path}`, "--format", "json"], { encoding: "utf8" });
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).map((s: { name: string }) => s.name)).toEqual(["mnist-mlp", "pareto"]);
    const built = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
    if (!existsSync(built)) {
      console.warn("[@trek/tune] dist/cli.js not built; run `pnpm --filter @trek/tune build` to test the packaged executable too");
      return;
    }
    expect(readFileSync(built, "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);
    const packaged = spawnSync(process.execPath, [built, "best", "--storage", `journal:${path}`, "--study-name", "mnist-mlp"], { encoding: "utf8" });
    expect(packaged.status, packaged.stderr).toBe(0);
    expect(packaged.stdout).toMatch(/\n2\s+2\s/);
  });
});
