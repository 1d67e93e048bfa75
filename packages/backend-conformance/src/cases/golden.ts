/**
 * Golden cases: the backend under test (and its primitives-only view) against values PyTorch
 * computed, from the committed fixtures. Cases are grouped per op and dtype.
 */
import type { ActivationOp, BinaryOp, DType, Tensor, UnaryOp } from "@trek/tensor";
import {
  avgPool2d,
  avgPool2dBackward,
  conv2d,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  conv2dParams,
  isFloatingPoint,
  layerNorm,
  maxPool2d,
  maxPool2dBackward,
  pool2dParams,
} from "@trek/tensor";
import type { HostTensor } from "../compare.js";
import { testCase, type Case } from "../case.js";
import { golden, type GoldenSpec, type OpOutput } from "../harness.js";
import type { InputSpec } from "../inputs.js";
import { expectedOutputs, FIXTURE_FILES, loadFixtures, type FixtureCase, type FixtureTensor } from "../fixtures.js";
import { BINARY_CALLS, DERIVED_BINARY_CALLS, UNARY_CALLS, callActivation } from "../op-calls.js";

type Attrs = Readonly<Record<string, unknown>>;

const num = (attrs: Attrs, key: string): number => attrs[key] as number;
const dims = (attrs: Attrs): number[] | null => (attrs.dims as number[] | null | undefined) ?? null;
const pair = (attrs: Attrs, key: string): [number, number] | undefined => attrs[key] as [number, number] | undefined;

/** Runs a fixture op on tensors named as in the fixture; returns named outputs. */
function runFixtureOp(op: string, attrs: Attrs, t: Record<string, Tensor>): OpOutput {
  const [family, name] = op.includes(":") ? (op.split(":") as [string, string]) : ["", op];
  switch (family) {
    case "unary":
      return { y: UNARY_CALLS[name as UnaryOp](t.x!) };
    case "binary": {
      const call = BINARY_CALLS[name as BinaryOp] ?? DERIVED_BINARY_CALLS[name];
      if (!call) throw new Error(`unknown binary fixture op ${name}`);
      return { y: call(t.a!, t.b!) };
    }
    case "activation":
      return { y: callActivation(name as ActivationOp, t.x!, attrs.alpha as number | undefined) };
  }
  const x = t.x!;
  switch (op) {
    case "sum":
      return { y: x.sum(dims(attrs)) };
    case "mean":
      return { y: x.mean(dims(attrs)) };
    case "amax":
      return { y: x.amax(dims(attrs)) };
    case "amin":
      return { y: x.amin(dims(attrs)) };
    case "prod":
      return { y: x.prod(attrs.dim as number | null) };
    case "var":
      return { y: x.var(dims(attrs), { correction: num(attrs, "correction") }) };
    case "std":
      return { y: x.std(dims(attrs), { correction: num(attrs, "correction") }) };
    case "logsumexp":
      return { y: x.logsumexp(dims(attrs)!) };
    case "cumsum":
      return { y: x.cumsum(num(attrs, "dim")) };
    case "argmax":
      return { y: x.argmax(num(attrs, "dim")) };
    case "argmin":
      return { y: x.argmin(num(attrs, "dim")) };
    case "softmax":
      return { y: x.softmax(num(attrs, "dim")) };
    case "logSoftmax":
      return { y: x.logSoftmax(num(attrs, "dim")) };
    case "conv2d": {
      const weight = t.weight!;
      const bias = t.bias ?? null;
      const params = conv2dParams(x, weight, {
        stride: pair(attrs, "stride")!,
        padding: pair(attrs, "padding")!,
        dilation: pair(attrs, "dilation")!,
        groups: num(attrs, "groups"),
      });
      const out: Record<string, Tensor> = {
        y: conv2d(x, weight, bias, params),
        dx: conv2dBackwardInput(t.dy!, weight, x.shape, params),
        dweight: conv2dBackwardWeight(t.dy!, x, weight.shape, params),
      };
      if (bias) out.dbias = t.dy!.sum([0, 2, 3]);
      return out;
    }
    case "maxPool2d": {
      const { params, oh, ow } = pool2dParams(x, poolOptions(attrs), "maxPool2d");
      const { values, indices } = maxPool2d(x, params, oh, ow);
      const out: Record<string, Tensor> = { y: values, indices: indices.long() };
      if (t.dy) out.dx = maxPool2dBackward(t.dy, indices, x.shape, params);
      return out;
    }
    case "avgPool2d": {
      const { params, oh, ow } = pool2dParams(x, poolOptions(attrs), "avgPool2d");
      return { y: avgPool2d(x, params, oh, ow), dx: avgPool2dBackward(t.dy!, x.shape, params) };
    }
    case "sort": {
      const { values, indices } = x.sort(num(attrs, "dim"), attrs.descending as boolean);
      return { values, indices };
    }
    case "topk": {
      const { values, indices } = x.topk(num(attrs, "k"), num(attrs, "dim"), attrs.largest as boolean);
      return { values, indices };
    }
    case "layerNorm":
      return { y: layerNorm(x, attrs.normalizedShape as number[], t.weight ?? null, t.bias ?? null, num(attrs, "eps")) };
    case "matmul":
      return { y: t.a!.matmul(t.b!) };
    case "gather":
      return { y: x.gather(num(attrs, "dim"), t.index!) };
    case "scatter":
      return { y: x.scatter(num(attrs, "dim"), t.index!, t.src!) };
    case "scatterAdd":
      return { y: x.scatterAdd(num(attrs, "dim"), t.index!, t.src!) };
    case "indexSelect":
      return { y: x.indexSelect(num(attrs, "dim"), t.index!) };
  }
  throw new Error(`unknown fixture op ${op}`);
}

function poolOptions(attrs: Attrs) {
  return {
    kernelSize: pair(attrs, "kernelSize")!,
    stride: pair(attrs, "stride") ?? null,
    padding: pair(attrs, "padding")!,
    dilation: pair(attrs, "dilation") ?? [1, 1],
    ceilMode: attrs.ceilMode as boolean,
    countIncludePad: (attrs.countIncludePad as boolean | undefined) ?? true,
  } as const;
}

/** The dtype a fixture tensor takes in a case run in `dtype`. */
function fixtureDType(t: FixtureTensor, dtype: DType): DType {
  if (t.dtype === "bool") return "bool";
  if (t.dtype === "int64") return isFloatingPoint(dtype) ? "int64" : dtype;
  return dtype;
}

function toHost(t: FixtureTensor, dtype: DType): HostTensor {
  const d = fixtureDType(t, dtype);
  const data = d === "int64" ? t.data.map((v) => BigInt(v)) : t.data;
  return { dtype: d, shape: t.shape, data };
}

/** Short op name for ids: "unary:exp" → "exp". */
function opName(op: string): string {
  return op.includes(":") ? op.split(":")[1]! : op;
}

function goldenSpec(c: FixtureCase, dtype: DType): GoldenSpec {
  const names = Object.keys(c.inputs);
  const inputs: InputSpec[] = names.map((name) => {
    const t = c.inputs[name]!;
    return { shape: t.shape, dtype: fixtureDType(t, dtype), values: t.data };
  });
  const expected: Record<string, HostTensor> = {};
  for (const [name, t] of Object.entries(expectedOutputs(c, dtype))) expected[name] = toHost(t, dtype);
  return {
    op: opName(c.op),
    variant: c.name,
    inputs,
    fn: (...xs) => runFixtureOp(c.op, c.attrs, Object.fromEntries(names.map((n, i) => [n, xs[i]!]))),
    expected,
    ...(c.toleranceScale !== undefined ? { toleranceScale: c.toleranceScale } : {}),
  };
}

/** Every golden case, one per op and dtype. */
export function goldenCases(): Case[] {
  const groups = new Map<string, { op: string; dtype: DType; specs: GoldenSpec[]; needs: Set<DType> }>();
  for (const file of FIXTURE_FILES) {
    for (const c of loadFixtures(file)) {
      for (const dtype of c.dtypes) {
        const op = opName(c.op);
        const key = `${op}/${dtype}`;
        let group = groups.get(key);
        if (!group) groups.set(key, (group = { op, dtype, specs: [], needs: new Set() }));
        const spec = goldenSpec(c, dtype);
        group.specs.push(spec);
        for (const s of spec.inputs) if (s.dtype !== dtype) group.needs.add(s.dtype);
        for (const e of Object.values(spec.expected)) if (e.dtype !== dtype) group.needs.add(e.dtype);
      }
    }
  }
  return [...groups.values()].map(({ op, dtype, specs, needs }) =>
    testCase("golden", op, dtype, (ctx, id) => golden(ctx, id, specs), [...needs]),
  );
}
