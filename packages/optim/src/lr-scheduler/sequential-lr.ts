/** SequentialLR: runs schedulers one after another, switching at milestones. */
import type { Optimizer } from "../optimizer.js";
import type { LRScheduler } from "./lr-scheduler.js";
import { CompositeScheduler, checkInnerSchedulers } from "./composite-scheduler.js";

export interface SequentialLROptions {
  /** The schedulers, all built on the same optimizer. */
  schedulers: LRScheduler[];
  /** Steps at which the next scheduler takes over (one fewer than schedulers). */
  milestones: number[];
  /** Index of the last step when resuming (default -1). */
  lastEpoch?: number;
}

/**
 * As `torch.optim.lr_scheduler.SequentialLR`, e.g. a linear warm-up followed by cosine decay.
 * Each scheduler restarts from step 0 when it takes over.
 */
export class SequentialLR extends CompositeScheduler {
  milestones: number[];

  constructor(optimizer: Optimizer, options: SequentialLROptions) {
    const { schedulers, milestones, lastEpoch = -1 } = options;
    checkInnerSchedulers("SequentialLR", "sequenced", schedulers, optimizer, "the one passed to SequentialLR");
    if (!Array.isArray(milestones) || milestones.length !== schedulers.length - 1) {
      throw new RangeError(
        `SequentialLR: expected ${schedulers.length - 1} milestones for ${schedulers.length} schedulers, got ${Array.isArray(milestones) ? milestones.length : String(milestones)}`,
      );
    }
    super(optimizer, 0);
    this.schedulers = [...schedulers];
    this.milestones = [...milestones];
    this.lastEpoch = lastEpoch + 1;
    // The sub-schedulers each took their step 0 when built: undo that and restart the first.
    for (const group of optimizer.paramGroups) group.lr = group.initialLr as number;
    for (const scheduler of this.schedulers) scheduler.lastEpoch -= 1;
    (this.schedulers[0] as unknown as { initialStep(): void }).initialStep();
    this.lastLr = this.schedulers[0]!.getLastLr();
  }

  override get name(): string {
    return "SequentialLR";
  }

  protected getLr(): number[] {
    return this.getLastLr();
  }

  override step(): void {
    this.lastEpoch += 1;
    const index = this.milestones.filter((m) => m <= this.lastEpoch).length;
    const scheduler = this.schedulers[index]!;
    if (index > 0 && this.milestones[index - 1] === this.lastEpoch) scheduler.step(0);
    else scheduler.step();
    this.lastLr = scheduler.getLastLr();
  }

}
