/**
 * Golden fixtures: JSON files written by scripts/fixtures/generate_conformance_fixtures.py with
 * PyTorch, shipped in the package's fixtures/ folder.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { DType } from "@trek/tensor";

/** A fixture tensor: shape and row-major values (float64 unless `dtype` says otherwise). */
export interface FixtureTensor {
  readonly shape: readonly number[];
  readonly data: readonly number[];
  readonly dtype?: "int64" | "bool";
}

export interface FixtureCase {
  readonly name: string;
  /** What to run, e.g. "unary:exp", "conv2d". */
  readonly op: string;
  readonly attrs: Readonly<Record<string, unknown>>;
  /** Dtypes the case is checked in. */
  readonly dtypes: readonly DType[];
  readonly toleranceScale?: number;
  readonly inputs: Readonly<Record<string, FixtureTensor>>;
  /** Expected outputs for every dtype, unless `outputsByDType` gives them per dtype. */
  readonly outputs?: Readonly<Record<string, FixtureTensor>>;
  readonly outputsByDType?: Readonly<Record<string, Readonly<Record<string, FixtureTensor>>>>;
}

/** The fixture files, one per op family. */
export const FIXTURE_FILES = [
  "elementwise.json",
  "activations.json",
  "reductions.json",
  "convolution.json",
  "pooling.json",
  "sorting.json",
  "normalization.json",
  "linalg-indexing.json",
] as const;

export type FixtureFile = (typeof FIXTURE_FILES)[number];

/** The fixtures folder (next to src/ and dist/ alike). */
export function fixturesDirectory(): string {
  return fileURLToPath(new URL("../fixtures/", import.meta.url));
}

const SPECIAL: Record<string, number> = { NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, "-Infinity": Number.NEGATIVE_INFINITY };

interface RawTensor {
  shape: number[];
  data: (number | string)[];
  dtype?: "int64" | "bool";
}

interface RawCase {
  name: string;
  op: string;
  attrs?: Record<string, unknown>;
  dtypes: DType[];
  toleranceScale?: number;
  inputs: Record<string, RawTensor | string>;
  outputs?: Record<string, RawTensor>;
  outputs_by_dtype?: Record<string, Record<string, RawTensor>>;
}

function decodeTensor(raw: RawTensor, where: string): FixtureTensor {
  const data = raw.data.map((v) => {
    if (typeof v === "number") return v;
    const special = SPECIAL[v];
    if (special === undefined) throw new Error(`${where}: unexpected value ${JSON.stringify(v)}`);
    return special;
  });
  let numel = 1;
  for (const s of raw.shape) numel *= s;
  if (numel !== data.length) throw new Error(`${where}: shape [${raw.shape.join(", ")}] does not hold ${data.length} values`);
  return raw.dtype ? { shape: raw.shape, data, dtype: raw.dtype } : { shape: raw.shape, data };
}

function decodeGroup(group: Record<string, RawTensor>, where: string): Record<string, FixtureTensor> {
  const out: Record<string, FixtureTensor> = {};
  for (const [name, raw] of Object.entries(group)) out[name] = decodeTensor(raw, `${where} ${name}`);
  return out;
}

const cache = new Map<string, FixtureCase[]>();

/** Loads and decodes one fixture file. */
export function loadFixtures(file: FixtureFile): FixtureCase[] {
  const cached = cache.get(file);
  if (cached) return cached;
  const path = `${fixturesDirectory()}${file}`;
  let parsed: { shared?: Record<string, RawTensor>; cases: RawCase[] };
  try {
    parsed = JSON.parse(readFileSync(path, "utf8")) as typeof parsed;
  } catch (err) {
    throw new Error(`conformance fixtures: cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const shared = parsed.shared ?? {};
  const cases = parsed.cases.map((raw): FixtureCase => {
    const where = `${file} "${raw.name}"`;
    const inputs: Record<string, FixtureTensor> = {};
    for (const [name, value] of Object.entries(raw.inputs)) {
      if (typeof value === "string") {
        const ref = shared[value.slice(1)];
        if (!value.startsWith("@") || !ref) throw new Error(`${where}: unknown shared input ${value}`);
        inputs[name] = decodeTensor(ref, `${where} ${name}`);
      } else inputs[name] = decodeTensor(value, `${where} ${name}`);
    }
    const byDType = raw.outputs_by_dtype
      ? Object.fromEntries(Object.entries(raw.outputs_by_dtype).map(([d, g]) => [d, decodeGroup(g, `${where} ${d}`)]))
      : undefined;
    return {
      name: raw.name,
      op: raw.op,
      attrs: raw.attrs ?? {},
      dtypes: raw.dtypes,
      ...(raw.toleranceScale !== undefined ? { toleranceScale: raw.toleranceScale } : {}),
      inputs,
      ...(raw.outputs ? { outputs: decodeGroup(raw.outputs, where) } : {}),
      ...(byDType ? { outputsByDType: byDType } : {}),
    };
  });
  cache.set(file, cases);
  return cases;
}

/** The expected outputs of a case in a dtype. */
export function expectedOutputs(c: FixtureCase, dtype: DType): Readonly<Record<string, FixtureTensor>> {
  const specific = c.outputsByDType?.[dtype];
  if (specific) return specific;
  if (c.outputs) return c.outputs;
  // 16-bit floats follow the float32 results when only per-dtype outputs exist.
  const fallback = c.outputsByDType?.float32;
  if (!fallback) throw new Error(`fixture "${c.name}" has no expected outputs for ${dtype}`);
  return fallback;
}
