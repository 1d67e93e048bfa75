/** Test helpers: reading the PyTorch fixtures and comparing tensors with them. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { Tensor, tensor, type DType } from "@trek/tensor";
import type { Module } from "@trek/nn";

/** A tensor as the fixture script writes it. */
export interface FixtureTensor {
  shape: number[];
  data: (number | string)[];
  dtype?: "int64" | "bool";
}

/** One case written by `run_module` in scripts/fixtures/torch_nn.py. */
export interface FixtureCase {
  module: Record<string, unknown>;
  state: Record<string, FixtureTensor>;
  inputs: Record<string, FixtureTensor>;
  outputs: Record<string, FixtureTensor>;
  upstream: Record<string, FixtureTensor>;
  grads: Record<string, FixtureTensor>;
}

export const FIXTURE_DIR = fileURLToPath(new URL("./fixtures/", import.meta.url));

/** The cases of one fixture family (linear, conv, …). */
export function loadFixtures<C = FixtureCase>(family: string): Record<string, C> {
  const text = readFileSync(`${FIXTURE_DIR}${family}.json`, "utf8");
  return (JSON.parse(text) as { cases: Record<string, C> }).cases;
}

function decode(v: number | string): number {
  if (typeof v === "number") return v;
  if (v === "NaN") return Number.NaN;
  if (v === "Infinity") return Number.POSITIVE_INFINITY;
  if (v === "-Infinity") return Number.NEGATIVE_INFINITY;
  return Number(v);
}

/** A tensor from fixture data; floats take `dtype`. */
export function fromFixture(t: FixtureTensor, dtype: DType = "float32", requiresGrad = false): Tensor {
  if (t.dtype === "int64") return tensor(BigInt64Array.from(t.data, (v) => BigInt(v)), { shape: t.shape });
  if (t.dtype === "bool") return tensor(Uint8Array.from(t.data, decode), { shape: t.shape, dtype: "bool" });
  return tensor(Float64Array.from(t.data, decode), { shape: t.shape, dtype, requiresGrad });
}

/** A state dict from fixture data (float tensors in `dtype`). */
export function stateFromFixture(state: Record<string, FixtureTensor>, dtype: DType = "float32"): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(state).map(([k, v]) => [k, fromFixture(v, dtype)]));
}

/** Tolerances per dtype: float32 runs against float64 references, float64 runs much tighter. */
export function tolerance(dtype: DType): { atol: number; rtol: number } {
  return dtype === "float64" ? { atol: 1e-9, rtol: 0 } : { atol: 1e-5, rtol: 0 };
}

/**
 * Checks |actual − expected| ≤ atol + rtol·|expected| elementwise (NaN matches NaN), and the
 * shape; the message names the case, the first bad element and the worst error.
 */
export function expectClose(actual: Tensor, expected: FixtureTensor, options: { atol: number; rtol: number }, label: string): void {
  expect(actual.shape, `${label}: shape`).toEqual(expected.shape);
  const got = Array.from(actual.to("float64").dataSync() as ArrayLike<number>);
  const want = expected.data.map(decode);
  let worst = 0;
  let firstBad = -1;
  for (let i = 0; i < want.length; i++) {
    const a = got[i]!;
    const b = want[i]!;
    if (Number.isNaN(b) && Number.isNaN(a)) continue;
    if (a === b) continue;
    const error = Math.abs(a - b);
    const limit = options.atol + options.rtol * Math.abs(b);
    if (!(error <= limit)) {
      if (firstBad < 0) firstBad = i;
      worst = Math.max(worst, Number.isNaN(error) ? Infinity : error);
    }
  }
  if (firstBad >= 0) {
    expect.fail(`${label}: element ${firstBad} is ${got[firstBad]}, expected ${want[firstBad]} (worst error ${worst}, atol ${options.atol}, rtol ${options.rtol})`);
  }
}

/** Exact comparison of an integer tensor with fixture data. */
export function expectEqualInts(actual: Tensor, expected: FixtureTensor, label: string): void {
  expect(actual.shape, `${label}: shape`).toEqual(expected.shape);
  expect(Array.from(actual.dataSync() as ArrayLike<number | bigint>, Number), label).toEqual(expected.data.map(decode));
}

/** Flattens a forward result like the fixture script: a tensor is "output"; tuples are out0, out1, out10, … */
export function flattenOutputs(out: unknown): Record<string, Tensor> {
  if (out instanceof Tensor) return { output: out };
  const flat: Record<string, Tensor> = {};
  const visit = (prefix: string, value: unknown): void => {
    if (value instanceof Tensor) flat[prefix] = value;
    else if (Array.isArray(value)) value.forEach((v, i) => visit(`${prefix}${i}`, v));
  };
  visit("out", out);
  return flat;
}

/**
 * Loads the fixture's state into `module` (strictly: the keys must be PyTorch's), runs
 * `forward` on the fixture's inputs, then backward of Σ output·upstream, and compares the
 * outputs, the input gradients and every parameter gradient with PyTorch's.
 */
export function checkAgainstFixture(
  name: string,
  c: FixtureCase,
  dtype: DType,
  module: Module,
  forward: (inputs: Record<string, Tensor>) => unknown,
): void {
  const tol = tolerance(dtype);
  module.to(dtype);
  module.loadStateDict(stateFromFixture(c.state, dtype));
  const inputs: Record<string, Tensor> = {};
  for (const [key, t] of Object.entries(c.inputs)) {
    inputs[key] = fromFixture(t, dtype, !t.dtype && c.grads[`input.${key}`] !== undefined);
  }
  const outputs = flattenOutputs(forward(inputs));
  expect(Object.keys(outputs).sort(), `${name}: outputs`).toEqual(Object.keys(c.outputs).sort());
  let total: Tensor | null = null;
  for (const [key, expected] of Object.entries(c.outputs)) {
    const out = outputs[key]!;
    if (expected.dtype) {
      expectEqualInts(out, expected, `${name} ${dtype} ${key}`);
      continue;
    }
    expectClose(out, expected, tol, `${name} ${dtype} ${key}`);
    const term = out.mul(fromFixture(c.upstream[key]!, dtype)).sum();
    total = total ? total.add(term) : term;
  }
  if (!total || Object.keys(c.grads).length === 0) return;
  total.backward();
  const params = new Map(module.namedParameters());
  for (const [key, expected] of Object.entries(c.grads)) {
    const source = key.startsWith("input.") ? inputs[key.slice("input.".length)] : params.get(key);
    expect(source, `${name}: no tensor for gradient ${key}`).toBeDefined();
    expect(source!.grad, `${name} ${dtype}: no gradient reached ${key}`).not.toBeNull();
    expectClose(source!.grad!, expected, tol, `${name} ${dtype} grad ${key}`);
  }
}
