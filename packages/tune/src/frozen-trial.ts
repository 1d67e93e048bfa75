import { type Distribution, type ParamValue, toExternal } from "./distributions.js";
import { TrialState, isFinishedState } from "./trial-state.js";

/** JSON-compatible attribute values stored with studies and trials. */
export type AttrValue = string | number | boolean | null | AttrValue[] | { [key: string]: AttrValue };

/** The plain fields of a {@link FrozenTrial}. */
export interface FrozenTrialFields {
  trialId: number;
  number: number;
  state: TrialState;
  values: readonly number[] | null;
  datetimeStart: Date | null;
  datetimeComplete: Date | null;
  /** Stored (numeric) parameter values: categorical parameters hold the choice index. */
  internalParams: Readonly<Record<string, number>>;
  distributions: Readonly<Record<string, Distribution>>;
  userAttrs: Readonly<Record<string, AttrValue>>;
  systemAttrs: Readonly<Record<string, AttrValue>>;
  intermediateValues: ReadonlyMap<number, number>;
}

/**
 * An immutable snapshot of a trial as stored: what samplers, pruners, callbacks, exports and
 * plots read. Storages replace snapshots rather than mutate them.
 */
export class FrozenTrial implements FrozenTrialFields {
  /** Unique across all studies in a storage. */
  readonly trialId: number;
  /** 0-based, unique and gap-free within its study, in order of creation. */
  readonly number: number;
  readonly state: TrialState;
  /** Objective values (one per direction), or `null` while not complete. */
  readonly values: readonly number[] | null;
  readonly datetimeStart: Date | null;
  readonly datetimeComplete: Date | null;
  readonly internalParams: Readonly<Record<string, number>>;
  readonly distributions: Readonly<Record<string, Distribution>>;
  readonly userAttrs: Readonly<Record<string, AttrValue>>;
  readonly systemAttrs: Readonly<Record<string, AttrValue>>;
  /** Values passed to `trial.report`, by step. */
  readonly intermediateValues: ReadonlyMap<number, number>;
  /** Parameter values as the objective saw them. */
  readonly params: Readonly<Record<string, ParamValue>>;

  constructor(fields: FrozenTrialFields) {
    this.trialId = fields.trialId;
    this.number = fields.number;
    this.state = fields.state;
    this.values = fields.values;
    this.datetimeStart = fields.datetimeStart;
    this.datetimeComplete = fields.datetimeComplete;
    this.internalParams = fields.internalParams;
    this.distributions = fields.distributions;
    this.userAttrs = fields.userAttrs;
    this.systemAttrs = fields.systemAttrs;
    this.intermediateValues = fields.intermediateValues;
    const params: Record<string, ParamValue> = {};
    for (const name of Object.keys(fields.internalParams)) {
      params[name] = toExternal(fields.distributions[name]!, fields.internalParams[name]!);
    }
    this.params = params;
  }

  /** The single objective value; throws for multi-objective trials. */
  get value(): number | null {
    if (this.values === null) return null;
    if (this.values.length !== 1) throw new Error(`trial ${this.number} has ${this.values.length} objective values; use .values`);
    return this.values[0]!;
  }

  /** Wall time from start to completion in milliseconds, or `null` while unfinished. */
  get durationMs(): number | null {
    return this.datetimeStart && this.datetimeComplete ? this.datetimeComplete.getTime() - this.datetimeStart.getTime() : null;
  }

  /** The largest reported step, or `null` when nothing was reported. */
  get lastStep(): number | null {
    let last: number | null = null;
    for (const step of this.intermediateValues.keys()) if (last === null || step > last) last = step;
    return last;
  }

  /** Whether the trial can no longer change. */
  get isFinished(): boolean {
    return isFinishedState(this.state);
  }

  /** A copy with some fields replaced. */
  with(changes: Partial<FrozenTrialFields>): FrozenTrial {
    return new FrozenTrial({ ...this.fields(), ...changes });
  }

  /** The plain fields (for serialization and copies). */
  fields(): FrozenTrialFields {
    return {
      trialId: this.trialId,
      number: this.number,
      state: this.state,
      values: this.values,
      datetimeStart: this.datetimeStart,
      datetimeComplete: this.datetimeComplete,
      internalParams: this.internalParams,
      distributions: this.distributions,
      userAttrs: this.userAttrs,
      systemAttrs: this.systemAttrs,
      intermediateValues: this.intermediateValues,
    };
  }

  /** A JSON-friendly object (dates as ISO strings, intermediate values as `[step, value]` pairs). */
  toJSON(): Record<string, unknown> {
    return {
      number: this.number,
      trialId: this.trialId,
      state: this.state,
      values: this.values ? this.values.map(jsonNumber) : null,
      datetimeStart: this.datetimeStart?.toISOString() ?? null,
      datetimeComplete: this.datetimeComplete?.toISOString() ?? null,
      durationMs: this.durationMs,
      params: this.params,
      distributions: this.distributions,
      userAttrs: this.userAttrs,
      systemAttrs: this.systemAttrs,
      intermediateValues: [...this.intermediateValues].sort((a, b) => a[0] - b[0]).map(([step, value]) => [step, jsonNumber(value)]),
    };
  }
}

/** JSON has no NaN or infinities: write them as strings that `Number()` reads back. */
function jsonNumber(value: number): number | string {
  return Number.isFinite(value) ? value : String(value);
}

/** A trial that has not been stored yet (used by `ask`, `enqueueTrial` and tests of samplers). */
export function emptyTrialFields(number: number, trialId: number, state: TrialState = TrialState.Running): FrozenTrialFields {
  return {
    trialId,
    number,
    state,
    values: null,
    datetimeStart: state === TrialState.Running ? new Date() : null,
    datetimeComplete: null,
    internalParams: {},
    distributions: {},
    userAttrs: {},
    systemAttrs: {},
    intermediateValues: new Map(),
  };
}
