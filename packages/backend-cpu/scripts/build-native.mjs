// Builds the optional native kernels (native/kernels.c → native/build/trek-cpu.node) when this
// machine can: x86-64, a C compiler, and Node's headers. Never fails the install or build:
// without the native kernels the WebAssembly ones run. TREK_CPU_NATIVE=0 skips the build.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync } from "node:fs";
import { arch } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const say = (message) => console.log(`@trek/backend-cpu: ${message}`);

function headers() {
  const candidates = [
    process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, "include", "node"),
    join(dirname(dirname(process.execPath)), "include", "node"),
    "/usr/include/node",
    "/usr/local/include/node",
  ].filter(Boolean);
  return candidates.find((dir) => existsSync(join(dir, "node_api.h")));
}

function main() {
  if (process.env.TREK_CPU_NATIVE === "0") return say("native kernels skipped (TREK_CPU_NATIVE=0)");
  if (arch() !== "x64") return say(`no native kernels for ${arch()}; the WebAssembly kernels are used`);
  const include = headers();
  if (!include) return say("Node's headers (node_api.h) not found; the WebAssembly kernels are used");
  const compiler = process.env.CC || "cc";
  const outDir = join(root, "native", "build");
  mkdirSync(outDir, { recursive: true });
  const temporary = join(outDir, `trek-cpu.${process.pid}.node`);
  const args = ["-O3", "-mavx2", "-mfma", "-fPIC", "-shared", "-pthread", "-std=c11", "-D_GNU_SOURCE", `-I${include}`, join(root, "native", "kernels.c"), "-o", temporary];
  const result = spawnSync(compiler, args, { encoding: "utf8" });
  if (result.error || result.status !== 0) {
    return say(`native kernels not built (${result.error ? `${compiler} not found` : result.stderr.trim().split("\n")[0]}); the WebAssembly kernels are used`);
  }
  renameSync(temporary, join(outDir, "trek-cpu.node")); // atomic: a concurrent load never sees half a file
  say("built native kernels (native/build/trek-cpu.node)");
}

main();
