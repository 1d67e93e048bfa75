/** Containers: Sequential, ModuleList, ModuleDict. Children are named like PyTorch's ("0", "1", … or the dict keys). */
import type { Tensor } from "@trek/tensor";
import { Module } from "./module.js";

function checkModule(op: string, value: unknown): Module {
  if (!(value instanceof Module)) throw new TypeError(`${op}: expected a Module, got ${describe(value)}`);
  return value;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return (value as object).constructor?.name ?? "an object";
  return typeof value;
}

function normalizeIndex(op: string, index: number, length: number, allowEnd = false): number {
  const i = index < 0 ? index + length : index;
  if (!Number.isInteger(i) || i < 0 || i > length || (i === length && !allowEnd)) {
    throw new RangeError(`${op}: index ${index} is out of range for ${length} modules`);
  }
  return i;
}

/** Shared list behaviour: children named "0", "1", … in order. */
abstract class ModuleSequence extends Module {
  private readonly items: Module[] = [];

  protected constructor(modules: readonly Module[], op: string) {
    super();
    for (const m of modules) this.items.push(checkModule(op, m));
    this.renumber();
  }

  private renumber(): void {
    this.clearRegisteredModules();
    this.items.forEach((m, i) => this.registerModule(String(i), m));
  }

  /** Number of modules. */
  get length(): number {
    return this.items.length;
  }

  /** The module at `index` (negative counts from the end). */
  at(index: number): Module {
    return this.items[normalizeIndex(`${this.constructor.name}.at`, index, this.items.length)]!;
  }

  /** Replaces the module at `index`. */
  set(index: number, module: Module): this {
    this.items[normalizeIndex(`${this.constructor.name}.set`, index, this.items.length)] = checkModule(`${this.constructor.name}.set`, module);
    this.renumber();
    return this;
  }

  /** Adds a module at the end. */
  append(module: Module): this {
    this.items.push(checkModule(`${this.constructor.name}.append`, module));
    this.renumber();
    return this;
  }

  /** Adds modules at the end. */
  extend(modules: Iterable<Module>): this {
    for (const m of modules) this.items.push(checkModule(`${this.constructor.name}.extend`, m));
    this.renumber();
    return this;
  }

  /** Inserts a module before `index`. */
  insert(index: number, module: Module): this {
    const i = normalizeIndex(`${this.constructor.name}.insert`, index, this.items.length, true);
    this.items.splice(i, 0, checkModule(`${this.constructor.name}.insert`, module));
    this.renumber();
    return this;
  }

  /** Removes and returns the module at `index` (the last one by default). */
  pop(index = -1): Module {
    const i = normalizeIndex(`${this.constructor.name}.pop`, index, this.items.length);
    const [removed] = this.items.splice(i, 1);
    this.renumber();
    return removed!;
  }

  [Symbol.iterator](): Iterator<Module> {
    return this.items[Symbol.iterator]();
  }

  /** @internal */
  protected list(): readonly Module[] {
    return this.items;
  }
}

/**
 * Applies modules in order, each to the previous one's output, like `torch.nn.Sequential`.
 * `new Sequential(a, b, c)` names the children "0", "1", "2".
 */
export class Sequential extends ModuleSequence {
  constructor(...modules: Module[]) {
    super(modules, "Sequential");
  }

  forward(input: Tensor): Tensor {
    let x: unknown = input;
    for (const m of this.list()) x = m.call(x);
    return x as Tensor;
  }

  /** A new Sequential over modules `start` to `end` (exclusive), sharing them. */
  slice(start?: number, end?: number): Sequential {
    return new Sequential(...this.list().slice(start, end));
  }
}

/** Holds sub-modules in a list so that they are registered; like `torch.nn.ModuleList`. Not callable. */
export class ModuleList extends ModuleSequence {
  constructor(modules: Iterable<Module> = []) {
    super([...modules], "ModuleList");
  }

  forward(): never {
    throw new Error("ModuleList is not callable: iterate over it and call its modules");
  }
}

/** Holds sub-modules by name so that they are registered; like `torch.nn.ModuleDict`. Not callable. */
export class ModuleDict extends Module {
  private readonly entriesByKey = new Map<string, Module>();

  constructor(modules: Record<string, Module> | Iterable<[string, Module]> = {}) {
    super();
    const pairs = Symbol.iterator in (modules as object) ? [...(modules as Iterable<[string, Module]>)] : Object.entries(modules);
    for (const [key, m] of pairs) this.set(key, m);
  }

  forward(): never {
    throw new Error("ModuleDict is not callable: look up its modules with get(key)");
  }

  /** The module stored under `key`. */
  get(key: string): Module {
    const m = this.entriesByKey.get(key);
    if (!m) throw new Error(`ModuleDict.get: no module "${key}" (keys: ${[...this.entriesByKey.keys()].join(", ") || "none"})`);
    return m;
  }

  /** Stores (or replaces) a module under `key`. */
  set(key: string, module: Module): this {
    this.entriesByKey.set(key, checkModule("ModuleDict.set", module));
    this.registerModule(key, module);
    return this;
  }

  has(key: string): boolean {
    return this.entriesByKey.has(key);
  }

  /** Removes and returns the module under `key`. */
  pop(key: string): Module {
    const m = this.get(key);
    this.entriesByKey.delete(key);
    this.clearRegisteredModules();
    for (const [k, v] of this.entriesByKey) this.registerModule(k, v);
    return m;
  }

  get size(): number {
    return this.entriesByKey.size;
  }

  keys(): string[] {
    return [...this.entriesByKey.keys()];
  }

  values(): Module[] {
    return [...this.entriesByKey.values()];
  }

  entries(): [string, Module][] {
    return [...this.entriesByKey.entries()];
  }

  /** Iterates over the keys, as PyTorch does. */
  [Symbol.iterator](): Iterator<string> {
    return this.entriesByKey.keys();
  }
}
