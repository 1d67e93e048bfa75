/**
 * The demo's ONNX step: export the trained model, import it back and check that both give the
 * same outputs. It runs once an `@trek/onnx` package is installed in the workspace; until then
 * it reports itself as skipped. Fill in `roundTrip` with that package's export/import calls.
 */
import type { Tensor } from "@trek/tensor";
import type { Module } from "@trek/nn";

export type OnnxStatus = { status: "skipped"; reason: string } | { status: "ok"; path: string; maxDifference: number };

async function loadOnnxPackage(): Promise<Record<string, unknown> | null> {
  const name = "@trek/onnx"; // not a static import: the package may not exist yet
  try {
    return (await import(name)) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** Exports `model` to `path`, re-imports it and compares outputs on `sample`. */
export async function onnxRoundTrip(model: Module, sample: Tensor, path: string): Promise<OnnxStatus> {
  const onnx = await loadOnnxPackage();
  if (!onnx) return { status: "skipped", reason: "@trek/onnx is not installed yet" };
  const exportModel = onnx.exportOnnx as ((m: Module, example: Tensor, file: string) => Promise<void>) | undefined;
  const importModel = onnx.importOnnx as ((file: string) => Promise<Module>) | undefined;
  if (typeof exportModel !== "function" || typeof importModel !== "function") {
    return { status: "skipped", reason: "@trek/onnx does not export exportOnnx/importOnnx as this demo expects; update onnx-roundtrip.ts" };
  }
  await exportModel(model, sample, path);
  const imported = await importModel(path);
  const original = model.eval().call(sample) as Tensor;
  const reloaded = imported.eval().call(sample) as Tensor;
  const difference = await original.sub(reloaded).abs().max().item();
  return { status: "ok", path, maxDifference: difference };
}
