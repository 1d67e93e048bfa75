/** Runs torch_bench.py (Debian's python3-torch) for a group of workloads and reads its rows. */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Clock } from "../lib/bench.js";
import { specByName, type Row } from "./workloads.js";

const script = fileURLToPath(new URL("./torch_bench.py", import.meta.url));
let python = "python3";
let available: { version: string; blas: string } | null | undefined;

/**
 * PyTorch's version and BLAS, or null when no Python here imports torch. Tries
 * TREK_BENCH_PYTHON, then python3 on the PATH, then the system's /usr/bin/python3 (Debian's
 * python3-torch installs there, which a pyenv or venv on the PATH hides).
 */
export function torchInfo(): { version: string; blas: string } | null {
  if (available !== undefined) return available;
  const candidates = [process.env.TREK_BENCH_PYTHON, "python3", "/usr/bin/python3"].filter((p): p is string => !!p);
  for (const candidate of candidates) {
    const probe = spawnSync(candidate, ["-c", "import torch, os; print(torch.__version__); print(os.path.realpath('/etc/alternatives/libblas.so.3-x86_64-linux-gnu'))"], {
      encoding: "utf8",
    });
    if (probe.status !== 0) continue;
    python = candidate;
    const [version, blas] = probe.stdout.trim().split("\n");
    available = { version: version ?? "?", blas: blas ?? "?" };
    return available;
  }
  available = null;
  return available;
}

function env(threads: number): NodeJS.ProcessEnv {
  return { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) };
}

export function torchWorkloads(group: string, threads: number, clock: Clock): Row[] {
  const run = spawnSync(python, [script, "--threads", String(threads), "--workloads", group, "--clock", clock], {
    encoding: "utf8",
    env: env(threads),
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`torch_bench.py ${group} failed: ${run.stderr.slice(-2000)}`);
  const rows: Row[] = [];
  for (const line of run.stdout.split("\n")) {
    if (!line.startsWith("{")) continue;
    const parsed = JSON.parse(line) as { workload?: string; samples?: number[]; note?: string };
    const spec = parsed.workload ? specByName(parsed.workload) : undefined;
    if (spec && parsed.samples) rows.push({ ...spec, samples: parsed.samples, note: parsed.note });
  }
  return rows;
}

/** Exports the ONNX models onnxruntime-node runs (with PyTorch), unless they are already there. */
export function exportOnnxModels(directory: string, withTorch: boolean): boolean {
  if (["cnn", "resnet18", "matmul-2048", "add", "sum"].every((name) => existsSync(join(directory, `${name}.onnx`)))) return true;
  if (!withTorch) return false;
  const run = spawnSync(python, [script, "--export-onnx", directory], { encoding: "utf8", env: env(1) });
  return run.status === 0;
}
