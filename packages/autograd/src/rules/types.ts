/** The shape of a gradient rule: what it saves at forward time and how it maps dy to input grads. */
import type { DType, OpAttrs, Tensor } from "@trek/tensor";

export interface TensorMeta {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly device: string;
}

/** What a rule's backward receives. Saved tensors are present only if the rule asked for them. */
export interface GradContext {
  /** Gradient of output 0 (zeros if it received none). */
  readonly dy: Tensor;
  /** Gradients of every output (null where none arrived). */
  readonly dys: readonly (Tensor | null)[];
  /** Saved input 0 (`saves` includes "x"). */
  readonly x: Tensor;
  /** Saved inputs (`saves` includes "x"; entries for non-tensor or unsaved inputs are undefined). */
  readonly inputs: readonly Tensor[];
  /** Saved output 0 (`saves` includes "y"). */
  readonly y: Tensor;
  readonly outputs: readonly Tensor[];
  readonly attrs: OpAttrs;
  /** Shapes/dtypes of the inputs (always available). */
  readonly inputMeta: readonly TensorMeta[];
  /** Which inputs need a gradient; a rule may skip work for the others (return null). */
  readonly needs: readonly boolean[];
  /** Whether the gradient computation itself is being recorded (double backward). */
  readonly createGraph: boolean;
}

export interface GradRule {
  /** "x": keep inputs, "x0": keep input 0 only, "y": keep outputs, "xy": both, "" nothing. */
  readonly saves: "" | "x" | "x0" | "y" | "xy";
  /**
   * Returns one gradient per input (null for non-differentiable inputs). Gradients may have the
   * output's broadcast shape; the engine sums them down to each input's shape.
   */
  readonly backward: (ctx: GradContext) => (Tensor | null)[];
}

export type GradRules = Record<string, GradRule>;

/** Shorthand constructor. */
export function rule(saves: GradRule["saves"], backward: GradRule["backward"]): GradRule {
  return { saves, backward };
}
