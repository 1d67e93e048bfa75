/**
 * User-defined differentiable functions, like `torch.autograd.Function`:
 *
 * ```ts
 * class Cube extends AutogradFunction {
 *   static forward(ctx: FunctionContext, x: Tensor) { ctx.saveForBackward(x); return x.pow(3); }
 *   static backward(ctx: FunctionContext, dy: Tensor) { const [x] = ctx.savedTensors; return [dy.mul(x.pow(2)).mul(3)]; }
 * }
 * const y = Cube.apply(x);
 * ```
 */
import { Tensor, isTensor, zeros } from "@trek/tensor";
import { isGradEnabled, noGrad } from "./grad-mode.js";
import { createNode } from "./engine.js";
import type { GradRule } from "./rules/index.js";

/** Per-call state shared between forward and backward. */
export class FunctionContext {
  /** Which tensor inputs need a gradient. */
  needsInputGrad: boolean[] = [];
  /** Free-form values kept for backward (numbers, shapes…). */
  readonly values: Record<string, unknown> = {};
  private saved: Tensor[] = [];
  private unpack: (() => Tensor[]) | null = null;
  private nonDifferentiable = new Set<Tensor>();

  /** Keeps tensors for backward; in-place changes to them before backward are detected. */
  saveForBackward(...tensors: Tensor[]): void {
    this.saved = tensors;
  }

  /** The tensors passed to `saveForBackward` (checked for in-place modification). */
  get savedTensors(): Tensor[] {
    return this.unpack ? this.unpack() : this.saved;
  }

  /** Marks outputs that have no gradient (e.g. integer indices). */
  markNonDifferentiable(...tensors: Tensor[]): void {
    for (const t of tensors) this.nonDifferentiable.add(t);
  }

  /** @internal */
  _takeSaved(): Tensor[] {
    return this.saved;
  }
  /** @internal */
  _setUnpack(unpack: () => Tensor[]): void {
    this.unpack = unpack;
  }
  /** @internal */
  _isNonDifferentiable(t: Tensor): boolean {
    return this.nonDifferentiable.has(t);
  }
}

type Output = Tensor | Tensor[];

/**
 * Base class of custom differentiable functions; subclasses define static forward and backward.
 *
 * Gradients of gradients (`createGraph: true`) run `backward` with recording on: saved inputs
 * and outputs are then the graph's own tensors, so a backward written in tensor ops is itself
 * differentiated; other saved tensors (computed inside forward) count as constants, as in
 * PyTorch. A function whose backward cannot be differentiated sets `onceDifferentiable`.
 */
export abstract class AutogradFunction {
  /**
   * Set to a reason on a function whose backward cannot itself be differentiated (it uses values
   * computed in forward, or unrecorded kernels): gradients of gradients through it then fail with
   * that reason instead of coming out wrong (PyTorch's `once_differentiable`).
   */
  static onceDifferentiable: string | null = null;

  static forward(_ctx: FunctionContext, ..._args: unknown[]): Output {
    throw new Error(`${this.name}.forward is not implemented`);
  }

  static backward(_ctx: FunctionContext, ..._grads: Tensor[]): Tensor | null | (Tensor | null)[] {
    throw new Error(`${this.name}.backward is not implemented`);
  }

  /** Runs forward without recording, then records one node whose gradient is `backward`. */
  static apply<T extends Output = Tensor>(...args: unknown[]): T {
    const ctx = new FunctionContext();
    const tensorInputs = args.filter(isTensor);
    ctx.needsInputGrad = tensorInputs.map((t) => t.requiresGrad);
    const result = noGrad(() => this.forward(ctx, ...args));
    const outputs = Array.isArray(result) ? result : [result];
    for (const o of outputs) {
      if (!(o instanceof Tensor)) throw new TypeError(`${this.name}.forward must return a Tensor or an array of Tensors`);
    }
    if (!isGradEnabled() || !tensorInputs.some((t) => t.requiresGrad)) return result as T;
    const backward = this.backward.bind(this);
    const name = this.name || "Custom";
    const savedTensors = ctx._takeSaved();
    const differentiable = outputs.filter((o) => !ctx._isNonDifferentiable(o) && o.isFloatingPoint());
    const onceDifferentiable = this.onceDifferentiable;
    // Where each saved tensor came from: an input (index k), an output (−1 − k) or neither (null).
    const origins = savedTensors.map((t) => {
      const input = tensorInputs.indexOf(t);
      if (input >= 0) return input;
      const output = outputs.indexOf(t);
      return output >= 0 ? -1 - output : null;
    });
    const rule: GradRule = {
      saves: "x",
      backward: ({ dys, inputs, createGraph }) => {
        if (createGraph && onceDifferentiable) {
          throw new Error(`${name}: gradients of gradients (createGraph: true) are not supported: ${onceDifferentiable}`);
        }
        // Saved tensors were passed to the node as extra (detached) inputs, after the real ones.
        // Recording a double backward, saved inputs and outputs are the graph's own tensors.
        const extra = inputs.slice(tensorInputs.length) as Tensor[];
        ctx._setUnpack(() =>
          extra.map((t, k) => {
            const origin = origins[k];
            if (!createGraph || origin === null || origin === undefined) return t;
            return origin >= 0 ? inputs[origin]! : outputs[-1 - origin]!;
          }),
        );
        const grads = differentiable.map((o, i) => dys[i] ?? zeros(o.shape, { dtype: o.dtype, device: o.device }));
        const returned = backward(ctx, ...grads);
        const list = Array.isArray(returned) ? returned : [returned];
        if (list.length !== tensorInputs.length) {
          throw new Error(`${name}.backward returned ${list.length} gradients for ${tensorInputs.length} tensor inputs`);
        }
        return [...list, ...savedTensors.map(() => null)];
      },
    };
    // Saved tensors travel as inputs that never receive gradients, so the engine's saved-tensor
    // checks (freed graph, in-place modification) apply to them.
    const nodeInputs = [...tensorInputs, ...savedTensors.map((t) => t.detach())];
    createNode(name, rule, nodeInputs, differentiable, {});
    return result as T;
  }
}
