/**
 * The learning-rate scheduler base, as `torch.optim.lr_scheduler.LRScheduler`: each `step()`
 * advances `lastEpoch` and writes a new `lr` into every parameter group of the optimizer.
 */
import { Optimizer } from "../optimizer.js";
import type { ParamGroup } from "../types.js";
import { formatValue } from "../validation.js";

/** A scheduler's state: its fields other than the optimizer and functions (JSON-friendly). */
export type SchedulerStateDict = Record<string, unknown>;

export abstract class LRScheduler {
  /** The optimizer whose groups' `lr` this scheduler sets. */
  readonly optimizer: Optimizer;
  /** Each group's `initialLr`: the learning rate the schedule starts from. */
  baseLrs: number[];
  /** The index of the last step taken (-1 before the first; the constructor takes step 0). */
  lastEpoch: number;
  /** How many times `step()` ran, the constructor's step included (the cosine schedule's resume rule uses it). */
  protected stepCount = 0;
  /** The learning rates the last step set. */
  protected lastLr: number[] = [];

  /**
   * @param lastEpoch the index of the last step when resuming (-1 to start); resuming needs
   *   `initialLr` in every group, as a loaded optimizer state dict has.
   */
  constructor(optimizer: Optimizer, lastEpoch = -1) {
    if (!(optimizer instanceof Optimizer)) {
      throw new TypeError(`${this.name}: expected an Optimizer, got ${formatValue(optimizer)}`);
    }
    this.optimizer = optimizer;
    if (lastEpoch === -1) {
      for (const group of optimizer.paramGroups) if (group.initialLr === undefined) group.initialLr = group.lr;
    } else {
      optimizer.paramGroups.forEach((group, i) => {
        if (group.initialLr === undefined) {
          throw new Error(`${this.name}: parameter group ${i} has no initialLr, which resuming at lastEpoch ${lastEpoch} needs`);
        }
      });
    }
    this.baseLrs = optimizer.paramGroups.map((group) => group.initialLr as number);
    this.lastEpoch = lastEpoch;
  }

  /** The scheduler's name as it appears in error messages, e.g. "StepLR" (each subclass overrides it). */
  get name(): string {
    return "LRScheduler";
  }

  /** The learning rates of the next step, from the current ones (the chainable form). */
  protected abstract getLr(): number[];

  /** The learning rates at `lastEpoch` computed from scratch, where a schedule has such a form. */
  protected closedFormLr?(): number[];

  /** Subclasses call this at the end of their constructor: it takes step 0. */
  protected initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /**
   * Advances the schedule by one step (call it after `optimizer.step()`). Passing `epoch` jumps
   * to that step instead, using the schedule's closed form where it has one.
   */
  step(epoch?: number): void {
    this.stepCount++;
    let values: number[];
    if (epoch === undefined) {
      this.lastEpoch++;
      values = this.getLr();
    } else {
      this.lastEpoch = epoch;
      values = this.closedFormLr ? this.closedFormLr() : this.getLr();
    }
    this.groups.forEach((group, i) => (group.lr = values[i]!));
    this.lastLr = this.groups.map((group) => group.lr);
  }

  /** The learning rate of every group as set by the last step. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** The scheduler's state (its fields except the optimizer and functions). */
  stateDict(): SchedulerStateDict {
    const state: SchedulerStateDict = {};
    const skipped = new Set(["optimizer", ...this.stateExclusions()]);
    for (const [key, value] of Object.entries(this)) {
      if (skipped.has(key) || typeof value === "function") continue;
      state[key] = copyValue(value);
    }
    return state;
  }

  /** Restores a state saved by `stateDict()`. */
  loadStateDict(state: SchedulerStateDict): void {
    if (state === null || typeof state !== "object") {
      throw new TypeError(`${this.name}.loadStateDict: expected an object from stateDict(), got ${formatValue(state)}`);
    }
    const skipped = new Set(["optimizer", ...this.stateExclusions()]);
    for (const [key, value] of Object.entries(state)) {
      if (skipped.has(key)) continue;
      if (!(key in this)) throw new Error(`${this.name}.loadStateDict: unknown entry "${key}"; was the state saved by another scheduler?`);
      (this as Record<string, unknown>)[key] = copyValue(value);
    }
  }

  /** Fields that `stateDict` leaves out (functions, other schedulers). */
  protected stateExclusions(): readonly string[] {
    return [];
  }

  /** The optimizer's parameter groups. */
  protected get groups(): ParamGroup[] {
    return this.optimizer.paramGroups;
  }
}

function copyValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyValue);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copyValue(v)]));
  }
  return value;
}
