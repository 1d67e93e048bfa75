/** ChainedScheduler: steps several schedulers together, so that their factors multiply. */
import type { Optimizer } from "../optimizer.js";
import type { LRScheduler } from "./lr-scheduler.js";
import { CompositeScheduler, checkInnerSchedulers } from "./composite-scheduler.js";

/**
 * As `torch.optim.lr_scheduler.ChainedScheduler`: `step()` calls `step()` of every scheduler in
 * order, e.g. a constant warm-up factor on top of an exponential decay. The schedulers must be
 * chainable (each changes the current rate rather than setting it from scratch, as StepLR,
 * ExponentialLR, ConstantLR, LinearLR, PolynomialLR and MultiplicativeLR do).
 */
export class ChainedScheduler extends CompositeScheduler {

  /**
   * @param schedulers the schedulers, all built on the same optimizer.
   * @param optimizer that optimizer (default: the first scheduler's); given, it must match.
   */
  constructor(schedulers: LRScheduler[], optimizer?: Optimizer) {
    const owner = optimizer ?? (Array.isArray(schedulers) ? (schedulers[0] as LRScheduler | undefined)?.optimizer : undefined);
    checkInnerSchedulers("ChainedScheduler", "chained", schedulers, owner as Optimizer, optimizer ? "the one passed to ChainedScheduler" : "schedulers[0]'s");
    super(owner as Optimizer, 0);
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

}
