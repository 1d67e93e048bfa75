/**
 * The shapes optimizers and their state dicts take: parameter groups, per-parameter state.
 */
import type { Tensor } from "@trek/tensor";

/** Options every optimizer has: the learning rate. */
export interface OptimizerOptions {
  lr: number;
}

/**
 * One parameter group as given to a constructor or `addParamGroup`: its parameters and any
 * options that override the optimizer's defaults for them.
 */
export type ParamGroupInput<O extends OptimizerOptions = OptimizerOptions> = Partial<O> & {
  params: Iterable<Tensor>;
  [key: string]: unknown;
};

/**
 * A parameter group as the optimizer holds it: the parameters and every option resolved.
 * Schedulers write `lr` (and keys such as `initialLr`) here; `step()` reads them each time.
 */
export type ParamGroup<O extends OptimizerOptions = OptimizerOptions> = O & {
  params: Tensor[];
  [key: string]: unknown;
};

/** What optimizers accept: the parameters themselves, or parameter groups. */
export type Params<O extends OptimizerOptions = OptimizerOptions> = Iterable<Tensor> | Iterable<ParamGroupInput<O>>;

/** The state an optimizer keeps for one parameter (buffers on the parameter's device, counters). */
export type ParamState = Record<string, Tensor | number>;

/**
 * An optimizer's state, like PyTorch's `optimizer.state_dict()`: parameters are replaced by
 * their position across all groups (0, 1, …), so the dict can be loaded into an optimizer over
 * other tensors with the same layout.
 */
export interface OptimizerStateDict {
  /** Per-parameter state, keyed by the parameter's position. */
  state: Record<number, ParamState>;
  /** Each group's options, with `params` listing the positions of its parameters. */
  paramGroups: (Record<string, unknown> & { params: number[] })[];
}
