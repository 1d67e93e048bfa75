/**
 * Thrown from an objective (directly or from a training callback) to stop a trial early.
 * `study.optimize` and `study.tell` record the trial as pruned instead of failed.
 */
export class TrialPruned extends Error {
  override readonly name = "TrialPruned";
  constructor(message = "trial was pruned") {
    super(message);
  }
}

/** A parameter range or option that can never be sampled (e.g. `low > high`). */
export class InvalidDistributionError extends RangeError {
  override readonly name = "InvalidDistributionError";
}

/** A parameter name was suggested again with a different distribution. */
export class DistributionMismatchError extends Error {
  override readonly name = "DistributionMismatchError";
}

/** An objective returned something that is not a usable objective value (NaN, wrong length, …). */
export class InvalidObjectiveValueError extends Error {
  override readonly name = "InvalidObjectiveValueError";
}

/** An attempt to change a trial that has already finished (complete, pruned or failed). */
export class TrialFinishedError extends Error {
  override readonly name = "TrialFinishedError";
}

/** A study name that does not exist, or that already exists when creating a new one. */
export class StudyNotFoundError extends Error {
  override readonly name = "StudyNotFoundError";
}

/** A study with this name already exists (pass `loadIfExists: true` to reuse it). */
export class DuplicatedStudyError extends Error {
  override readonly name = "DuplicatedStudyError";
}

/** A storage URL or storage file that cannot be used. */
export class StorageError extends Error {
  override readonly name = "StorageError";
}

/** True for a {@link TrialPruned}, also when it comes from a second copy of this package. */
export function isTrialPruned(error: unknown): boolean {
  return error instanceof TrialPruned || (error instanceof Error && error.name === "TrialPruned");
}
