/**
 * gradcheck: compares analytic gradients (backward) with central finite differences, like
 * `torch.autograd.gradcheck`. Inputs that require grad should be float64.
 */
import { Tensor, tensor } from "@trek/tensor";
import { noGrad } from "./grad-mode.js";
import { grad } from "./engine.js";

export interface GradcheckOptions {
  /** Finite-difference step. */
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Throw a descriptive error on mismatch (default) instead of returning false. */
  raiseException?: boolean;
}

type Fn = (...inputs: Tensor[]) => Tensor | readonly Tensor[];

function outputsOf(fn: Fn, inputs: Tensor[]): Tensor[] {
  const result = fn(...inputs);
  return (Array.isArray(result) ? result : [result]).filter((t: Tensor) => t.isFloatingPoint()) as Tensor[];
}

function flatValues(t: Tensor): Float64Array {
  return Float64Array.from(t.dataSync() as ArrayLike<number>);
}

/** Writes flat values into a (possibly strided) tensor in logical order. */
function overwrite(target: Tensor, values: Float64Array): void {
  noGrad(() => {
    const source = tensor(values, { dtype: target.dtype, device: target.device, shape: target.shape });
    target.copy_(source);
    source.dispose();
  });
}

/**
 * True when every analytic gradient of `fn` matches central differences within
 * `atol + rtol·|numeric|`. Throws with the worst mismatch otherwise (unless raiseException is false).
 */
export function gradcheck(fn: Fn, inputs: readonly Tensor[], options: GradcheckOptions = {}): boolean {
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-5;
  const rtol = options.rtol ?? 1e-3;
  const raise = options.raiseException ?? true;
  const list = [...inputs];
  const differentiable = list.filter((t) => t.requiresGrad);
  if (differentiable.length === 0) throw new Error("gradcheck: no input requires grad");
  for (const t of differentiable) {
    if (t.dtype !== "float64") {
      console.warn(`gradcheck: input of dtype ${t.dtype} is not float64; finite differences will be imprecise`);
    }
  }
  // Analytic Jacobian: one backward pass per output element.
  const outputs = outputsOf(fn, list);
  const outputSizes = outputs.map((o) => o.numel());
  const totalOut = outputSizes.reduce((a, b) => a + b, 0);
  const analytic = differentiable.map((t) => new Float64Array(t.numel() * totalOut));
  let row = 0;
  for (let o = 0; o < outputs.length; o++) {
    for (let j = 0; j < outputSizes[o]!; j++, row++) {
      const gradOutputs = outputs.map((out, k) => {
        const seed = new Float64Array(out.numel());
        if (k === o) seed[j] = 1;
        return tensor(seed, { dtype: out.dtype, device: out.device, shape: out.shape });
      });
      const grads = grad(outputs, differentiable, { gradOutputs, retainGraph: true, allowUnused: true });
      grads.forEach((g, i) => {
        if (!g) return;
        const values = flatValues(g);
        const n = differentiable[i]!.numel();
        for (let e = 0; e < n; e++) analytic[i]![e * totalOut + row] = values[e]!;
        g.dispose();
      });
      for (const s of gradOutputs) s.dispose();
    }
  }
  // Numeric Jacobian: perturb each input element both ways.
  const numeric = differentiable.map((t) => new Float64Array(t.numel() * totalOut));
  differentiable.forEach((t, i) => {
    const original = flatValues(t);
    const perturbed = original.slice();
    for (let e = 0; e < original.length; e++) {
      perturbed[e] = original[e]! + eps;
      overwrite(t, perturbed);
      const plus = outputsOf(fn, list).map(flatValues);
      perturbed[e] = original[e]! - eps;
      overwrite(t, perturbed);
      const minus = outputsOf(fn, list).map(flatValues);
      perturbed[e] = original[e]!;
      let r = 0;
      for (let o = 0; o < plus.length; o++) {
        for (let j = 0; j < plus[o]!.length; j++, r++) numeric[i]![e * totalOut + r] = (plus[o]![j]! - minus[o]![j]!) / (2 * eps);
      }
    }
    overwrite(t, original);
  });
  for (let i = 0; i < differentiable.length; i++) {
    const a = analytic[i]!;
    const n = numeric[i]!;
    for (let k = 0; k < a.length; k++) {
      const diff = Math.abs(a[k]! - n[k]!);
      if (!(diff <= atol + rtol * Math.abs(n[k]!))) {
        const element = Math.floor(k / totalOut);
        const out = k % totalOut;
        const message =
          `gradcheck: Jacobian mismatch for input ${i} (shape [${differentiable[i]!.shape.join(", ")}]), ` +
          `element ${element}, output element ${out}: analytic ${a[k]} vs numeric ${n[k]} ` +
          `(|diff| ${diff.toExponential(3)} > atol ${atol} + rtol ${rtol}·|numeric|)`;
        if (raise) throw new GradcheckError(message);
        return false;
      }
    }
  }
  return true;
}

/** Raised by gradcheck when analytic and numeric gradients disagree. */
export class GradcheckError extends Error {
  override name = "GradcheckError";
}

/**
 * Checks second derivatives: gradcheck of the function mapping inputs to their gradients
 * (computed with createGraph) against fixed random output gradients.
 */
export function gradgradcheck(fn: Fn, inputs: readonly Tensor[], options: GradcheckOptions = {}): boolean {
  const list = [...inputs];
  const outputs = outputsOf(fn, list);
  const seeds = outputs.map((o) => {
    const values = new Float64Array(o.numel());
    for (let k = 0; k < values.length; k++) values[k] = Math.sin(1.7 * k + 0.3); // fixed, non-trivial
    return tensor(values, { dtype: o.dtype, device: o.device, shape: o.shape });
  });
  const differentiable = list.filter((t) => t.requiresGrad);
  const gradientsOf = (...xs: Tensor[]): Tensor[] => {
    const outs = outputsOf(fn, xs);
    const required = xs.filter((t) => t.requiresGrad);
    return grad(outs, required, { gradOutputs: seeds, createGraph: true, allowUnused: true }).map(
      (g, i) => g ?? required[i]!.mul(0),
    );
  };
  void differentiable;
  return gradcheck(gradientsOf, list, options);
}
