import { PercentilePruner, type PercentilePrunerOptions } from "./percentile-pruner.js";

/**
 * Prunes a trial whose best intermediate value is worse than the median of the completed
 * trials' values at the same step: a {@link PercentilePruner} at 50 %.
 */
export class MedianPruner extends PercentilePruner {
  constructor(options: PercentilePrunerOptions = {}) {
    super(50, options);
  }
}
