/**
 * The Optimizer base: parameter groups with per-group options, lazily created per-parameter
 * state that survives `scope()`, `zeroGrad`, and state dicts that resume a run bit for bit.
 * Subclasses supply their defaults, option checks and the update of one group.
 */
import { formatShape, isFloatingPoint, isTensor, keep, scope, withoutRecording, zerosLike, type Tensor } from "@trek/tensor";
import type { OptimizerOptions, OptimizerStateDict, ParamGroup, ParamGroupInput, ParamState, Params } from "./types.js";
import { formatValue } from "./validation.js";

export abstract class Optimizer<O extends OptimizerOptions = OptimizerOptions> {
  /** The options a group gets for every key it does not set itself. */
  readonly defaults: Readonly<O>;
  /** The parameter groups; schedulers and users may change options here between steps. */
  readonly paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state (buffers, step counters), created on a parameter's first update. */
  readonly state = new Map<Tensor, ParamState>();

  /**
   * @param params the tensors to optimize (e.g. `model.parameters()`), or parameter groups
   *   `{ params, ...options }` whose options override `options` for their tensors.
   * @param options this optimizer's defaults; unknown keys are rejected.
   */
  constructor(params: Params<O>, options: Partial<O> = {}) {
    const defaults = this.defaultOptions();
    for (const key of Object.keys(options)) {
      if (!(key in defaults)) {
        throw new TypeError(`${this.name}: unknown option "${key}" (options are ${Object.keys(defaults).join(", ")})`);
      }
    }
    const merged = { ...defaults } as O;
    for (const [key, value] of Object.entries(options)) if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
    this.checkOptions(merged, "");
    this.defaults = merged;
    for (const group of this.groupsOf(params)) this.addParamGroup(group);
  }

  /** The optimizer's name as it appears in error messages, e.g. "Adam" (each subclass overrides it). */
  get name(): string {
    return "Optimizer";
  }

  /** Default value of every option. */
  protected abstract defaultOptions(): O;

  /** Throws a RangeError/TypeError naming the optimizer and the value for invalid options. */
  protected abstract checkOptions(options: O, where: string): void;

  /** The state entries one parameter may have (used to reject state dicts of other optimizers). */
  protected abstract stateKeys(): readonly string[];

  /** Updates the parameters of one group that have a gradient; runs without recording. */
  protected abstract updateGroup(group: ParamGroup<O>): void;

  /**
   * Adds a parameter group, e.g. layers unfrozen during fine-tuning. Options it leaves out are
   * taken from `defaults`; its tensors must not be in another group already.
   */
  addParamGroup(input: ParamGroupInput<O>): void {
    if (input === null || typeof input !== "object" || !("params" in input)) {
      throw new TypeError(`${this.name}.addParamGroup: expected { params, ...options }, got ${formatValue(input)}`);
    }
    const groupIndex = this.paramGroups.length;
    const where = ` (parameter group ${groupIndex})`;
    const source = input.params as unknown;
    let params: unknown[];
    if (isTensor(source)) params = [source];
    else if (source !== null && typeof source === "object" && Symbol.iterator in source) params = [...(source as Iterable<unknown>)];
    else throw new TypeError(`${this.name}: params of parameter group ${groupIndex} must be an iterable of Tensors, got ${formatValue(source)}`);

    const seen = new Set<Tensor>();
    params.forEach((param, position) => {
      this.checkParam(param, `parameter ${position} of group ${groupIndex}`);
      if (seen.has(param)) {
        throw new Error(`${this.name}: parameter group ${groupIndex} lists the same tensor twice (positions ${params.indexOf(param)} and ${position})`);
      }
      seen.add(param);
      const other = this.paramGroups.findIndex((group) => group.params.includes(param));
      if (other >= 0) {
        throw new Error(
          `${this.name}: some parameters appear in more than one parameter group: parameter ${position} of group ` +
            `${groupIndex} (shape ${formatShape(param.shape)}) is already in group ${other}`,
        );
      }
    });

    const group: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(input)) if (key !== "params" && value !== undefined) group[key] = copyOption(value);
    for (const [key, value] of Object.entries(this.defaults)) if (!(key in group)) group[key] = copyOption(value);
    group.params = params as Tensor[];
    this.checkOptions(group as O, where);
    this.paramGroups.push(group as ParamGroup<O>);
  }

  /**
   * Performs one update of every parameter that has a gradient. `closure`, when given, is
   * called first (to recompute the loss and gradients) and its result is returned.
   */
  step<R = undefined>(closure?: () => R): R | undefined {
    const loss = closure ? closure() : undefined;
    withoutRecording(() =>
      scope(() => {
        for (const group of this.paramGroups) this.updateGroup(group);
      }),
    );
    return loss;
  }

  /**
   * Resets the gradients of all parameters. With `setToNone` (the default, as in PyTorch 2)
   * each `.grad` is disposed and set to null, which frees memory and lets the next backward
   * write gradients without an addition; otherwise gradients are zeroed in place.
   */
  zeroGrad(setToNone = true): void {
    withoutRecording(() => {
      for (const group of this.paramGroups) {
        for (const param of group.params) {
          const grad = param.grad;
          if (!grad) continue;
          if (setToNone) {
            param.grad = null;
            grad.dispose();
          } else {
            if (grad.gradFn) grad.detach_();
            else if (grad.requiresGrad) grad.requiresGrad_(false);
            grad.zero_();
          }
        }
      }
    });
  }

  /**
   * The optimizer's state and group options, with parameters replaced by their positions.
   * State tensors are the live buffers (as in PyTorch): serialize or clone them before
   * stepping again if a snapshot is needed.
   */
  stateDict(): OptimizerStateDict {
    const positions = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map((group) => {
      const packed: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(group)) if (key !== "params") packed[key] = copyOption(value);
      const params = group.params.map((param) => {
        const position = positions.size;
        positions.set(param, position);
        return position;
      });
      return { ...packed, params };
    });
    const state: Record<number, ParamState> = {};
    for (const [param, entries] of this.state) {
      const position = positions.get(param);
      if (position !== undefined) state[position] = { ...entries };
    }
    return { state, paramGroups };
  }

  /**
   * Restores state and group options saved by `stateDict()` (of an optimizer of the same kind
   * over parameters with the same group layout and shapes). Tensors are copied onto each
   * parameter's device and dtype, so the dict stays independent of this optimizer.
   */
  loadStateDict(stateDict: OptimizerStateDict): void {
    const owner = `${this.name}.loadStateDict`;
    if (stateDict === null || typeof stateDict !== "object" || !Array.isArray(stateDict.paramGroups) || typeof stateDict.state !== "object") {
      throw new TypeError(`${owner}: expected { state, paramGroups } as returned by stateDict(), got ${formatValue(stateDict)}`);
    }
    const savedSizes = stateDict.paramGroups.map((group) => (Array.isArray(group?.params) ? group.params.length : NaN));
    const sizes = this.paramGroups.map((group) => group.params.length);
    if (savedSizes.length !== sizes.length || savedSizes.some((size, i) => size !== sizes[i])) {
      throw new Error(
        `${owner}: the state dict has ${savedSizes.length} parameter group(s) with [${savedSizes.join(", ")}] parameters, ` +
          `but this optimizer has ${sizes.length} group(s) with [${sizes.join(", ")}]`,
      );
    }
    const paramAt = new Map<number, Tensor>();
    stateDict.paramGroups.forEach((group, g) => group.params.forEach((id, i) => paramAt.set(Number(id), this.paramGroups[g]!.params[i]!)));

    const allowed = new Set(this.stateKeys());
    const loaded = new Map<Tensor, ParamState>();
    try {
      withoutRecording(() => {
        for (const [id, entries] of Object.entries(stateDict.state)) {
          const param = paramAt.get(Number(id));
          if (!param) throw new Error(`${owner}: the state dict has state for parameter ${id}, which none of its groups lists`);
          const restored: ParamState = {};
          loaded.set(param, restored);
          for (const [key, value] of Object.entries(entries)) {
            if (!allowed.has(key)) {
              throw new Error(`${owner}: state of parameter ${id} has an entry "${key}" that ${this.name} does not use (expected ${[...allowed].join(", ")}); was it saved by another optimizer?`);
            }
            if (typeof value === "number") {
              restored[key] = value;
            } else if (isTensor(value)) {
              if (value.shape.length !== param.shape.length || value.shape.some((n, d) => n !== param.shape[d])) {
                throw new Error(`${owner}: state "${key}" of parameter ${id} has shape ${formatShape(value.shape)}, but the parameter has ${formatShape(param.shape)}`);
              }
              const moved = value.to({ device: param.device, dtype: isFloatingPoint(value.dtype) ? param.dtype : value.dtype });
              restored[key] = keep(moved === value ? value.clone() : moved);
            } else {
              throw new TypeError(`${owner}: state "${key}" of parameter ${id} must be a Tensor or a number, got ${formatValue(value)}`);
            }
          }
        }
      });
      const options: Record<string, unknown>[] = stateDict.paramGroups.map((saved, g) => {
        const group: Record<string, unknown> = { ...this.paramGroups[g] };
        for (const [key, value] of Object.entries(saved)) if (key !== "params") group[key] = copyOption(value);
        this.checkOptions(group as O, ` (parameter group ${g} of the state dict)`);
        return group;
      });
      options.forEach((group, g) => Object.assign(this.paramGroups[g]!, group));
    } catch (err) {
      for (const entries of loaded.values()) disposeState(entries);
      throw err;
    }
    for (const entries of this.state.values()) disposeState(entries);
    this.state.clear();
    for (const [param, entries] of loaded) this.state.set(param, entries);
  }

  /** The state of `param`, created empty on first use. */
  protected stateOf(param: Tensor): ParamState {
    let entries = this.state.get(param);
    if (!entries) {
      entries = {};
      this.state.set(param, entries);
    }
    return entries;
  }

  /** Counts one more step in `state` (its `step` entry, from 1) and returns the count. */
  protected countStep(state: ParamState): number {
    const step = ((state.step as number | undefined) ?? 0) + 1;
    state.step = step;
    return step;
  }

  /** The tensor buffer `key` of `param`'s state, created (zeros, kept across scopes) when missing. */
  protected buffer(state: ParamState, key: string, param: Tensor, initialValue = 0): Tensor {
    const existing = state[key];
    if (existing !== undefined) return existing as Tensor;
    const created = keep(zerosLike(param));
    if (initialValue !== 0) created.fill_(initialValue);
    state[key] = created;
    return created;
  }

  /** The gradient of `param`, checked against it, or null when it has none. */
  protected gradOf(param: Tensor): Tensor | null {
    const grad = param.grad;
    if (!grad) return null;
    if (grad.isDisposed) throw new Error(`${this.name}.step: the gradient of a parameter of shape ${formatShape(param.shape)} was disposed`);
    if (grad.shape.length !== param.shape.length || grad.shape.some((n, d) => n !== param.shape[d])) {
      throw new Error(`${this.name}.step: a gradient of shape ${formatShape(grad.shape)} does not match its parameter's shape ${formatShape(param.shape)}`);
    }
    if (grad.device !== param.device) {
      throw new Error(`${this.name}.step: a gradient is on ${grad.device} but its parameter (shape ${formatShape(param.shape)}) is on ${param.device}`);
    }
    return grad;
  }

  private groupsOf(params: Params<O>): ParamGroupInput<O>[] {
    const source = params as unknown;
    if (isTensor(source)) {
      throw new TypeError(`${this.name}: params must be an iterable of Tensors or parameter groups, got a single Tensor; wrap it in an array`);
    }
    if (source === null || typeof source !== "object" || !(Symbol.iterator in source)) {
      throw new TypeError(`${this.name}: params must be an iterable of Tensors or parameter groups, got ${formatValue(source)}`);
    }
    const items = [...(source as Iterable<unknown>)];
    if (items.length === 0) throw new Error(`${this.name}: got an empty parameter list`);
    const tensors = items.filter(isTensor).length;
    if (tensors === items.length) return [{ params: items as Tensor[] } as unknown as ParamGroupInput<O>];
    if (tensors > 0) throw new TypeError(`${this.name}: params mixes Tensors and parameter groups; pass one or the other`);
    items.forEach((item, position) => {
      if (item === null || typeof item !== "object" || !("params" in item)) {
        throw new TypeError(`${this.name}: params must be an iterable of Tensors or parameter groups { params, ...options }, got ${formatValue(item)} at position ${position}`);
      }
    });
    return items as ParamGroupInput<O>[];
  }

  private checkParam(param: unknown, where: string): asserts param is Tensor {
    if (!isTensor(param)) throw new TypeError(`${this.name}: ${where} is not a Tensor but ${formatValue(param)}`);
    if (param.isDisposed) throw new Error(`${this.name}: ${where} (shape ${formatShape(param.shape)}) was disposed`);
    if (!isFloatingPoint(param.dtype)) {
      throw new TypeError(`${this.name}: can only optimize floating-point tensors, but ${where} has dtype ${param.dtype}`);
    }
    if (!param.isLeaf) {
      throw new Error(
        `${this.name}: can't optimize a non-leaf tensor: ${where} (shape ${formatShape(param.shape)}) was produced by ` +
          `${param.gradFn?.name ?? "an op"}; pass leaf tensors such as model.parameters(), or x.detach().requiresGrad_()`,
      );
    }
  }
}

function copyOption(value: unknown): unknown {
  return Array.isArray(value) ? [...value] : value;
}

function disposeState(entries: ParamState): void {
  for (const value of Object.values(entries)) if (typeof value !== "number") value.dispose();
}
