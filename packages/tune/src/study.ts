import { type Distribution, type ParamValue, describeDistribution, distributionContains, toInternal } from "./distributions.js";
import { DuplicatedStudyError, InvalidObjectiveValueError, TrialFinishedError, isTrialPruned } from "./errors.js";
import { type AttrValue, FrozenTrial } from "./frozen-trial.js";
import { logInfo, logWarning } from "./logging.js";
import { paretoFront } from "./multi-objective.js";
import { MedianPruner } from "./pruners/median-pruner.js";
import type { Pruner } from "./pruners/pruner.js";
import { NsgaIISampler } from "./samplers/nsga2-sampler.js";
import type { Sampler } from "./samplers/sampler.js";
import { TpeSampler } from "./samplers/tpe-sampler.js";
import { FAIL_REASON_KEY, FIXED_PARAMS_KEY, type Storage, type StudySummary } from "./storages/storage.js";
import { resolveStorage } from "./storages/storage-url.js";
import { trialsToCsv, trialsToJson } from "./export.js";
import { Trial } from "./trial.js";
import { type StudyDirection, TrialState, isFinishedState, parseDirection } from "./trial-state.js";

/** What an objective returns: one value per direction of the study. */
export type ObjectiveValue = number | readonly number[];

/** The function a study optimizes. It may be async. */
export type Objective = (trial: Trial) => ObjectiveValue | Promise<ObjectiveValue>;

/** Called after every trial of `optimize` with the trial as stored. */
export type StudyCallback = (study: Study, trial: FrozenTrial) => void | Promise<void>;

/** An error class, for `OptimizeOptions.catch`. */
export type ErrorClass = abstract new (...args: never[]) => Error;

/** Options of {@link Study.optimize}. */
export interface OptimizeOptions {
  /** Number of trials to run (over all jobs). Without it and `timeout`, runs until `study.stop()`. */
  nTrials?: number;
  /** Stop starting new trials after this many seconds. */
  timeout?: number;
  /** Trials evaluated concurrently in this process (for async objectives). Default 1. */
  nJobs?: number;
  /** Called after each trial. */
  callbacks?: readonly StudyCallback[];
  /**
   * Errors of these classes mark the trial failed and optimization goes on; any other error
   * thrown by the objective marks the trial failed and is rethrown.
   */
  catch?: readonly ErrorClass[];
}

/** Options of {@link Study.tell}. */
export interface TellOptions {
  /** Final state; default `complete` when values are given. */
  state?: TrialState;
  /** Return quietly when the trial has already finished instead of throwing. */
  skipIfFinished?: boolean;
  /** Why the trial failed (stored in its system attributes). */
  failReason?: string;
}

/** Options of {@link Study.enqueueTrial}. */
export interface EnqueueTrialOptions {
  userAttrs?: Record<string, AttrValue>;
  /** Do nothing when a trial with exactly these parameters exists already. */
  skipIfExists?: boolean;
}

/** A finished (or waiting) trial to add as is, e.g. from an earlier experiment. */
export interface TrialRecord {
  state?: TrialState;
  value?: number;
  values?: readonly number[];
  params?: Record<string, ParamValue>;
  distributions?: Record<string, Distribution>;
  userAttrs?: Record<string, AttrValue>;
  systemAttrs?: Record<string, AttrValue>;
  intermediateValues?: ReadonlyMap<number, number> | Record<number, number>;
}

/** Options of {@link createStudy}. */
export interface CreateStudyOptions {
  /** A storage, or a URL: `"memory:"`, `"journal:./path.log"`, `"postgresql://…"`. Default in-memory. */
  storage?: Storage | string;
  /** Default: TPE for one objective, NSGA-II for several. */
  sampler?: Sampler;
  /** Default: `MedianPruner`. */
  pruner?: Pruner;
  /** Default: a generated unique name. */
  studyName?: string;
  /** For a single objective; default `"minimize"`. */
  direction?: StudyDirection;
  /** One direction per objective for multi-objective studies. */
  directions?: readonly StudyDirection[];
  /** Load the study when one with this name exists instead of throwing. */
  loadIfExists?: boolean;
}

/** Options of {@link loadStudy}. */
export interface LoadStudyOptions {
  studyName?: string;
  storage: Storage | string;
  sampler?: Sampler;
  pruner?: Pruner;
}

/**
 * An optimization task: a set of trials in a storage, a sampler proposing parameters and a
 * pruner stopping bad trials early. Create one with {@link createStudy} or {@link loadStudy}.
 *
 * Reads (`trials`, `bestTrial`, …) are synchronous and reflect storage as of the last
 * `refresh()`, which `ask()`, `optimize()` and `loadStudy()` do; this process's own trials are
 * always current.
 */
export class Study {
  private readonly cache = new Map<number, FrozenTrial>();
  private sortedTrials: FrozenTrial[] | null = null;
  private readonly liveTrials = new Map<number, Trial>();
  private readonly heartbeatTimers = new Map<number, ReturnType<typeof setInterval>>();
  private readonly paramDistributions = new Map<string, Distribution>();
  private backgroundRefresh: Promise<void> | null = null;
  private stopRequested = false;
  private cachedUserAttrs: Record<string, AttrValue> = {};
  private cachedSystemAttrs: Record<string, AttrValue> = {};

  /** @internal Use {@link createStudy} or {@link loadStudy}. */
  constructor(
    readonly studyName: string,
    readonly studyId: number,
    readonly storage: Storage,
    readonly directions: readonly StudyDirection[],
    readonly sampler: Sampler,
    readonly pruner: Pruner,
  ) {}

  /** The direction of a single-objective study. */
  get direction(): StudyDirection {
    if (this.directions.length !== 1) throw new Error(`study ${JSON.stringify(this.studyName)} has ${this.directions.length} objectives; use .directions`);
    return this.directions[0]!;
  }

  /** Whether the study has more than one objective. */
  get isMultiObjective(): boolean {
    return this.directions.length > 1;
  }

  /** All trials ordered by number. */
  get trials(): FrozenTrial[] {
    return this.getTrials();
  }

  /** Trials ordered by number, optionally only those in `states`. Returns a new array. */
  getTrials(options: { states?: readonly TrialState[] } = {}): FrozenTrial[] {
    if (this.sortedTrials === null) this.sortedTrials = [...this.cache.values()].sort((a, b) => a.number - b.number);
    const states = options.states;
    return states ? this.sortedTrials.filter((trial) => states.includes(trial.state)) : [...this.sortedTrials];
  }

  /** The best complete trial of a single-objective study. Throws when there is none yet. */
  get bestTrial(): FrozenTrial {
    const direction = this.direction;
    let best: FrozenTrial | null = null;
    for (const trial of this.getTrials({ states: [TrialState.Complete] })) {
      const value = trial.values![0]!;
      if (best === null || (direction === "minimize" ? value < best.values![0]! : value > best.values![0]!)) best = trial;
    }
    if (best === null) throw new Error(`study ${JSON.stringify(this.studyName)} has no complete trials yet`);
    return best;
  }

  /** The objective value of {@link bestTrial}. */
  get bestValue(): number {
    return this.bestTrial.values![0]!;
  }

  /** The parameters of {@link bestTrial}. */
  get bestParams(): Readonly<Record<string, ParamValue>> {
    return this.bestTrial.params;
  }

  /** The Pareto front: complete trials that no other complete trial dominates. */
  get bestTrials(): FrozenTrial[] {
    return paretoFront(this.getTrials({ states: [TrialState.Complete] }), this.directions);
  }

  /** Study-level user attributes as of the last refresh. */
  get userAttrs(): Readonly<Record<string, AttrValue>> {
    return this.cachedUserAttrs;
  }

  /** Study-level system attributes as of the last refresh. */
  get systemAttrs(): Readonly<Record<string, AttrValue>> {
    return this.cachedSystemAttrs;
  }

  /** Stores a JSON-compatible study attribute. */
  async setUserAttr(key: string, value: AttrValue): Promise<void> {
    await this.storage.setStudyUserAttr(this.studyId, key, value);
    this.cachedUserAttrs = { ...this.cachedUserAttrs, [key]: value };
  }

  /** Stores study bookkeeping for samplers and tools. */
  async setSystemAttr(key: string, value: AttrValue): Promise<void> {
    await this.storage.setStudySystemAttr(this.studyId, key, value);
    this.cachedSystemAttrs = { ...this.cachedSystemAttrs, [key]: value };
  }

  /** Re-reads trials and study attributes from storage. */
  async refresh(): Promise<void> {
    const [trials, userAttrs, systemAttrs] = await Promise.all([
      this.storage.getAllTrials(this.studyId),
      this.storage.getStudyUserAttrs(this.studyId),
      this.storage.getStudySystemAttrs(this.studyId),
    ]);
    for (const trial of trials) this.mergeTrial(trial);
    this.cachedUserAttrs = userAttrs;
    this.cachedSystemAttrs = systemAttrs;
  }

  /** @internal Starts a refresh unless one is in flight (used after `report` for pruning). */
  refreshInBackground(): void {
    if (this.backgroundRefresh) return;
    this.backgroundRefresh = this.refresh()
      .catch((error: unknown) => logWarning(`refreshing study ${JSON.stringify(this.studyName)} failed: ${(error as Error).message}`))
      .finally(() => {
        this.backgroundRefresh = null;
      });
  }

  /** Never let an older unfinished snapshot replace a finished one; prefer live local trials. */
  private mergeTrial(trial: FrozenTrial): void {
    const live = this.liveTrials.get(trial.number);
    if (live && !isFinishedState(trial.state)) return;
    const known = this.cache.get(trial.number);
    if (known && known.isFinished && !trial.isFinished) return;
    if (known === trial) return;
    this.cache.set(trial.number, trial);
    this.sortedTrials = null;
    for (const [name, distribution] of Object.entries(trial.distributions)) {
      if (!this.paramDistributions.has(name)) this.paramDistributions.set(name, distribution);
    }
  }

  /** @internal The first distribution seen for a parameter name in this study. */
  paramDistribution(name: string): Distribution | undefined {
    return this.paramDistributions.get(name);
  }

  /** @internal */
  noteParamDistribution(name: string, distribution: Distribution): void {
    if (!this.paramDistributions.has(name)) this.paramDistributions.set(name, distribution);
  }

  /** @internal Keeps the cache current with a live trial of this process. */
  noteLocalTrial(trial: FrozenTrial): void {
    const known = this.cache.get(trial.number);
    this.cache.set(trial.number, trial);
    if (known && this.sortedTrials) {
      // Replacing a snapshot keeps the order: patch it in place instead of sorting again.
      const index = this.sortedTrials[trial.number] === known ? trial.number : this.sortedTrials.indexOf(known);
      if (index >= 0) {
        this.sortedTrials[index] = trial;
        return;
      }
    }
    this.sortedTrials = null;
  }

  /**
   * Sets a system attribute of a running trial of this process (for samplers and pruners that
   * keep bookkeeping on trials, e.g. successive halving's rungs).
   */
  setTrialSystemAttr(trialNumber: number, key: string, value: AttrValue): void {
    const live = this.liveTrials.get(trialNumber);
    if (!live) throw new Error(`trial ${trialNumber} is not running in this process`);
    live.setSystemAttr(key, value);
  }

  /** Asks `optimize` to start no further trials (running ones finish). */
  stop(): void {
    this.stopRequested = true;
  }

  /**
   * Runs `objective` on new trials until `nTrials` or `timeout` is reached or `stop()` is called.
   * A trial whose objective throws `TrialPruned` is recorded as pruned; one that throws or
   * returns NaN is recorded as failed with the reason in `systemAttrs.failReason`.
   */
  async optimize(objective: Objective, options: OptimizeOptions = {}): Promise<void> {
    const { nTrials, timeout, nJobs = 1, callbacks = [], catch: catchList = [] } = options;
    if (nTrials !== undefined && (!Number.isInteger(nTrials) || nTrials < 0)) throw new RangeError(`optimize: nTrials must be a non-negative integer, got ${nTrials}`);
    if (timeout !== undefined && !(timeout >= 0)) throw new RangeError(`optimize: timeout must be a non-negative number of seconds, got ${timeout}`);
    if (!Number.isInteger(nJobs) || nJobs < 1) throw new RangeError(`optimize: nJobs must be a positive integer, got ${nJobs}`);
    if (typeof objective !== "function") throw new TypeError("optimize: objective must be a function (trial) => number | number[]");
    this.stopRequested = false;
    const deadline = timeout === undefined ? Infinity : Date.now() + timeout * 1000;
    let started = 0;
    let firstError: unknown = null;
    const job = async (): Promise<void> => {
      while (!this.stopRequested && firstError === null && (nTrials === undefined || started < nTrials) && Date.now() < deadline) {
        started++;
        try {
          const frozen = await this.runTrial(objective, catchList);
          for (const callback of callbacks) await callback(this, frozen);
        } catch (error) {
          if (firstError === null) firstError = error;
        }
      }
    };
    await Promise.all(Array.from({ length: nJobs }, job));
    await this.refresh().catch(() => undefined);
    if (firstError !== null) throw firstError;
  }

  private async runTrial(objective: Objective, catchList: readonly ErrorClass[]): Promise<FrozenTrial> {
    const trial = await this.ask();
    let result: ObjectiveValue | undefined;
    let thrown: unknown = null;
    try {
      result = await objective(trial);
    } catch (error) {
      thrown = error;
    }
    let frozen: FrozenTrial;
    try {
      if (thrown === null) {
        frozen = await this.tell(trial, result, {});
      } else if (isTrialPruned(thrown)) {
        frozen = await this.tell(trial, undefined, { state: TrialState.Pruned });
      } else {
        const reason = thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
        frozen = await this.tell(trial, undefined, { state: TrialState.Fail, failReason: reason });
        logWarning(`trial ${trial.number} failed because of ${reason}`);
      }
    } catch (error) {
      if (!(error instanceof TrialFinishedError)) throw error;
      // Finished meanwhile by someone else (e.g. failed as stale while this worker was paused).
      logWarning(`trial ${trial.number} could not be finished: ${error.message}`);
      frozen = await this.storage.getTrial(trial.trialId);
      this.mergeTrial(frozen);
    }
    if (thrown !== null && !isTrialPruned(thrown) && !catchList.some((errorClass) => thrown instanceof errorClass)) throw thrown;
    return frozen;
  }

  /**
   * Starts a trial for an objective run outside `optimize` (ask-and-tell interface). Runs the
   * heartbeat's stale-trial check first, then takes an enqueued trial if one is waiting.
   * @param fixedDistributions - Parameters to suggest at once; read them from `trial.params`.
   */
  async ask(fixedDistributions: Record<string, Distribution> = {}): Promise<Trial> {
    if (this.storage.heartbeat?.heartbeatInterval !== undefined) await this.failStaleTrials();
    await this.refresh();
    const snapshot = (await this.storage.claimWaitingTrial(this.studyId)) ?? (await this.storage.createNewTrial(this.studyId));
    this.noteLocalTrial(snapshot);
    const fixedParams = (snapshot.systemAttrs[FIXED_PARAMS_KEY] ?? {}) as Record<string, ParamValue>;
    const trial = new Trial(this, snapshot, fixedParams);
    this.liveTrials.set(trial.number, trial);
    this.startHeartbeat(trial);
    try {
      this.sampler.beforeTrial?.(this, trial.frozen);
      const searchSpace = this.sampler.inferRelativeSearchSpace(this, trial.frozen);
      const params = Object.keys(searchSpace).length > 0 ? this.sampler.sampleRelative(this, trial.frozen, searchSpace) : {};
      trial.setRelativeSample(searchSpace, params);
    } catch (error) {
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      await this.tell(trial, undefined, { state: TrialState.Fail, failReason: `the sampler failed: ${reason}` }).catch(() => undefined);
      throw error;
    }
    for (const [name, distribution] of Object.entries(fixedDistributions)) trial.suggest(name, distribution);
    return trial;
  }

  /**
   * Finishes a trial started with `ask` (or by number). With values and no state the trial is
   * complete; a NaN value or a wrong number of values fails it, with the reason stored.
   * A pruned single-objective trial takes its last intermediate value as its value.
   */
  async tell(trialOrNumber: Trial | number, values?: ObjectiveValue, options: TellOptions = {}): Promise<FrozenTrial> {
    const trial = typeof trialOrNumber === "number" ? this.liveTrials.get(trialOrNumber) : trialOrNumber;
    let trialId: number;
    let number: number;
    if (trial) {
      if (trial.study !== this) throw new Error(`tell: trial ${trial.number} belongs to another study`);
      trialId = trial.trialId;
      number = trial.number;
    } else {
      const stored = this.getTrials().find((candidate) => candidate.number === trialOrNumber) ?? (await this.refresh(), this.getTrials().find((candidate) => candidate.number === trialOrNumber));
      if (!stored) throw new RangeError(`tell: study ${JSON.stringify(this.studyName)} has no trial number ${String(trialOrNumber)}`);
      trialId = stored.trialId;
      number = stored.number;
    }
    if (trial?.isFinished) {
      if (options.skipIfFinished) return this.cache.get(number)!;
      throw new TrialFinishedError(`tell: trial ${number} has already finished`);
    }

    let state = options.state ?? (values === undefined ? TrialState.Fail : TrialState.Complete);
    let failReason = options.failReason ?? (options.state === undefined && values === undefined ? "tell was called without values or state" : undefined);
    let finalValues: number[] | null = null;
    if (state === TrialState.Complete) {
      const checked = checkObjectiveValues(values, this.directions.length);
      if (typeof checked === "string") {
        state = TrialState.Fail;
        failReason = checked;
        logWarning(`trial ${number} failed: ${checked}`);
      } else {
        finalValues = checked;
      }
    } else if (state === TrialState.Pruned) {
      const current = trial?.frozen ?? this.cache.get(number);
      const lastStep = current?.lastStep ?? null;
      const last = lastStep === null ? undefined : current!.intermediateValues.get(lastStep);
      if (last !== undefined && !Number.isNaN(last)) finalValues = [last];
    } else if (state !== TrialState.Fail) {
      throw new RangeError(`tell: state must be complete, pruned or fail, got ${JSON.stringify(state)}`);
    }

    try {
      if (trial) await trial.flush();
      const current = trial?.frozen ?? (await this.storage.getTrial(trialId));
      if (current.isFinished) throw new TrialFinishedError(`tell: trial ${number} has already finished (${current.state})`);
      this.sampler.afterTrial?.(this, current, state, finalValues);
      if (trial) await trial.flush(); // afterTrial may have queued bookkeeping
      if (failReason !== undefined) await this.storage.setTrialSystemAttr(trialId, FAIL_REASON_KEY, failReason);
      await this.storage.setTrialState(trialId, state, finalValues);
    } catch (error) {
      if (error instanceof TrialFinishedError && options.skipIfFinished) return this.cache.get(number) ?? (await this.storage.getTrial(trialId));
      throw error;
    } finally {
      this.stopHeartbeat(number);
      if (trial) {
        trial.markFinished();
        this.liveTrials.delete(number);
      }
    }
    const frozen = await this.storage.getTrial(trialId);
    this.mergeTrial(frozen);
    logInfo(`trial ${number} finished: ${state}${finalValues ? ` with values ${JSON.stringify(finalValues)}` : ""} and parameters ${JSON.stringify(frozen.params)}`);
    return frozen;
  }

  /**
   * Queues a trial whose parameters are fixed to `params` (parameters not listed are sampled as
   * usual). The next `ask()` of any worker takes it.
   */
  async enqueueTrial(params: Record<string, ParamValue>, options: EnqueueTrialOptions = {}): Promise<void> {
    if (options.skipIfExists) {
      await this.refresh();
      const wanted = JSON.stringify(sortedEntries(params));
      for (const trial of this.getTrials()) {
        const existing = trial.state === TrialState.Waiting ? (trial.systemAttrs[FIXED_PARAMS_KEY] as Record<string, ParamValue>) : trial.params;
        if (JSON.stringify(sortedEntries(existing ?? {})) === wanted) return;
      }
    }
    const trial = await this.storage.createNewTrial(this.studyId, {
      state: TrialState.Waiting,
      userAttrs: options.userAttrs ?? {},
      systemAttrs: { [FIXED_PARAMS_KEY]: params as Record<string, AttrValue> },
    });
    this.mergeTrial(trial);
  }

  /** Adds a finished trial as given (e.g. results from elsewhere), validating it first. */
  async addTrial(record: TrialRecord): Promise<FrozenTrial> {
    const state = record.state ?? TrialState.Complete;
    const internalParams: Record<string, number> = {};
    const distributions: Record<string, Distribution> = {};
    for (const [name, value] of Object.entries(record.params ?? {})) {
      const distribution = record.distributions?.[name];
      if (!distribution) throw new RangeError(`addTrial: parameter ${JSON.stringify(name)} needs a distribution`);
      if (!distributionContains(distribution, value)) throw new RangeError(`addTrial: value ${JSON.stringify(value)} of ${JSON.stringify(name)} is not in ${describeDistribution(distribution)}`);
      internalParams[name] = toInternal(distribution, value);
      distributions[name] = distribution;
    }
    let values: number[] | null = null;
    if (state === TrialState.Complete) {
      const checked = checkObjectiveValues(record.values ?? record.value, this.directions.length);
      if (typeof checked === "string") throw new InvalidObjectiveValueError(`addTrial: ${checked}`);
      values = checked;
    } else if (record.values ?? record.value !== undefined) {
      values = [...(record.values ?? [record.value!])];
    }
    const intermediate = record.intermediateValues instanceof Map ? record.intermediateValues : new Map(Object.entries(record.intermediateValues ?? {}).map(([step, value]) => [Number(step), value]));
    const now = new Date();
    const trial = await this.storage.createNewTrial(this.studyId, {
      state,
      values,
      internalParams,
      distributions,
      userAttrs: record.userAttrs ?? {},
      systemAttrs: record.systemAttrs ?? {},
      intermediateValues: intermediate,
      datetimeStart: state === TrialState.Waiting ? null : now,
      datetimeComplete: isFinishedState(state) ? now : null,
    });
    this.mergeTrial(trial);
    for (const [name, distribution] of Object.entries(distributions)) this.noteParamDistribution(name, distribution);
    return trial;
  }

  /**
   * Fails running trials whose worker stopped sending heartbeats (see `HeartbeatOptions`) and
   * runs the storage's `failedTrialCallback` for each. Returns the trials failed by this call.
   */
  async failStaleTrials(): Promise<FrozenTrial[]> {
    const heartbeat = this.storage.heartbeat;
    if (heartbeat?.heartbeatInterval === undefined) return [];
    const grace = heartbeat.gracePeriod ?? 2 * heartbeat.heartbeatInterval;
    const failed = await this.storage.failStaleTrials(this.studyId, grace);
    for (const trial of failed) {
      this.mergeTrial(trial);
      logWarning(`trial ${trial.number} failed: its worker sent no heartbeat for ${grace} s`);
      if (heartbeat.failedTrialCallback) await heartbeat.failedTrialCallback(this, trial);
    }
    return failed;
  }

  private startHeartbeat(trial: Trial): void {
    const interval = this.storage.heartbeat?.heartbeatInterval;
    if (interval === undefined) return;
    const timer = setInterval(() => {
      this.storage.recordHeartbeat(trial.trialId).catch((error: unknown) => logWarning(`heartbeat of trial ${trial.number} failed: ${(error as Error).message}`));
    }, interval * 1000);
    timer.unref?.();
    this.heartbeatTimers.set(trial.number, timer);
  }

  private stopHeartbeat(number: number): void {
    const timer = this.heartbeatTimers.get(number);
    if (timer !== undefined) clearInterval(timer);
    this.heartbeatTimers.delete(number);
  }

  /** All trials as CSV (one row per trial; see `trialsToCsv`). */
  toCsv(): string {
    return trialsToCsv(this.getTrials(), this.directions);
  }

  /** All trials as a JSON document with the study's name and directions. */
  toJson(): string {
    return trialsToJson(this.getTrials(), { studyName: this.studyName, directions: this.directions });
  }
}

function sortedEntries(params: Record<string, unknown>): [string, unknown][] {
  return Object.entries(params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Validates what an objective returned; returns the values or the reason they are unusable. */
function checkObjectiveValues(result: unknown, nObjectives: number): number[] | string {
  const values = typeof result === "number" ? [result] : Array.isArray(result) ? (result as unknown[]) : null;
  if (values === null) return `the objective returned ${result === undefined ? "undefined" : JSON.stringify(result) ?? typeof result}, not a number${nObjectives > 1 ? " array" : ""}`;
  if (values.length !== nObjectives) return `the objective returned ${values.length} values but the study has ${nObjectives} objective(s)`;
  for (const value of values) {
    if (typeof value !== "number") return `the objective returned a non-number value ${JSON.stringify(value)}`;
    if (Number.isNaN(value)) return "the objective returned NaN";
  }
  return values as number[];
}

/**
 * Creates a study (or loads it with `loadIfExists`).
 * @example
 * const study = await createStudy({ direction: "minimize", sampler: new TpeSampler({ seed: 1 }) });
 * await study.optimize((trial) => (trial.suggestFloat("x", -10, 10) - 2) ** 2, { nTrials: 50 });
 */
export async function createStudy(options: CreateStudyOptions = {}): Promise<Study> {
  if (options.direction !== undefined && options.directions !== undefined) throw new RangeError("createStudy: pass either direction or directions, not both");
  const directions = (options.directions ?? [options.direction ?? "minimize"]).map(parseDirection);
  if (directions.length === 0) throw new RangeError("createStudy: directions must not be empty");
  const storage = await resolveStorage(options.storage);
  let studyId: number;
  try {
    studyId = await storage.createNewStudy(directions, options.studyName);
  } catch (error) {
    if (!(error instanceof DuplicatedStudyError) || !options.loadIfExists) throw error;
    return loadStudy({ studyName: options.studyName!, storage, ...(options.sampler ? { sampler: options.sampler } : {}), ...(options.pruner ? { pruner: options.pruner } : {}) });
  }
  const studyName = await storage.getStudyName(studyId);
  return new Study(studyName, studyId, storage, directions, options.sampler ?? defaultSampler(directions), options.pruner ?? new MedianPruner());
}

/**
 * Opens an existing study. `studyName` may be omitted when the storage holds exactly one study.
 */
export async function loadStudy(options: LoadStudyOptions): Promise<Study> {
  const storage = await resolveStorage(options.storage);
  let studyName = options.studyName;
  if (studyName === undefined) {
    const studies = await storage.getAllStudies();
    if (studies.length !== 1) throw new RangeError(`loadStudy: the storage holds ${studies.length} studies; pass studyName (one of ${studies.map((s) => JSON.stringify(s.studyName)).join(", ")})`);
    studyName = studies[0]!.studyName;
  }
  const studyId = await storage.getStudyIdFromName(studyName);
  const directions = await storage.getStudyDirections(studyId);
  const study = new Study(studyName, studyId, storage, directions, options.sampler ?? defaultSampler(directions), options.pruner ?? new MedianPruner());
  await study.refresh();
  return study;
}

/** Deletes a study and all its trials. */
export async function deleteStudy(options: { studyName: string; storage: Storage | string }): Promise<void> {
  const storage = await resolveStorage(options.storage);
  await storage.deleteStudy(await storage.getStudyIdFromName(options.studyName));
}

/** Summaries of every study in a storage (name, directions, number of trials, …). */
export async function getAllStudySummaries(storage: Storage | string): Promise<StudySummary[]> {
  return (await resolveStorage(storage)).getAllStudies();
}

function defaultSampler(directions: readonly StudyDirection[]): Sampler {
  return directions.length > 1 ? new NsgaIISampler() : new TpeSampler();
}

