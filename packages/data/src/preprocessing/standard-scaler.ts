import { where, type Tensor } from "@trek/tensor";
import { assertFinite, checkFeatures, notFitted, toFeatureTensor, type FeatureMatrix } from "./matrix.js";

export interface StandardScalerOptions {
  /** Subtract the mean (default true). */
  withMean?: boolean;
  /** Divide by the standard deviation (default true). */
  withStd?: boolean;
}

/**
 * Standardizes features to zero mean and unit variance, like scikit-learn's `StandardScaler`:
 * z = (x − mean) / scale, with the population standard deviation (ddof 0) as scale and 1 for
 * constant features. Statistics are computed in float64.
 * @example const scaler = new StandardScaler().fit(xTrain); const z = scaler.transform(xTest);
 */
export class StandardScaler {
  readonly withMean: boolean;
  readonly withStd: boolean;
  /** Per-feature mean (float64), after `fit`. */
  mean: Tensor | null = null;
  /** Per-feature variance (float64, ddof 0), after `fit`. */
  var: Tensor | null = null;
  /** Per-feature divisor (float64): the standard deviation, or 1 where it is 0. */
  scale: Tensor | null = null;
  nFeaturesIn = 0;
  nSamplesSeen = 0;

  constructor(options: StandardScalerOptions = {}) {
    this.withMean = options.withMean ?? true;
    this.withStd = options.withStd ?? true;
  }

  fit(x: FeatureMatrix): this {
    const data = toFeatureTensor("StandardScaler.fit", x);
    assertFinite("StandardScaler.fit", data);
    const wide = data.to("float64");
    for (const t of [this.mean, this.var, this.scale]) t?.dispose();
    this.mean = wide.mean(0);
    this.var = wide.var(0, { correction: 0 });
    const std = this.var.sqrt();
    this.scale = where(std.eq(0), 1, std);
    std.dispose();
    if (wide !== data) wide.dispose();
    this.nFeaturesIn = data.shape[1]!;
    this.nSamplesSeen = data.shape[0]!;
    return this;
  }

  /** (x − mean) / scale, in the input's float dtype. */
  transform(x: FeatureMatrix): Tensor {
    const data = this.checked("StandardScaler.transform", x);
    let out = data;
    if (this.withMean) out = out.sub(this.mean!.to(data.dtype));
    if (this.withStd) out = out.div(this.scale!.to(data.dtype));
    return out === data ? data.clone() : out;
  }

  /** x · scale + mean: undoes `transform`. */
  inverseTransform(x: FeatureMatrix): Tensor {
    const data = this.checked("StandardScaler.inverseTransform", x);
    let out = data;
    if (this.withStd) out = out.mul(this.scale!.to(data.dtype));
    if (this.withMean) out = out.add(this.mean!.to(data.dtype));
    return out === data ? data.clone() : out;
  }

  fitTransform(x: FeatureMatrix): Tensor {
    return this.fit(x).transform(x);
  }

  private checked(op: string, x: FeatureMatrix): Tensor {
    if (!this.mean) throw notFitted(op, "StandardScaler");
    const data = toFeatureTensor(op, x);
    checkFeatures(op, data, this.nFeaturesIn);
    return data;
  }
}
