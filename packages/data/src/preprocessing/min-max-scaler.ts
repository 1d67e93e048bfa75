import { where, type Tensor } from "@trek/tensor";
import { DataError } from "../errors.js";
import { assertFinite, checkFeatures, notFitted, toFeatureTensor, type FeatureMatrix } from "./matrix.js";

export interface MinMaxScalerOptions {
  /** Target range of each feature (default [0, 1]). */
  featureRange?: readonly [number, number];
  /** Clip transformed values into the range (for data outside the fitted min/max). Default false. */
  clip?: boolean;
}

/**
 * Scales each feature linearly so the fitted minimum maps to `featureRange[0]` and the maximum to
 * `featureRange[1]`, like scikit-learn's `MinMaxScaler`; constant features map to the lower end.
 * @example new MinMaxScaler({ featureRange: [-1, 1] }).fitTransform(x)
 */
export class MinMaxScaler {
  readonly featureRange: readonly [number, number];
  readonly clip: boolean;
  dataMin: Tensor | null = null;
  dataMax: Tensor | null = null;
  /** Per-feature multiplier (float64). */
  scale: Tensor | null = null;
  /** Per-feature offset after scaling (float64): x·scale + min. */
  min: Tensor | null = null;
  nFeaturesIn = 0;

  constructor(options: MinMaxScalerOptions = {}) {
    const range = options.featureRange ?? [0, 1];
    if (!(range[0] < range[1])) {
      throw new DataError(`MinMaxScaler: minimum of featureRange must be smaller than maximum, got [${range.join(", ")}]`);
    }
    this.featureRange = range;
    this.clip = options.clip ?? false;
  }

  fit(x: FeatureMatrix): this {
    const data = toFeatureTensor("MinMaxScaler.fit", x);
    assertFinite("MinMaxScaler.fit", data);
    if (data.shape[0] === 0) throw new DataError("MinMaxScaler.fit: X has no samples");
    const wide = data.to("float64");
    for (const t of [this.dataMin, this.dataMax, this.scale, this.min]) t?.dispose();
    this.dataMin = wide.amin(0);
    this.dataMax = wide.amax(0);
    const range = this.dataMax.sub(this.dataMin);
    const [low, high] = this.featureRange;
    this.scale = where(range.eq(0), 1, range).reciprocal().mul(high - low);
    this.min = this.dataMin.mul(this.scale).neg().add(low);
    range.dispose();
    if (wide !== data) wide.dispose();
    this.nFeaturesIn = data.shape[1]!;
    return this;
  }

  transform(x: FeatureMatrix): Tensor {
    const data = this.checked("MinMaxScaler.transform", x);
    const out = data.mul(this.scale!.to(data.dtype)).add(this.min!.to(data.dtype));
    return this.clip ? out.clamp(this.featureRange[0], this.featureRange[1]) : out;
  }

  inverseTransform(x: FeatureMatrix): Tensor {
    const data = this.checked("MinMaxScaler.inverseTransform", x);
    return data.sub(this.min!.to(data.dtype)).div(this.scale!.to(data.dtype));
  }

  fitTransform(x: FeatureMatrix): Tensor {
    return this.fit(x).transform(x);
  }

  private checked(op: string, x: FeatureMatrix): Tensor {
    if (!this.scale) throw notFitted(op, "MinMaxScaler");
    const data = toFeatureTensor(op, x);
    checkFeatures(op, data, this.nFeaturesIn);
    return data;
  }
}
