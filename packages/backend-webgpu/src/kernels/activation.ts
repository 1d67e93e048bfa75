/** Activation functions as elementwise kernels over strided float views (other dtypes decline). */
import type { ActivationOp, View } from "@trek/tensor";
import type { GpuRuntime } from "../runtime.js";
import { storageFormat } from "../storage-format.js";
import { floatWord } from "../strided-layout.js";
import { runMap } from "../primitives/map-kernel.js";

interface Activation {
  readonly f: (v: string, alpha: string) => string;
  readonly snippets?: readonly string[];
}

const SOFTPLUS = (v: string, beta: string): string =>
  `select(log1p_precise(exp_precise(${beta} * ${v})) / ${beta}, ${v}, ${beta} * ${v} > 20.0)`;

const ACTIVATIONS: Record<ActivationOp, Activation> = {
  relu: { f: (v) => `select(0.0, ${v}, ${v} > 0.0 || is_nan(${v}))` },
  sigmoid: { f: (v) => `1.0 / (1.0 + exp_precise(-${v}))`, snippets: ["exp_precise"] },
  silu: { f: (v) => `${v} / (1.0 + exp_precise(-${v}))`, snippets: ["exp_precise"] },
  gelu: { f: (v) => `0.5 * ${v} * (1.0 + erf_precise(${v} * 0.707106781))`, snippets: ["erf_precise"] },
  geluTanh: {
    f: (v) => `0.5 * ${v} * (1.0 + tanh_precise(0.797884561 * (${v} + 0.044715 * ${v} * ${v} * ${v})))`,
    snippets: ["tanh_precise"],
  },
  softplus: { f: (v, a) => SOFTPLUS(v, a), snippets: ["exp_precise", "log_precise"] },
  elu: { f: (v, a) => `select(${a} * expm1_precise(${v}), ${v}, ${v} > 0.0)`, snippets: ["expm1_precise"] },
  selu: {
    f: (v) => `1.05070099 * select(1.67326324 * expm1_precise(${v}), ${v}, ${v} > 0.0)`,
    snippets: ["expm1_precise"],
  },
  leakyRelu: { f: (v, a) => `select(${v} * ${a}, ${v}, ${v} > 0.0)` },
  hardtanh: { f: (v) => `select(select(${v}, 1.0, ${v} > 1.0), -1.0, ${v} < -1.0)` },
  mish: { f: (v) => `${v} * tanh_precise(${SOFTPLUS(v, "1.0")})`, snippets: ["exp_precise", "log_precise", "tanh_precise"] },
};

export function activation(runtime: GpuRuntime, op: ActivationOp, x: View, out: View, alpha: number): boolean {
  const fn = ACTIVATIONS[op];
  if (!fn || storageFormat(x.dtype).family !== "float") return false;
  runMap(runtime, {
    key: `activation.${op}`,
    inputs: [{ name: "x", view: x }],
    out,
    extraWords: [floatWord(alpha)],
    expression: ([v], extra) => fn.f(v!, `pf(${extra(0)})`),
    snippets: fn.snippets,
  });
  return true;
}
