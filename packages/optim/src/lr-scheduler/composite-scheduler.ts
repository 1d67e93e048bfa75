/** What SequentialLR and ChainedScheduler share: checking their inner schedulers and saving them. */
import type { Optimizer } from "../optimizer.js";
import { LRScheduler, type SchedulerStateDict } from "./lr-scheduler.js";
import { ReduceLROnPlateau } from "./reduce-lr-on-plateau.js";

/**
 * Checks that `schedulers` is a non-empty list of LRSchedulers all built on `optimizer`; errors
 * name `owner`, the index, and (`verb`) why ReduceLROnPlateau cannot take part. `other` names the
 * optimizer they must share in the message.
 */
export function checkInnerSchedulers(owner: string, verb: string, schedulers: unknown, optimizer: Optimizer, other: string): void {
  if (!Array.isArray(schedulers) || schedulers.length === 0) throw new RangeError(`${owner}: expected at least one scheduler`);
  schedulers.forEach((scheduler: unknown, i) => {
    if (!(scheduler instanceof LRScheduler)) {
      const why = scheduler instanceof ReduceLROnPlateau ? ` (ReduceLROnPlateau needs a metric and cannot be ${verb})` : "";
      throw new TypeError(`${owner}: schedulers[${i}] is not an LRScheduler${why}`);
    }
    if (scheduler.optimizer !== optimizer) {
      throw new Error(`${owner}: schedulers[${i}] (${scheduler.name}) belongs to another optimizer than ${other}`);
    }
  });
}

/** A scheduler made of inner schedulers, whose states it saves and restores with its own. */
export abstract class CompositeScheduler extends LRScheduler {
  schedulers: LRScheduler[] = [];

  override stateDict(): SchedulerStateDict {
    const state = super.stateDict();
    state.schedulers = this.schedulers.map((s) => s.stateDict());
    return state;
  }

  override loadStateDict(state: SchedulerStateDict): void {
    const { schedulers, ...own } = state;
    super.loadStateDict(own);
    if (!Array.isArray(schedulers) || schedulers.length !== this.schedulers.length) {
      throw new Error(
        `${this.name}.loadStateDict: expected state for ${this.schedulers.length} schedulers, got ${Array.isArray(schedulers) ? schedulers.length : "none"}`,
      );
    }
    schedulers.forEach((s, i) => this.schedulers[i]!.loadStateDict(s as SchedulerStateDict));
  }

  protected override stateExclusions(): readonly string[] {
    return ["schedulers"];
  }
}
