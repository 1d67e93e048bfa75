/** Errors a user can act on: each names the dataset index, batch, worker, file line or shapes involved. */

/** A batch could not be assembled: mismatched shapes, dtypes, keys or unsupported sample values. */
export class CollateError extends TypeError {
  override name = "CollateError";
}

/** A dataset, sampler or loader was given an argument it cannot use. */
export class DataError extends Error {
  override name = "DataError";
}

/**
 * Loading a batch failed: `getItem` threw (in the main thread or a worker), a worker crashed or
 * timed out. `datasetIndex`/`batchIndex`/`workerId` say where; `cause` holds the original error.
 */
export class DataLoaderError extends Error {
  override name = "DataLoaderError";
  constructor(
    message: string,
    readonly details: { batchIndex?: number; datasetIndex?: number; workerId?: number; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
  }
  get batchIndex(): number | undefined {
    return this.details.batchIndex;
  }
  get datasetIndex(): number | undefined {
    return this.details.datasetIndex;
  }
  get workerId(): number | undefined {
    return this.details.workerId;
  }
}

/** A CSV file that cannot be read as asked: malformed rows, missing columns, unparsable values. */
export class CsvFormatError extends Error {
  override name = "CsvFormatError";
  constructor(
    message: string,
    readonly file: string,
    readonly line?: number,
  ) {
    super(message);
  }
}
