import { type Distribution, distributionFromJson } from "../distributions.js";
import { type AttrValue, FrozenTrial, type FrozenTrialFields } from "../frozen-trial.js";
import { DuplicatedStudyError, StudyNotFoundError, TrialFinishedError } from "../errors.js";
import { type StudyDirection, TrialState, isFinishedState, parseTrialState } from "../trial-state.js";
import { FAIL_REASON_KEY, type StudySummary, type TrialTemplate } from "./storage.js";

/**
 * One change to a storage. The in-memory storage applies operations directly; the journal
 * file storage appends each one as a JSON line and rebuilds its state by replaying them, so an
 * operation carries every id, number and timestamp it needs to replay identically.
 * Numbers that JSON cannot hold (NaN, ±Infinity) are written as strings.
 */
export type JournalOperation =
  | { op: "createStudy"; studyId: number; studyName: string; directions: StudyDirection[]; time: number }
  | { op: "deleteStudy"; studyId: number }
  | { op: "setStudyUserAttr" | "setStudySystemAttr"; studyId: number; key: string; value: AttrValue }
  | {
      op: "createTrial";
      studyId: number;
      trialId: number;
      number: number;
      state: TrialState;
      time: number;
      values?: (number | string)[] | null;
      params?: Record<string, [number, Distribution]>;
      userAttrs?: Record<string, AttrValue>;
      systemAttrs?: Record<string, AttrValue>;
      intermediate?: [number, number | string][];
      start?: number | null;
      complete?: number | null;
      /** The creating worker sends heartbeats for this trial. */
      heartbeat?: boolean;
    }
  | { op: "setTrialParam"; trialId: number; name: string; value: number; distribution: Distribution }
  | { op: "setTrialState"; trialId: number; state: TrialState; values?: (number | string)[] | null; time: number; reason?: string; heartbeat?: boolean }
  | { op: "setTrialIntermediateValue"; trialId: number; step: number; value: number | string }
  | { op: "setTrialUserAttr" | "setTrialSystemAttr"; trialId: number; key: string; value: AttrValue }
  | { op: "heartbeat"; trialId: number; time: number };

/** Writes a number so that JSON keeps NaN and infinities. */
export function encodeNumber(value: number): number | string {
  return Number.isFinite(value) ? value : String(value);
}

/** Reads what {@link encodeNumber} wrote. */
export function decodeNumber(value: number | string): number {
  return typeof value === "number" ? value : Number(value);
}

interface StudyRecord {
  studyId: number;
  studyName: string;
  directions: StudyDirection[];
  userAttrs: Record<string, AttrValue>;
  systemAttrs: Record<string, AttrValue>;
  trialIds: number[];
  /** Waiting (enqueued) trials in order of number, so that claiming one needs no scan. */
  waitingTrialIds: number[];
  created: Date;
}

/**
 * The state that journal operations build: studies, trials (immutable snapshots replaced on
 * change) and heartbeats. `apply` validates an operation completely before changing anything,
 * so a rejected operation leaves the state as it was.
 */
export class JournalState {
  private readonly studies = new Map<number, StudyRecord>();
  private readonly studyIdsByName = new Map<string, number>();
  private readonly trials = new Map<number, FrozenTrial>();
  private readonly studyOfTrial = new Map<number, number>();
  /** Last sign of life per running trial, in epoch milliseconds. */
  private readonly heartbeats = new Map<number, number>();
  private nextStudyIdValue = 0;
  private nextTrialIdValue = 0;

  get nextStudyId(): number {
    return this.nextStudyIdValue;
  }
  get nextTrialId(): number {
    return this.nextTrialIdValue;
  }

  apply(operation: JournalOperation): void {
    switch (operation.op) {
      case "createStudy": {
        if (this.studyIdsByName.has(operation.studyName)) throw new DuplicatedStudyError(`a study named ${JSON.stringify(operation.studyName)} already exists`);
        this.studies.set(operation.studyId, {
          studyId: operation.studyId,
          studyName: operation.studyName,
          directions: [...operation.directions],
          userAttrs: {},
          systemAttrs: {},
          trialIds: [],
          waitingTrialIds: [],
          created: new Date(operation.time),
        });
        this.studyIdsByName.set(operation.studyName, operation.studyId);
        this.nextStudyIdValue = Math.max(this.nextStudyIdValue, operation.studyId + 1);
        return;
      }
      case "deleteStudy": {
        const study = this.study(operation.studyId);
        for (const trialId of study.trialIds) {
          this.trials.delete(trialId);
          this.studyOfTrial.delete(trialId);
          this.heartbeats.delete(trialId);
        }
        this.studies.delete(study.studyId);
        this.studyIdsByName.delete(study.studyName);
        return;
      }
      case "setStudyUserAttr":
      case "setStudySystemAttr": {
        const study = this.study(operation.studyId);
        const target = operation.op === "setStudyUserAttr" ? "userAttrs" : "systemAttrs";
        study[target] = { ...study[target], [operation.key]: operation.value };
        return;
      }
      case "createTrial": {
        const study = this.study(operation.studyId);
        if (this.trials.has(operation.trialId)) throw new Error(`journal: trial id ${operation.trialId} already exists`);
        if (operation.number !== study.trialIds.length) throw new Error(`journal: trial number ${operation.number} is not the next number ${study.trialIds.length}`);
        const internalParams: Record<string, number> = {};
        const distributions: Record<string, Distribution> = {};
        for (const [name, [value, distribution]] of Object.entries(operation.params ?? {})) {
          internalParams[name] = value;
          distributions[name] = distributionFromJson(distribution);
        }
        const state = parseTrialState(operation.state);
        const start = operation.start !== undefined ? operation.start : state === TrialState.Waiting ? null : operation.time;
        const complete = operation.complete !== undefined ? operation.complete : isFinishedState(state) ? operation.time : null;
        const trial = new FrozenTrial({
          trialId: operation.trialId,
          number: operation.number,
          state,
          values: operation.values ? operation.values.map(decodeNumber) : null,
          datetimeStart: start === null ? null : new Date(start),
          datetimeComplete: complete === null ? null : new Date(complete),
          internalParams,
          distributions,
          userAttrs: { ...(operation.userAttrs ?? {}) },
          systemAttrs: { ...(operation.systemAttrs ?? {}) },
          intermediateValues: new Map((operation.intermediate ?? []).map(([step, value]) => [step, decodeNumber(value)])),
        });
        this.trials.set(trial.trialId, trial);
        this.studyOfTrial.set(trial.trialId, study.studyId);
        study.trialIds.push(trial.trialId);
        if (state === TrialState.Waiting) study.waitingTrialIds.push(trial.trialId);
        if (state === TrialState.Running && operation.heartbeat) this.heartbeats.set(trial.trialId, operation.time);
        this.nextTrialIdValue = Math.max(this.nextTrialIdValue, operation.trialId + 1);
        return;
      }
      case "setTrialParam": {
        const trial = this.unfinishedTrial(operation.trialId, `set parameter ${JSON.stringify(operation.name)}`);
        this.trials.set(
          trial.trialId,
          trial.with({
            internalParams: { ...trial.internalParams, [operation.name]: operation.value },
            distributions: { ...trial.distributions, [operation.name]: distributionFromJson(operation.distribution) },
          }),
        );
        return;
      }
      case "setTrialState": {
        const state = parseTrialState(operation.state);
        const trial = this.unfinishedTrial(operation.trialId, `set its state to ${state}`);
        if (state === TrialState.Running && trial.state !== TrialState.Waiting) throw new TrialFinishedError(`trial ${trial.number} is already running`);
        const changes: Partial<FrozenTrialFields> = { state };
        if (state === TrialState.Running) {
          changes.datetimeStart = new Date(operation.time);
          if (operation.heartbeat) this.heartbeats.set(trial.trialId, operation.time);
        }
        if (isFinishedState(state)) {
          changes.datetimeComplete = new Date(operation.time);
          this.heartbeats.delete(trial.trialId);
        }
        if (operation.values !== undefined) changes.values = operation.values ? operation.values.map(decodeNumber) : null;
        if (operation.reason !== undefined) changes.systemAttrs = { ...trial.systemAttrs, [FAIL_REASON_KEY]: operation.reason };
        this.trials.set(trial.trialId, trial.with(changes));
        if (trial.state === TrialState.Waiting) {
          const waiting = this.study(this.studyOfTrial.get(trial.trialId)!).waitingTrialIds;
          waiting.splice(waiting.indexOf(trial.trialId), 1);
        }
        return;
      }
      case "setTrialIntermediateValue": {
        const trial = this.unfinishedTrial(operation.trialId, `report step ${operation.step}`);
        const intermediateValues = new Map(trial.intermediateValues);
        intermediateValues.set(operation.step, decodeNumber(operation.value));
        this.trials.set(trial.trialId, trial.with({ intermediateValues }));
        return;
      }
      case "setTrialUserAttr":
      case "setTrialSystemAttr": {
        const trial = this.unfinishedTrial(operation.trialId, `set attribute ${JSON.stringify(operation.key)}`);
        const target = operation.op === "setTrialUserAttr" ? "userAttrs" : "systemAttrs";
        this.trials.set(trial.trialId, trial.with({ [target]: { ...trial[target], [operation.key]: operation.value } }));
        return;
      }
      case "heartbeat": {
        const trial = this.trial(operation.trialId);
        if (trial.state === TrialState.Running) this.heartbeats.set(trial.trialId, Math.max(operation.time, this.heartbeats.get(trial.trialId) ?? -Infinity));
        return;
      }
      default:
        throw new Error(`journal: unknown operation ${JSON.stringify((operation as { op: unknown }).op)}`);
    }
  }

  study(studyId: number): StudyRecord {
    const study = this.studies.get(studyId);
    if (!study) throw new StudyNotFoundError(`no study with id ${studyId}`);
    return study;
  }

  studyIdFromName(studyName: string): number {
    const studyId = this.studyIdsByName.get(studyName);
    if (studyId === undefined) throw new StudyNotFoundError(`no study named ${JSON.stringify(studyName)}`);
    return studyId;
  }

  hasStudyName(studyName: string): boolean {
    return this.studyIdsByName.has(studyName);
  }

  trial(trialId: number): FrozenTrial {
    const trial = this.trials.get(trialId);
    if (!trial) throw new Error(`no trial with id ${trialId}`);
    return trial;
  }

  private unfinishedTrial(trialId: number, action: string): FrozenTrial {
    const trial = this.trial(trialId);
    if (trial.isFinished) throw new TrialFinishedError(`cannot ${action} of trial ${trial.number}: it has already finished (${trial.state})`);
    return trial;
  }

  trialsOfStudy(studyId: number, states?: readonly TrialState[]): FrozenTrial[] {
    const study = this.study(studyId);
    const result: FrozenTrial[] = [];
    for (const trialId of study.trialIds) {
      const trial = this.trials.get(trialId)!;
      if (!states || states.includes(trial.state)) result.push(trial);
    }
    return result;
  }

  firstWaitingTrial(studyId: number): FrozenTrial | null {
    const trialId = this.study(studyId).waitingTrialIds[0];
    return trialId === undefined ? null : this.trials.get(trialId)!;
  }

  /** Running trials of a study whose last heartbeat is before `deadline` (epoch ms). */
  staleTrials(studyId: number, deadline: number): FrozenTrial[] {
    const stale: FrozenTrial[] = [];
    for (const trial of this.trialsOfStudy(studyId, [TrialState.Running])) {
      const last = this.heartbeats.get(trial.trialId);
      if (last !== undefined && last < deadline) stale.push(trial);
    }
    return stale;
  }

  summaries(): StudySummary[] {
    return [...this.studies.values()].map((study) => ({
      studyId: study.studyId,
      studyName: study.studyName,
      directions: [...study.directions],
      userAttrs: { ...study.userAttrs },
      systemAttrs: { ...study.systemAttrs },
      nTrials: study.trialIds.length,
      datetimeStart: study.created,
    }));
  }

  /** Builds the operation that creates the next trial of a study. */
  createTrialOperation(studyId: number, time: number, template: TrialTemplate | undefined, heartbeat: boolean): JournalOperation {
    const study = this.study(studyId);
    const params: Record<string, [number, Distribution]> = {};
    for (const [name, value] of Object.entries(template?.internalParams ?? {})) {
      const distribution = template?.distributions?.[name];
      if (!distribution) throw new Error(`trial template: parameter ${JSON.stringify(name)} has no distribution`);
      params[name] = [value, distribution];
    }
    const state = template?.state ?? TrialState.Running;
    return {
      op: "createTrial",
      studyId,
      trialId: this.nextTrialIdValue,
      number: study.trialIds.length,
      state,
      time,
      ...(heartbeat && state === TrialState.Running ? { heartbeat: true } : {}),
      ...(template?.values ? { values: template.values.map(encodeNumber) } : {}),
      ...(Object.keys(params).length ? { params } : {}),
      ...(template?.userAttrs && Object.keys(template.userAttrs).length ? { userAttrs: template.userAttrs } : {}),
      ...(template?.systemAttrs && Object.keys(template.systemAttrs).length ? { systemAttrs: template.systemAttrs } : {}),
      ...(template?.intermediateValues?.size ? { intermediate: [...template.intermediateValues].map(([step, value]) => [step, encodeNumber(value)] as [number, number | string]) } : {}),
      ...(template?.datetimeStart !== undefined ? { start: template.datetimeStart?.getTime() ?? null } : {}),
      ...(template?.datetimeComplete !== undefined ? { complete: template.datetimeComplete?.getTime() ?? null } : {}),
    };
  }
}
