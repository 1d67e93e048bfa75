/**
 * Module: the base class of every layer and model, like `torch.nn.Module`.
 *
 * Parameters and sub-modules are discovered from the instance's fields (a field holding a
 * Parameter is a parameter, a field holding a Module is a child), so subclasses just assign them.
 * Names that must match PyTorch's state-dict keys but are not valid camelCase field names
 * (`running_mean`, `weight_ih_l0`, `self_attn`, …) are registered explicitly.
 */
import { Tensor, formatShape, isDType, isFloatingPoint, keep, shapesEqual, type DType } from "@trek/tensor";
import { noGrad } from "@trek/autograd";
import { Parameter } from "./parameter.js";

/** A flat map from PyTorch-style dotted names (`"fc1.weight"`) to tensors. */
export type StateDict = Record<string, Tensor>;

/** What `checkStateDict` finds when comparing a state dict with a module. */
export interface IncompatibleKeys {
  /** Keys the module has but the state dict lacks. */
  missingKeys: string[];
  /** Keys the state dict has but the module lacks. */
  unexpectedKeys: string[];
  /** Keys present on both sides with different shapes. */
  shapeMismatches: { key: string; expected: readonly number[]; got: readonly number[] }[];
}

/** Options of `loadStateDict`. */
export interface LoadStateDictOptions {
  /** Require the keys to match exactly (default true). Shape mismatches are always errors. */
  strict?: boolean;
}

/** Options of `stateDict`. */
export interface StateDictOptions {
  /** Prepended to every key. */
  prefix?: string;
}

/** Where `Module.to` moves parameters and buffers. */
export type ModuleTarget = string | DType | { device?: string; dtype?: DType };

/** Called before `forward`; may return replacement arguments. */
export type ForwardPreHook = (module: Module, inputs: unknown[]) => unknown[] | void;
/** Called after `forward`; may return a replacement output. */
export type ForwardHook = (module: Module, inputs: unknown[], output: unknown) => unknown;

interface BufferSlot {
  tensor: Tensor | null;
  persistent: boolean;
}

/** Formats integers with thousands separators, independent of the locale. */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

function addIndent(text: string, spaces: number): string {
  const lines = text.split("\n");
  if (lines.length === 1) return text;
  const pad = " ".repeat(spaces);
  return [lines[0], ...lines.slice(1).map((line) => pad + line)].join("\n");
}

/**
 * Base class for all neural-network modules. Subclasses implement `forward` and assign their
 * parameters and sub-modules to fields:
 *
 * ```ts
 * class Net extends Module {
 *   fc1 = new Linear(784, 128);
 *   fc2 = new Linear(128, 10);
 *   forward(x: Tensor): Tensor {
 *     return this.fc2.call(this.fc1.call(x.flatten(1)).relu());
 *   }
 * }
 * ```
 */
export abstract class Module {
  /** Whether the module is in training mode (see `train()` / `eval()`). */
  training = true;
  private readonly _parameters = new Map<string, Parameter | null>();
  private readonly _buffers = new Map<string, BufferSlot>();
  private readonly _modules = new Map<string, Module | null>();
  private readonly _forwardPreHooks: ForwardPreHook[] = [];
  private readonly _forwardHooks: ForwardHook[] = [];
  private _call: ((...inputs: unknown[]) => unknown) | undefined = undefined;

  /** The computation; call the module with `call(...)` so hooks run. */
  abstract forward(...inputs: any[]): any;

  /**
   * Runs `forward` (and any forward hooks): `model.call(x)` is PyTorch's `model(x)`. It has
   * exactly `forward`'s signature, overloads included.
   */
  get call(): this["forward"] {
    this._call ??= (...inputs: unknown[]): unknown => this.runForward(inputs);
    return this._call as this["forward"];
  }

  private runForward(inputs: unknown[]): unknown {
    if (this._forwardPreHooks.length === 0 && this._forwardHooks.length === 0) return this.forward(...inputs);
    let args = inputs;
    for (const hook of this._forwardPreHooks) args = hook(this, args) ?? args;
    let output: unknown = this.forward(...args);
    for (const hook of this._forwardHooks) {
      const replaced = hook(this, args, output);
      if (replaced !== undefined) output = replaced;
    }
    return output;
  }

  /** Registers a hook run before every `call`; returns a function that removes it. */
  registerForwardPreHook(hook: ForwardPreHook): () => void {
    this._forwardPreHooks.push(hook);
    return () => removeFrom(this._forwardPreHooks, hook);
  }

  /** Registers a hook run after every `call`; returns a function that removes it. */
  registerForwardHook(hook: ForwardHook): () => void {
    this._forwardHooks.push(hook);
    return () => removeFrom(this._forwardHooks, hook);
  }

  // ---- registration ---------------------------------------------------------------------------

  /**
   * Registers a parameter under an explicit name (for names that are not field names, such as
   * `weight_ih_l0`); `null` records a missing optional parameter. Fields need no registration.
   */
  registerParameter(name: string, parameter: Parameter | null): void {
    checkName("registerParameter", name);
    if (parameter !== null && !(parameter instanceof Parameter)) {
      throw new TypeError(`registerParameter("${name}"): expected a Parameter (wrap the tensor: new Parameter(t))`);
    }
    this._parameters.set(name, parameter);
  }

  /**
   * Registers a buffer: state that is not trained but belongs to the module (BatchNorm's running
   * statistics). Persistent buffers are part of the state dict. The module keeps the tensor alive
   * across scopes and moves it with `to()`.
   */
  registerBuffer(name: string, tensor: Tensor | null, options: { persistent?: boolean } = {}): void {
    checkName("registerBuffer", name);
    if (tensor !== null && !(tensor instanceof Tensor)) throw new TypeError(`registerBuffer("${name}"): expected a Tensor or null`);
    if (tensor) keep(tensor);
    this._buffers.set(name, { tensor, persistent: options.persistent ?? true });
  }

  /** Registers a child module under an explicit name (fields holding modules need no registration). */
  registerModule(name: string, module: Module | null): void {
    checkName("registerModule", name);
    if (module !== null && !(module instanceof Module)) throw new TypeError(`registerModule("${name}"): expected a Module or null`);
    this._modules.set(name, module);
  }

  /** The buffer registered under `name` on this module, or null (also when registered as null). */
  protected registeredBuffer(name: string): Tensor | null {
    return this._buffers.get(name)?.tensor ?? null;
  }

  /** The parameter registered under `name` on this module, or null. */
  protected registeredParameter(name: string): Parameter | null {
    return this._parameters.get(name) ?? null;
  }

  /** @internal Removes every explicitly registered child (containers rebuild their numbering). */
  protected clearRegisteredModules(): void {
    this._modules.clear();
  }

  /** A parameter by dotted path (`"encoder.layers.0.weight"`). */
  getParameter(target: string): Parameter {
    const { owner, leaf } = this.resolvePath("getParameter", target);
    for (const [name, p] of owner.ownParameters()) if (name === leaf) return p;
    throw new Error(`getParameter: ${owner.constructor.name} has no parameter "${leaf}" (path "${target}")`);
  }

  /** A buffer by dotted path (`"bn1.running_mean"`). */
  getBuffer(target: string): Tensor {
    const { owner, leaf } = this.resolvePath("getBuffer", target);
    const slot = owner._buffers.get(leaf);
    if (!slot?.tensor) throw new Error(`getBuffer: ${owner.constructor.name} has no buffer "${leaf}" (path "${target}")`);
    return slot.tensor;
  }

  /** A descendant module by dotted path (`"features.0"`); `""` is this module. */
  getSubmodule(target: string): Module {
    if (target === "") return this;
    let current: Module = this;
    for (const part of target.split(".")) {
      let next: Module | undefined;
      for (const [name, child] of current.namedChildren()) if (name === part) next = child;
      if (!next) throw new Error(`getSubmodule: ${current.constructor.name} has no child "${part}" (path "${target}")`);
      current = next;
    }
    return current;
  }

  private resolvePath(op: string, target: string): { owner: Module; leaf: string } {
    const dot = target.lastIndexOf(".");
    if (dot < 0) return { owner: this, leaf: target };
    try {
      return { owner: this.getSubmodule(target.slice(0, dot)), leaf: target.slice(dot + 1) };
    } catch (err) {
      throw new Error(`${op}: ${(err as Error).message}`);
    }
  }

  // ---- traversal ------------------------------------------------------------------------------

  /** Own parameters: registered ones, then Parameter-valued fields. */
  private *ownParameters(): Generator<[string, Parameter]> {
    for (const [name, p] of this._parameters) if (p) yield [name, p];
    for (const key of Object.keys(this)) {
      const value = (this as Record<string, unknown>)[key];
      if (value instanceof Parameter && !this._parameters.has(key)) yield [key, value];
    }
  }

  private *ownBuffers(persistentOnly: boolean): Generator<[string, Tensor]> {
    for (const [name, slot] of this._buffers) {
      if (slot.tensor && (slot.persistent || !persistentOnly)) yield [name, slot.tensor];
    }
  }

  /** Direct children with their names: registered ones, then Module-valued fields. */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const [name, m] of this._modules) if (m) out.push([name, m]);
    for (const key of Object.keys(this)) {
      const value = (this as Record<string, unknown>)[key];
      if (value instanceof Module && !this._modules.has(key)) out.push([key, value]);
    }
    return out;
  }

  /** Direct children. */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and all descendants, depth first, each once, with dotted names ("" for this one). */
  namedModules(prefix = ""): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const visit = (module: Module, name: string): void => {
      if (seen.has(module)) return;
      seen.add(module);
      out.push([name, module]);
      for (const [childName, child] of module.namedChildren()) visit(child, name ? `${name}.${childName}` : childName);
    };
    visit(this, prefix);
    return out;
  }

  /** This module and all descendants, each once. */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /**
   * Parameters with dotted names (`"fc1.weight"`), each once even when shared. `recurse: false`
   * lists only this module's own parameters.
   */
  namedParameters(options: { prefix?: string; recurse?: boolean } = {}): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    const seen = new Set<Tensor>();
    const modules = options.recurse === false ? ([[options.prefix ?? "", this]] as [string, Module][]) : this.namedModules(options.prefix);
    for (const [moduleName, module] of modules) {
      for (const [name, p] of module.ownParameters()) {
        if (seen.has(p)) continue;
        seen.add(p);
        out.push([moduleName ? `${moduleName}.${name}` : name, p]);
      }
    }
    return out;
  }

  /** All parameters (what an optimizer takes), each once. */
  parameters(options: { recurse?: boolean } = {}): Parameter[] {
    return this.namedParameters(options).map(([, p]) => p);
  }

  /** Buffers with dotted names (`"bn.running_mean"`), each once. */
  namedBuffers(options: { prefix?: string; recurse?: boolean } = {}): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    const modules = options.recurse === false ? ([[options.prefix ?? "", this]] as [string, Module][]) : this.namedModules(options.prefix);
    for (const [moduleName, module] of modules) {
      for (const [name, b] of module.ownBuffers(false)) {
        if (seen.has(b)) continue;
        seen.add(b);
        out.push([moduleName ? `${moduleName}.${name}` : name, b]);
      }
    }
    return out;
  }

  /** All buffers, each once. */
  buffers(options: { recurse?: boolean } = {}): Tensor[] {
    return this.namedBuffers(options).map(([, b]) => b);
  }

  // ---- modes and bulk operations --------------------------------------------------------------

  /** Sets training mode on this module and every descendant (Dropout, BatchNorm change behaviour). */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode: `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /** Sets whether parameters require gradients: `requiresGrad_(false)` freezes the module. */
  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) if (p.isFloatingPoint()) p.requiresGrad_(requiresGrad);
    return this;
  }

  /**
   * Clears the gradients of all parameters. By default they become null (as in PyTorch 2), which
   * frees their memory; `setToNone: false` fills them with zeros instead.
   */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    const setToNone = options.setToNone ?? true;
    noGrad(() => {
      for (const p of this.parameters()) {
        if (!p.grad) continue;
        if (setToNone) {
          p.grad.dispose();
          p.grad = null;
        } else {
          p.grad.detach_();
          p.grad.zero_();
        }
      }
    });
  }

  /** Calls `fn` on every descendant (children first) and then on this module; returns this. */
  apply(fn: (module: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  /**
   * Moves and/or converts parameters and buffers in place: `to("webgpu")`, `to("float64")`,
   * `to({ device, dtype })`. A dtype applies to floating-point tensors only (integer buffers such
   * as counters keep theirs). Parameters keep their identity, so optimizers holding them stay valid.
   */
  to(target: ModuleTarget): this {
    let device: string | undefined;
    let dtype: DType | undefined;
    if (typeof target === "string") {
      if (isDType(target)) dtype = target;
      else device = target;
    } else if (target && typeof target === "object") {
      ({ device, dtype } = target);
      if (dtype !== undefined && !isDType(dtype)) throw new TypeError(`Module.to: unknown dtype ${JSON.stringify(dtype)}`);
    } else {
      throw new TypeError(`Module.to: expected a device, a dtype or { device, dtype }, got ${String(target)}`);
    }
    if (dtype !== undefined && !isFloatingPoint(dtype)) {
      throw new TypeError(`Module.to: only floating-point dtypes can be applied to a module, got ${dtype}`);
    }
    const convert = (t: Tensor): Tensor | null => {
      const newDtype = dtype !== undefined && t.isFloatingPoint() ? dtype : t.dtype;
      const newDevice = device ?? t.device;
      if (newDtype === t.dtype && newDevice === t.device) return null;
      return t.to({ device: newDevice, dtype: newDtype });
    };
    noGrad(() => {
      for (const t of [...this.parameters(), ...this.buffers()]) {
        const moved = convert(t);
        if (moved) {
          t.set_(moved);
          moved.dispose();
        }
        if (t.grad) {
          const movedGrad = convert(t.grad);
          if (movedGrad) {
            t.grad.dispose();
            t.grad = keep(movedGrad);
          }
        }
      }
    });
    return this;
  }

  /** `to("cpu")`. */
  cpu(): this {
    return this.to("cpu");
  }
  /** `to("float32")`. */
  float(): this {
    return this.to("float32");
  }
  /** `to("float64")`. */
  double(): this {
    return this.to("float64");
  }
  /** `to("float16")`. */
  half(): this {
    return this.to("float16");
  }

  /** Disposes every parameter and buffer (the module is unusable afterwards). */
  dispose(): void {
    for (const t of [...this.parameters(), ...this.buffers()]) t.dispose();
  }

  // ---- state dict -----------------------------------------------------------------------------

  /** Every (dotted key, tensor) pair of the state dict, pointing at the live tensors. */
  private stateEntries(prefix: string): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const visit = (module: Module, path: string, stack: Set<Module>): void => {
      if (stack.has(module)) return; // a module containing itself
      stack.add(module);
      for (const [name, p] of module.ownParameters()) out.push([path + name, p]);
      for (const [name, b] of module.ownBuffers(true)) out.push([path + name, b]);
      for (const [name, child] of module.namedChildren()) visit(child, `${path}${name}.`, stack);
      stack.delete(module);
    };
    visit(this, prefix, new Set());
    return out;
  }

  /**
   * Parameters and persistent buffers by PyTorch's dotted names (`"fc1.weight"`,
   * `"bn.running_mean"`). Values are detached handles on the live memory (no copy): dispose them
   * when done, or serialize them with `save`/`serialize`.
   */
  stateDict(options: StateDictOptions = {}): StateDict {
    const out: StateDict = {};
    for (const [key, t] of this.stateEntries(options.prefix ?? "")) out[key] = t.detach();
    return out;
  }

  /** Compares a state dict's keys and shapes with this module's without loading anything. */
  checkStateDict(state: StateDict | ReadonlyMap<string, Tensor>): IncompatibleKeys {
    const given = toEntries(state);
    const own = new Map(this.stateEntries(""));
    const result: IncompatibleKeys = { missingKeys: [], unexpectedKeys: [], shapeMismatches: [] };
    for (const key of own.keys()) if (!given.has(key)) result.missingKeys.push(key);
    for (const [key, value] of given) {
      const target = own.get(key);
      if (!target) result.unexpectedKeys.push(key);
      else if (!(value instanceof Tensor)) throw new TypeError(`loadStateDict: the value of "${key}" is not a Tensor`);
      else if (!shapesEqual(target.shape, value.shape)) {
        result.shapeMismatches.push({ key, expected: target.shape, got: value.shape });
      }
    }
    return result;
  }

  /**
   * Copies values from a state dict into the parameters and buffers (converting dtype and device
   * to the module's), in place. With `strict` (the default) every key must match; shape
   * mismatches are always errors. Every problem is listed in one error, and nothing is loaded
   * unless all checks pass. Returns this, for chaining.
   */
  loadStateDict(state: StateDict | ReadonlyMap<string, Tensor>, options: LoadStateDictOptions = {}): this {
    const strict = options.strict ?? true;
    const report = this.checkStateDict(state);
    const problems: string[] = [];
    if (strict && report.missingKeys.length) problems.push(`missing keys: ${report.missingKeys.join(", ")}`);
    if (strict && report.unexpectedKeys.length) problems.push(`unexpected keys: ${report.unexpectedKeys.join(", ")}`);
    if (report.shapeMismatches.length) {
      const list = report.shapeMismatches.map((m) => `${m.key} ${formatShape(m.expected)} vs ${formatShape(m.got)}`).join(", ");
      problems.push(`shape mismatch: ${list} (model vs state dict)`);
    }
    if (problems.length) throw new Error(`loadStateDict: ${problems.join("; ")}`);
    const given = toEntries(state);
    noGrad(() => {
      for (const [key, target] of this.stateEntries("")) {
        const value = given.get(key);
        if (value) target.copy_(value);
      }
    });
    return this;
  }

  // ---- printing -------------------------------------------------------------------------------

  /** Extra text inside the parentheses of this module's repr (its hyper-parameters). */
  extraRepr(): string {
    return "";
  }

  /** PyTorch's module repr, without the parameter-count line. */
  reprTree(): string {
    const extra = this.extraRepr();
    const extraLines = extra ? extra.split("\n") : [];
    const childLines = this.namedChildren().map(([name, child]) => `(${name}): ${addIndent(child.reprTree(), 2)}`);
    const lines = [...extraLines, ...childLines];
    let text = `${this.constructor.name}(`;
    if (lines.length === 1 && childLines.length === 0) text += extraLines[0];
    else if (lines.length) text += `\n  ${lines.join("\n  ")}\n`;
    return `${text})`;
  }

  /** Number of parameter elements (each shared parameter once); `trainableOnly` counts those requiring grad. */
  parameterCount(options: { trainableOnly?: boolean } = {}): number {
    let n = 0;
    for (const p of this.parameters()) if (!options.trainableOnly || p.requiresGrad) n += p.numel();
    return n;
  }

  /**
   * The PyTorch-style tree (`Sequential(\n  (0): Linear(…)\n  (1): ReLU()\n)`) followed, for
   * modules with parameters, by a line with the parameter counts:
   * `Parameters: 407,050 (trainable: 407,050)`.
   */
  toString(): string {
    const total = this.parameterCount();
    const tree = this.reprTree();
    if (total === 0) return tree;
    return `${tree}\nParameters: ${formatCount(total)} (trainable: ${formatCount(this.parameterCount({ trainableOnly: true }))})`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

function removeFrom<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}

function checkName(op: string, name: string): void {
  if (typeof name !== "string" || name === "" || name.includes(".")) {
    throw new TypeError(`${op}: the name must be a non-empty string without dots, got ${JSON.stringify(name)}`);
  }
}

function toEntries(state: StateDict | ReadonlyMap<string, Tensor>): Map<string, Tensor> {
  if (state instanceof Map) return new Map(state);
  if (!state || typeof state !== "object") throw new TypeError("loadStateDict: expected a state dict (an object of tensors)");
  return new Map(Object.entries(state as StateDict));
}
