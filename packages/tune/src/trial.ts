import {
  type CategoricalChoice,
  type Distribution,
  type ParamValue,
  type SuggestFloatOptions,
  type SuggestIntOptions,
  categoricalDistribution,
  checkDistributionCompatibility,
  describeDistribution,
  distributionContains,
  distributionsEqual,
  floatDistribution,
  intDistribution,
  toExternal,
  toInternal,
} from "./distributions.js";
import { DistributionMismatchError, InvalidDistributionError, TrialFinishedError } from "./errors.js";
import type { AttrValue, FrozenTrial } from "./frozen-trial.js";
import { logWarning } from "./logging.js";
import type { Study } from "./study.js";

/**
 * A running trial, handed to the objective: suggest parameters, report intermediate values,
 * ask whether to prune. Methods are synchronous; changes are written to the study's storage in
 * the background, in order, and `study.tell` waits for them before finishing the trial.
 */
export class Trial {
  /** 0-based number of this trial in its study. */
  readonly number: number;
  /** Id unique across the storage. */
  readonly trialId: number;
  private snapshot: FrozenTrial;
  private relativeSearchSpace: Record<string, Distribution> = {};
  private relativeParams: Record<string, number> = {};
  private readonly fixedParams: Record<string, ParamValue>;
  private pendingWrites: Promise<void> = Promise.resolve();
  private writeError: unknown = null;
  private finished = false;

  /** @internal Created by `study.ask()`. */
  constructor(
    readonly study: Study,
    snapshot: FrozenTrial,
    fixedParams: Record<string, ParamValue>,
  ) {
    this.number = snapshot.number;
    this.trialId = snapshot.trialId;
    this.snapshot = snapshot;
    this.fixedParams = fixedParams;
  }

  /** @internal The sampler's joint proposal, made by `study.ask()` right after creation. */
  setRelativeSample(searchSpace: Record<string, Distribution>, params: Record<string, number>): void {
    this.relativeSearchSpace = searchSpace;
    this.relativeParams = params;
  }

  /**
   * Suggests a float in `[low, high]`.
   * @param options - `log: true` samples uniformly in log space (needs `low > 0`); `step`
   *   restricts values to `low + k * step`.
   * @throws InvalidDistributionError for an impossible range; DistributionMismatchError when
   *   `name` was suggested before with a different distribution.
   */
  suggestFloat(name: string, low: number, high: number, options?: SuggestFloatOptions): number {
    return this.suggest(name, floatDistribution(name, low, high, options)) as number;
  }

  /**
   * Suggests an integer in `[low, high]` (both inclusive).
   * @param options - `log: true` samples in log space (needs `low >= 1`); `step` (default 1).
   */
  suggestInt(name: string, low: number, high: number, options?: SuggestIntOptions): number {
    return this.suggest(name, intDistribution(name, low, high, options)) as number;
  }

  /** Suggests one of `choices` (strings, numbers, booleans or null). */
  suggestCategorical<T extends CategoricalChoice>(name: string, choices: readonly T[]): T {
    return this.suggest(name, categoricalDistribution(name, choices)) as T;
  }

  /**
   * Suggests a value for `name` from any distribution. Suggesting the same name again in the
   * same trial returns the same value; with a different distribution it throws.
   */
  suggest(name: string, distribution: Distribution): ParamValue {
    this.assertRunning(`suggest ${JSON.stringify(name)}`);
    if (typeof name !== "string" || name.length === 0) throw new InvalidDistributionError(`parameter name must be a non-empty string, got ${JSON.stringify(name)}`);
    const existing = this.snapshot.distributions[name];
    if (existing) {
      if (!distributionsEqual(existing, distribution)) {
        throw new DistributionMismatchError(
          `trial ${this.number}: parameter ${JSON.stringify(name)} was already suggested as ${describeDistribution(existing)} and cannot be suggested again as ${describeDistribution(distribution)}`,
        );
      }
      return toExternal(existing, this.snapshot.internalParams[name]!);
    }
    const previous = this.study.paramDistribution(name);
    if (previous) checkDistributionCompatibility(name, previous, distribution);

    let internal: number;
    if (Object.hasOwn(this.fixedParams, name)) {
      const fixed = this.fixedParams[name]!;
      if (!distributionContains(distribution, fixed)) {
        if (distribution.type === "categorical") throw new InvalidDistributionError(`trial ${this.number}: enqueued value ${JSON.stringify(fixed)} of ${JSON.stringify(name)} is not one of ${describeDistribution(distribution)}`);
        logWarning(`trial ${this.number}: enqueued value ${JSON.stringify(fixed)} of ${JSON.stringify(name)} is outside ${describeDistribution(distribution)}; using it anyway`);
      }
      internal = toInternal(distribution, fixed);
    } else if (Object.hasOwn(this.relativeParams, name) && distributionsEqual(this.relativeSearchSpace[name]!, distribution)) {
      internal = this.relativeParams[name]!;
    } else {
      internal = this.study.sampler.sampleIndependent(this.study, this.snapshot, name, distribution);
    }
    this.updateSnapshot(
      this.snapshot.with({
        internalParams: { ...this.snapshot.internalParams, [name]: internal },
        distributions: { ...this.snapshot.distributions, [name]: distribution },
      }),
    );
    this.study.noteParamDistribution(name, distribution);
    this.write((storage) => storage.setTrialParam(this.trialId, name, internal, distribution));
    return toExternal(distribution, internal);
  }

  /**
   * Records an intermediate objective value at `step` (e.g. the validation loss after an epoch),
   * for pruners and plots. Reporting a step twice keeps the first value, like Optuna.
   */
  report(value: number, step: number): void {
    this.assertRunning(`report step ${step}`);
    if (this.study.directions.length > 1) throw new Error("trial.report is not supported for multi-objective studies");
    if (typeof value !== "number") throw new TypeError(`trial.report: value must be a number, got ${typeof value}`);
    if (!Number.isInteger(step) || step < 0) throw new RangeError(`trial.report: step must be a non-negative integer, got ${step}`);
    if (this.snapshot.intermediateValues.has(step)) {
      logWarning(`trial ${this.number}: step ${step} was already reported; keeping the first value`);
      return;
    }
    const intermediateValues = new Map(this.snapshot.intermediateValues);
    intermediateValues.set(step, value);
    this.updateSnapshot(this.snapshot.with({ intermediateValues }));
    this.write((storage) => storage.setTrialIntermediateValue(this.trialId, step, value));
    this.study.refreshInBackground();
  }

  /**
   * Whether the study's pruner says to stop this trial now, judged from its reported values and
   * the other trials as last read from storage. The objective should then throw `TrialPruned`.
   */
  shouldPrune(): boolean {
    if (this.study.directions.length > 1) throw new Error("trial.shouldPrune is not supported for multi-objective studies");
    return this.study.pruner.prune(this.study, this.snapshot);
  }

  /** Attaches a JSON-compatible value to this trial (shown in exports). */
  setUserAttr(key: string, value: AttrValue): void {
    this.assertRunning(`set user attribute ${JSON.stringify(key)}`);
    this.updateSnapshot(this.snapshot.with({ userAttrs: { ...this.snapshot.userAttrs, [key]: value } }));
    this.write((storage) => storage.setTrialUserAttr(this.trialId, key, value));
  }

  /** Attaches internal bookkeeping for samplers and pruners. */
  setSystemAttr(key: string, value: AttrValue): void {
    this.assertRunning(`set system attribute ${JSON.stringify(key)}`);
    this.updateSnapshot(this.snapshot.with({ systemAttrs: { ...this.snapshot.systemAttrs, [key]: value } }));
    this.write((storage) => storage.setTrialSystemAttr(this.trialId, key, value));
  }

  /** Parameters suggested so far, as the objective saw them. */
  get params(): Readonly<Record<string, ParamValue>> {
    return this.snapshot.params;
  }

  /** The distribution each suggested parameter was drawn from. */
  get distributions(): Readonly<Record<string, Distribution>> {
    return this.snapshot.distributions;
  }

  /** Attributes set with {@link setUserAttr}. */
  get userAttrs(): Readonly<Record<string, AttrValue>> {
    return this.snapshot.userAttrs;
  }

  /** Bookkeeping of samplers, pruners and retries. */
  get systemAttrs(): Readonly<Record<string, AttrValue>> {
    return this.snapshot.systemAttrs;
  }

  /** Values passed to {@link report}, by step. */
  get intermediateValues(): ReadonlyMap<number, number> {
    return this.snapshot.intermediateValues;
  }

  /** When the trial started running. */
  get datetimeStart(): Date | null {
    return this.snapshot.datetimeStart;
  }

  /** The trial as it is now (including changes not yet written). */
  get frozen(): FrozenTrial {
    return this.snapshot;
  }

  /** Waits until every change made so far is in storage; rethrows a failed write. */
  async flush(): Promise<void> {
    await this.pendingWrites;
    if (this.writeError !== null) {
      const error = this.writeError;
      this.writeError = null;
      throw error;
    }
  }

  /** @internal Called by `study.tell` once the trial's final state is stored. */
  markFinished(): void {
    this.finished = true;
  }

  /** @internal */
  get isFinished(): boolean {
    return this.finished;
  }

  private assertRunning(action: string): void {
    if (this.finished) throw new TrialFinishedError(`cannot ${action} in trial ${this.number}: it has already finished`);
  }

  private updateSnapshot(next: FrozenTrial): void {
    this.snapshot = next;
    this.study.noteLocalTrial(next);
  }

  private write(operation: (storage: Study["storage"]) => Promise<void>): void {
    this.pendingWrites = this.pendingWrites.then(() =>
      operation(this.study.storage).catch((error: unknown) => {
        if (this.writeError === null) this.writeError = error;
      }),
    );
  }
}

