import type { FrozenTrial } from "../frozen-trial.js";
import type { Study } from "../study.js";
import { TrialState } from "../trial-state.js";
import type { Pruner } from "./pruner.js";
import { SuccessiveHalvingPruner } from "./successive-halving-pruner.js";

/** Options of {@link HyperbandPruner}. */
export interface HyperbandPrunerOptions {
  /** Steps before the first rung of the most aggressive bracket (default 1). */
  minResource?: number;
  /**
   * The most steps a trial runs. `"auto"` (default) takes the last step of the first completed
   * trial (+1) and prunes nothing until then.
   */
  maxResource?: number | "auto";
  /** `η` of every bracket (default 3). */
  reductionFactor?: number;
  /** As in `SuccessiveHalvingPruner` (default 0). */
  bootstrapCount?: number;
}

/**
 * Hyperband (Li et al. 2017): several successive-halving brackets, from aggressive (first rung at
 * `minResource`) to conservative, run side by side. Each trial is assigned to one bracket by a
 * hash of the study name and trial number (so every process agrees), with more trials going to
 * the aggressive brackets; a trial only competes with trials of its own bracket.
 */
export class HyperbandPruner implements Pruner {
  private readonly minResource: number;
  private readonly maxResource: number | "auto";
  private readonly reductionFactor: number;
  private readonly bootstrapCount: number;
  private brackets: SuccessiveHalvingPruner[] | null = null;
  private budgets: number[] = [];

  constructor(options: HyperbandPrunerOptions = {}) {
    this.minResource = options.minResource ?? 1;
    this.maxResource = options.maxResource ?? "auto";
    this.reductionFactor = options.reductionFactor ?? 3;
    this.bootstrapCount = options.bootstrapCount ?? 0;
    if (!(Number.isInteger(this.minResource) && this.minResource >= 1)) throw new RangeError(`HyperbandPruner: minResource must be a positive integer, got ${this.minResource}`);
    if (this.maxResource !== "auto" && !(Number.isInteger(this.maxResource) && this.maxResource >= this.minResource)) {
      throw new RangeError(`HyperbandPruner: maxResource must be "auto" or an integer >= minResource (${this.minResource}), got ${String(this.maxResource)}`);
    }
    if (!(Number.isInteger(this.reductionFactor) && this.reductionFactor >= 2)) throw new RangeError(`HyperbandPruner: reductionFactor must be an integer >= 2, got ${this.reductionFactor}`);
    if (this.maxResource !== "auto") this.build(this.maxResource);
  }

  /** Number of brackets, `floor(log_η(max / min)) + 1`; `null` until `maxResource` is known. */
  get nBrackets(): number | null {
    return this.brackets?.length ?? null;
  }

  /** The bracket (0 = most aggressive) a trial number belongs to in a study. */
  bracketOf(studyName: string, trialNumber: number): number {
    if (!this.brackets) throw new Error("HyperbandPruner: brackets are not known until maxResource is");
    const total = this.budgets.reduce((a, b) => a + b, 0);
    let slot = fnv1a(`${studyName}_${trialNumber}`) % total;
    for (let i = 0; i < this.budgets.length; i++) {
      if (slot < this.budgets[i]!) return i;
      slot -= this.budgets[i]!;
    }
    return this.budgets.length - 1;
  }

  prune(study: Study, trial: FrozenTrial): boolean {
    if (!this.brackets) {
      const maxResource = autoMaxResource(study.getTrials({ states: [TrialState.Complete] }));
      if (maxResource === null) return false;
      this.build(maxResource);
    }
    const bracket = this.bracketOf(study.studyName, trial.number);
    const competitors = study.getTrials().filter((other) => this.bracketOf(study.studyName, other.number) === bracket);
    return this.brackets![bracket]!.pruneAmong(study, trial, competitors);
  }

  private build(maxResource: number): void {
    const nBrackets = Math.floor(Math.log(maxResource / this.minResource) / Math.log(this.reductionFactor) + 1e-9) + 1;
    this.brackets = [];
    this.budgets = [];
    for (let i = 0; i < nBrackets; i++) {
      this.brackets.push(new SuccessiveHalvingPruner({ minResource: this.minResource, reductionFactor: this.reductionFactor, minEarlyStoppingRate: i, bootstrapCount: this.bootstrapCount }));
      // Hyperband's bracket with s = nBrackets - 1 - i extra halvings starts ~η^s / (s + 1) times as many trials.
      const s = nBrackets - 1 - i;
      this.budgets.push(Math.ceil((nBrackets * this.reductionFactor ** s) / (s + 1)));
    }
  }
}

function autoMaxResource(completed: readonly FrozenTrial[]): number | null {
  for (const trial of completed) {
    const last = trial.lastStep;
    if (last !== null) return last + 1;
  }
  return null;
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}
