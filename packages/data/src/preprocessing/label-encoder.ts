import { tensor, isTensor, type Tensor } from "@trek/tensor";
import { DataError } from "../errors.js";
import { formatCategory, readLabels, sortedUnique, type Category, type LabelVector } from "./labels.js";

/**
 * Maps labels to 0..nClasses−1 in sorted order, like scikit-learn's `LabelEncoder`; `transform`
 * gives an int64 tensor ready for a classification loss.
 * @example const enc = new LabelEncoder().fit(["b", "a", "b"]); enc.transform(["a", "b"])  // int64 [0, 1]
 */
export class LabelEncoder {
  /** The sorted distinct labels; class i is `classes[i]`. */
  classes: Category[] | null = null;
  private lookup = new Map<Category, number>();

  fit(y: LabelVector): this {
    this.classes = sortedUnique("LabelEncoder.fit", readLabels("LabelEncoder.fit", y));
    this.lookup = new Map(this.classes.map((c, i) => [c, i]));
    return this;
  }

  /** Class indices as an int64 tensor. */
  transform(y: LabelVector): Tensor {
    const classes = this.fitted("LabelEncoder.transform");
    const labels = readLabels("LabelEncoder.transform", y);
    const codes = new BigInt64Array(labels.length);
    const unseen = new Set<Category>();
    for (let i = 0; i < labels.length; i++) {
      const code = this.lookup.get(labels[i]!);
      if (code === undefined) unseen.add(labels[i]!);
      else codes[i] = BigInt(code);
    }
    if (unseen.size > 0) {
      throw new DataError(
        `LabelEncoder.transform: y contains previously unseen labels: ${[...unseen].slice(0, 10).map(formatCategory).join(", ")} ` +
          `(known: ${classes.slice(0, 10).map(formatCategory).join(", ")}${classes.length > 10 ? ", …" : ""})`,
      );
    }
    return tensor(codes);
  }

  /** Labels for class indices. */
  inverseTransform(codes: Tensor | readonly number[]): Category[] {
    const classes = this.fitted("LabelEncoder.inverseTransform");
    const values = isTensor(codes) ? Array.from(codes.dataSync() as ArrayLike<number | bigint>, Number) : codes;
    return values.map((code, i) => {
      if (!Number.isInteger(code) || code < 0 || code >= classes.length) {
        throw new DataError(`LabelEncoder.inverseTransform: code ${code} at position ${i} is not in 0..${classes.length - 1}`);
      }
      return classes[code]!;
    });
  }

  fitTransform(y: LabelVector): Tensor {
    return this.fit(y).transform(y);
  }

  private fitted(op: string): Category[] {
    if (!this.classes) throw new DataError(`${op}: this LabelEncoder is not fitted yet; call fit() first`);
    return this.classes;
  }
}
