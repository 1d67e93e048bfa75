/** Options shared by the CSV readers. */

export interface CsvOptions {
  /** Field delimiter (default ","). */
  delimiter?: string;
  /**
   * true (default): the first line read holds the column names. false: no header; columns are
   * named "0", "1", …. An array: these names, and the file has no header line.
   */
  header?: boolean | readonly string[];
  /**
   * Lines to skip at the start of the file, before the header or data. scikit-learn's bundled
   * CSV files start with a `n_samples,n_features,class names…` line: read them with
   * `{ skipLines: 1, header: false }`.
   */
  skipLines?: number;
  /** Keep only these columns (names or 0-based positions; negative positions count from the end), in this order. */
  columns?: readonly (string | number)[];
  /** Force column types by name; other columns are inferred (numeric if every value is a number). */
  types?: Readonly<Record<string, "number" | "string">>;
  /** Read empty or NaN fields of numeric columns as NaN instead of failing (default false). */
  allowMissing?: boolean;
  /** Lines starting with this character are comments. */
  comment?: string;
  /** File encoding (default utf8). */
  encoding?: BufferEncoding;
}
