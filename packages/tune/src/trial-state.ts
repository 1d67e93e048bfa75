/** The life cycle of a trial. */
export const TrialState = {
  /** Enqueued with fixed parameters, not yet picked up by a worker. */
  Waiting: "waiting",
  /** A worker is evaluating it. */
  Running: "running",
  /** Finished with objective value(s). */
  Complete: "complete",
  /** Stopped early by a pruner (or a `TrialPruned` thrown by the objective). */
  Pruned: "pruned",
  /** The objective threw, returned an unusable value, or its worker stopped sending heartbeats. */
  Fail: "fail",
} as const;

/** One of the values of {@link TrialState}. */
export type TrialState = (typeof TrialState)[keyof typeof TrialState];

const ALL_STATES = new Set<string>(Object.values(TrialState));

/** Whether a trial in this state can no longer change. */
export function isFinishedState(state: TrialState): boolean {
  return state === TrialState.Complete || state === TrialState.Pruned || state === TrialState.Fail;
}

/** Validates a state read from a file, a database or a user. */
export function parseTrialState(value: unknown): TrialState {
  if (typeof value === "string" && ALL_STATES.has(value.toLowerCase())) return value.toLowerCase() as TrialState;
  throw new RangeError(`unknown trial state ${JSON.stringify(value)}; expected one of ${[...ALL_STATES].join(", ")}`);
}

/** Whether an objective is minimized or maximized. */
export type StudyDirection = "minimize" | "maximize";

/** Validates a direction given by a user or read from storage. */
export function parseDirection(value: unknown): StudyDirection {
  if (value === "minimize" || value === "maximize") return value;
  throw new RangeError(`direction must be "minimize" or "maximize", got ${JSON.stringify(value)}`);
}
