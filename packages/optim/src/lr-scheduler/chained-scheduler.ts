/** ChainedScheduler: steps several schedulers together, so that their factors multiply. */
import type { Optimizer } from "../optimizer.js";
import { LRScheduler, type SchedulerStateDict } from "./lr-scheduler.js";
import { ReduceLROnPlateau } from "./reduce-lr-on-plateau.js";

/**
 * As `torch.optim.lr_scheduler.ChainedScheduler`: `step()` calls `step()` of every scheduler in
 * order, e.g. a constant warm-up factor on top of an exponential decay. The schedulers must be
 * chainable (each changes the current rate rather than setting it from scratch, as StepLR,
 * ExponentialLR, ConstantLR, LinearLR, PolynomialLR and MultiplicativeLR do).
 */
export class ChainedScheduler extends LRScheduler {
  schedulers: LRScheduler[];

  /**
   * @param schedulers the schedulers, all built on the same optimizer.
   * @param optimizer that optimizer (default: the first scheduler's); given, it must match.
   */
  constructor(schedulers: LRScheduler[], optimizer?: Optimizer) {
    if (!Array.isArray(schedulers) || schedulers.length === 0) throw new RangeError("ChainedScheduler: expected at least one scheduler");
    schedulers.forEach((scheduler, i) => {
      if (!((scheduler as unknown) instanceof LRScheduler)) {
        const why = (scheduler as unknown) instanceof ReduceLROnPlateau ? " (ReduceLROnPlateau needs a metric and cannot be chained)" : "";
        throw new TypeError(`ChainedScheduler: schedulers[${i}] is not an LRScheduler${why}`);
      }
    });
    const owner = optimizer ?? schedulers[0]!.optimizer;
    schedulers.forEach((scheduler, i) => {
      if (scheduler.optimizer !== owner) {
        const other = optimizer ? "the one passed to ChainedScheduler" : "schedulers[0]'s";
        throw new Error(`ChainedScheduler: schedulers[${i}] (${scheduler.name}) belongs to another optimizer than ${other}`);
      }
    });
    super(owner, 0);
    this.schedulers = [...schedulers];
    this.lastLr = this.groups.map((group) => group.lr);
  }

  override get name(): string {
    return "ChainedScheduler";
  }

  protected getLr(): number[] {
    return this.getLastLr();
  }

  override step(): void {
    this.lastEpoch += 1;
    for (const scheduler of this.schedulers) scheduler.step();
    this.lastLr = this.groups.map((group) => group.lr);
  }

  override stateDict(): SchedulerStateDict {
    const state = super.stateDict();
    state.schedulers = this.schedulers.map((s) => s.stateDict());
    return state;
  }

  override loadStateDict(state: SchedulerStateDict): void {
    const { schedulers, ...own } = state;
    super.loadStateDict(own);
    if (!Array.isArray(schedulers) || schedulers.length !== this.schedulers.length) {
      throw new Error(`ChainedScheduler.loadStateDict: expected state for ${this.schedulers.length} schedulers, got ${Array.isArray(schedulers) ? schedulers.length : "none"}`);
    }
    schedulers.forEach((s, i) => this.schedulers[i]!.loadStateDict(s as SchedulerStateDict));
  }

  protected override stateExclusions(): readonly string[] {
    return ["schedulers"];
  }
}
