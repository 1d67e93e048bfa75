import type { Distribution } from "../distributions.js";
import type { AttrValue, FrozenTrial } from "../frozen-trial.js";
import type { StudyDirection, TrialState } from "../trial-state.js";

/** What a storage knows about one study, for listings (`getAllStudySummaries`, the CLI). */
export interface StudySummary {
  studyId: number;
  studyName: string;
  directions: StudyDirection[];
  userAttrs: Record<string, AttrValue>;
  systemAttrs: Record<string, AttrValue>;
  /** Number of trials in any state. */
  nTrials: number;
  /** When the study was created. */
  datetimeStart: Date | null;
}

/** A trial to create as given: used by `enqueueTrial`, `addTrial` and retries of failed trials. */
export interface TrialTemplate {
  state: TrialState;
  values?: readonly number[] | null;
  internalParams?: Record<string, number>;
  distributions?: Record<string, Distribution>;
  userAttrs?: Record<string, AttrValue>;
  systemAttrs?: Record<string, AttrValue>;
  intermediateValues?: ReadonlyMap<number, number>;
  datetimeStart?: Date | null;
  datetimeComplete?: Date | null;
}

/**
 * Called for each trial that `failStaleTrials` marked failed, e.g. {@link RetryFailedTrialCallback}
 * re-enqueues its parameters. `study` is the `Study` that noticed the stale trial.
 */
export type FailedTrialCallback = (study: import("../study.js").Study, trial: FrozenTrial) => void | Promise<void>;

/** Liveness checking for trials whose worker may die (see `failStaleTrials`). */
export interface HeartbeatOptions {
  /** Seconds between heartbeats of a running trial. Heartbeats are off when omitted. */
  heartbeatInterval?: number;
  /** Seconds without a heartbeat after which a running trial is failed (default 2 × interval). */
  gracePeriod?: number;
  /** Called once per trial failed for missing heartbeats. */
  failedTrialCallback?: FailedTrialCallback;
}

/**
 * Where studies and trials live. Every method may be called concurrently from several workers
 * (and, for shared storages, several processes or machines); implementations make each call
 * atomic. Trial numbers are allocated inside the storage so they are unique and gap-free.
 */
export interface Storage {
  /** Heartbeat settings; absent or without `heartbeatInterval` means heartbeats are off. */
  readonly heartbeat?: HeartbeatOptions;
  /** Creates a study; throws `DuplicatedStudyError` if the name exists. Returns its id. */
  createNewStudy(directions: StudyDirection[], studyName?: string): Promise<number>;
  /** Deletes a study and its trials. */
  deleteStudy(studyId: number): Promise<void>;
  /** Throws `StudyNotFoundError` when there is no such study. */
  getStudyIdFromName(studyName: string): Promise<number>;
  /** The name of a study. */
  getStudyName(studyId: number): Promise<string>;
  /** One direction per objective. */
  getStudyDirections(studyId: number): Promise<StudyDirection[]>;
  /** Study attributes set by users. */
  getStudyUserAttrs(studyId: number): Promise<Record<string, AttrValue>>;
  /** Study attributes set by samplers and tools. */
  getStudySystemAttrs(studyId: number): Promise<Record<string, AttrValue>>;
  /** Sets (or replaces) a user attribute of a study. */
  setStudyUserAttr(studyId: number, key: string, value: AttrValue): Promise<void>;
  /** Sets (or replaces) a system attribute of a study. */
  setStudySystemAttr(studyId: number, key: string, value: AttrValue): Promise<void>;
  /** Every study, ordered by creation. */
  getAllStudies(): Promise<StudySummary[]>;
  /** Creates a trial with the next free number: running and empty, or as `template` says. */
  createNewTrial(studyId: number, template?: TrialTemplate): Promise<FrozenTrial>;
  /** Atomically moves the oldest waiting (enqueued) trial to running; `null` when none waits. */
  claimWaitingTrial(studyId: number): Promise<FrozenTrial | null>;
  /** Stores a parameter of an unfinished trial (stored form: choice index for categoricals). */
  setTrialParam(trialId: number, name: string, internalValue: number, distribution: Distribution): Promise<void>;
  /** Stores a reported value of an unfinished trial. */
  setTrialIntermediateValue(trialId: number, step: number, value: number): Promise<void>;
  /** Sets a user attribute of an unfinished trial. */
  setTrialUserAttr(trialId: number, key: string, value: AttrValue): Promise<void>;
  /** Sets a system attribute of an unfinished trial. */
  setTrialSystemAttr(trialId: number, key: string, value: AttrValue): Promise<void>;
  /**
   * Moves a running trial to a finished state with its values. Throws `TrialFinishedError` when
   * the trial has already finished (for example because it was failed as stale).
   */
  setTrialState(trialId: number, state: TrialState, values?: readonly number[] | null): Promise<void>;
  /** One trial by its storage-wide id. */
  getTrial(trialId: number): Promise<FrozenTrial>;
  /** All trials of a study ordered by number, optionally only those in `states`. */
  getAllTrials(studyId: number, states?: readonly TrialState[]): Promise<FrozenTrial[]>;
  /** Records that the worker of a running trial is alive. */
  recordHeartbeat(trialId: number): Promise<void>;
  /**
   * Atomically fails running trials whose last heartbeat is older than `gracePeriod` seconds and
   * returns the trials this call failed (each stale trial is returned to exactly one caller).
   */
  failStaleTrials(studyId: number, gracePeriod: number): Promise<FrozenTrial[]>;
  /** Releases files, connections and timers. */
  close(): Promise<void>;
}

/** The key under which the reason of a failed trial is stored in its system attributes. */
export const FAIL_REASON_KEY = "failReason";
/** System attribute holding the parameters an enqueued trial must use. */
export const FIXED_PARAMS_KEY = "fixedParams";
