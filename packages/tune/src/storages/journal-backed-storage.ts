import { randomUUID } from "node:crypto";
import type { Distribution } from "../distributions.js";
import type { AttrValue, FrozenTrial } from "../frozen-trial.js";
import { type StudyDirection, TrialState, isFinishedState } from "../trial-state.js";
import { type JournalOperation, JournalState, encodeNumber } from "./journal-state.js";
import type { HeartbeatOptions, Storage, StudySummary, TrialTemplate } from "./storage.js";

/**
 * The storage logic shared by the in-memory and the journal-file storage: every change is a
 * {@link JournalOperation} built from the current state and applied to it. Subclasses decide how
 * the state is kept in sync with other processes (`catchUp`) and how writes are made durable
 * and mutually exclusive (`commit`).
 */
export abstract class JournalBackedStorage implements Storage {
  protected state = new JournalState();
  readonly heartbeat?: HeartbeatOptions;

  protected constructor(heartbeat?: HeartbeatOptions) {
    if (heartbeat) this.heartbeat = heartbeat;
  }

  private get heartbeatEnabled(): boolean {
    return this.heartbeat?.heartbeatInterval !== undefined;
  }

  /** Brings `state` up to date with changes made by others. */
  protected abstract catchUp(): void;

  /**
   * Runs `build` on an up-to-date state with exclusive write access and commits the operations it
   * returns. `build` must validate; the operations are applied in order before being persisted.
   */
  protected abstract commit<T>(build: (state: JournalState) => { operations: JournalOperation[]; result: T }): Promise<T>;

  private read<T>(query: (state: JournalState) => T): Promise<T> {
    try {
      this.catchUp();
      return Promise.resolve(query(this.state));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private commitOne(build: (state: JournalState) => JournalOperation): Promise<void> {
    return this.commit((state) => ({ operations: [build(state)], result: undefined }));
  }

  createNewStudy(directions: StudyDirection[], studyName?: string): Promise<number> {
    return this.commit((state) => {
      const name = studyName ?? `no-name-${randomUUID()}`;
      const studyId = state.nextStudyId;
      return { operations: [{ op: "createStudy", studyId, studyName: name, directions, time: Date.now() }], result: studyId };
    });
  }

  deleteStudy(studyId: number): Promise<void> {
    return this.commitOne((state) => {
      state.study(studyId);
      return { op: "deleteStudy", studyId };
    });
  }

  getStudyIdFromName(studyName: string): Promise<number> {
    return this.read((state) => state.studyIdFromName(studyName));
  }

  getStudyName(studyId: number): Promise<string> {
    return this.read((state) => state.study(studyId).studyName);
  }

  getStudyDirections(studyId: number): Promise<StudyDirection[]> {
    return this.read((state) => [...state.study(studyId).directions]);
  }

  getStudyUserAttrs(studyId: number): Promise<Record<string, AttrValue>> {
    return this.read((state) => ({ ...state.study(studyId).userAttrs }));
  }

  getStudySystemAttrs(studyId: number): Promise<Record<string, AttrValue>> {
    return this.read((state) => ({ ...state.study(studyId).systemAttrs }));
  }

  setStudyUserAttr(studyId: number, key: string, value: AttrValue): Promise<void> {
    return this.commitOne(() => ({ op: "setStudyUserAttr", studyId, key, value }));
  }

  setStudySystemAttr(studyId: number, key: string, value: AttrValue): Promise<void> {
    return this.commitOne(() => ({ op: "setStudySystemAttr", studyId, key, value }));
  }

  getAllStudies(): Promise<StudySummary[]> {
    return this.read((state) => state.summaries());
  }

  createNewTrial(studyId: number, template?: TrialTemplate): Promise<FrozenTrial> {
    return this.commit((state) => {
      const operation = state.createTrialOperation(studyId, Date.now(), template, this.heartbeatEnabled);
      return { operations: [operation], result: (operation as { trialId: number }).trialId };
    }).then((trialId) => this.state.trial(trialId));
  }

  claimWaitingTrial(studyId: number): Promise<FrozenTrial | null> {
    return this.commit((state) => {
      const waiting = state.firstWaitingTrial(studyId);
      if (!waiting) return { operations: [], result: null };
      const operation: JournalOperation = { op: "setTrialState", trialId: waiting.trialId, state: TrialState.Running, time: Date.now(), ...(this.heartbeatEnabled ? { heartbeat: true } : {}) };
      return { operations: [operation], result: waiting.trialId };
    }).then((trialId) => (trialId === null ? null : this.state.trial(trialId)));
  }

  setTrialParam(trialId: number, name: string, internalValue: number, distribution: Distribution): Promise<void> {
    return this.commitOne(() => ({ op: "setTrialParam", trialId, name, value: internalValue, distribution }));
  }

  setTrialIntermediateValue(trialId: number, step: number, value: number): Promise<void> {
    return this.commitOne(() => ({ op: "setTrialIntermediateValue", trialId, step, value: encodeNumber(value) }));
  }

  setTrialUserAttr(trialId: number, key: string, value: AttrValue): Promise<void> {
    return this.commitOne(() => ({ op: "setTrialUserAttr", trialId, key, value }));
  }

  setTrialSystemAttr(trialId: number, key: string, value: AttrValue): Promise<void> {
    return this.commitOne(() => ({ op: "setTrialSystemAttr", trialId, key, value }));
  }

  setTrialState(trialId: number, state: TrialState, values?: readonly number[] | null): Promise<void> {
    return this.commitOne(() => ({
      op: "setTrialState",
      trialId,
      state,
      time: Date.now(),
      ...(values !== undefined ? { values: values === null ? null : values.map(encodeNumber) } : {}),
    }));
  }

  getTrial(trialId: number): Promise<FrozenTrial> {
    return this.read((state) => state.trial(trialId));
  }

  getAllTrials(studyId: number, states?: readonly TrialState[]): Promise<FrozenTrial[]> {
    return this.read((state) => state.trialsOfStudy(studyId, states));
  }

  recordHeartbeat(trialId: number): Promise<void> {
    return this.commit((state) => {
      // A heartbeat for a trial that has finished meanwhile is simply dropped.
      if (isFinishedState(state.trial(trialId).state)) return { operations: [], result: undefined };
      return { operations: [{ op: "heartbeat", trialId, time: Date.now() }], result: undefined };
    });
  }

  failStaleTrials(studyId: number, gracePeriod: number): Promise<FrozenTrial[]> {
    return this.commit((state) => {
      const now = Date.now();
      const stale = state.staleTrials(studyId, now - gracePeriod * 1000);
      const operations: JournalOperation[] = stale.map((trial) => ({
        op: "setTrialState",
        trialId: trial.trialId,
        state: TrialState.Fail,
        time: now,
        reason: `no heartbeat for more than ${gracePeriod} s: its worker stopped`,
      }));
      return { operations, result: stale.map((trial) => trial.trialId) };
    }).then((trialIds) => trialIds.map((trialId) => this.state.trial(trialId)));
  }

  abstract close(): Promise<void>;
}
