import { describe, expect, it } from "vitest";
import { floatDistribution } from "../src/index.js";
import { ParzenEstimator, type ParzenEstimatorOptions } from "../src/samplers/parzen-estimator.js";

const OPTIONS: ParzenEstimatorOptions = { priorWeight: 1, considerMagicClip: true, considerEndpoints: false, bandwidth: "neighbors", kernelScoring: "height" };
const OBSERVATIONS = [1.0, -3.0, 4.5, 2.2, 2.3];

function logPdf(distribution: ReturnType<typeof floatDistribution>, observations: number[], points: number[], options = OPTIONS): number[] {
  const estimator = new ParzenEstimator(["x"], { x: distribution }, observations.map((x) => ({ x })), observations.map(() => 1), options);
  return Array.from(estimator.logPdf(points.map((x) => ({ x }))));
}

describe("ParzenEstimator", () => {
  it("matches Optuna 3.1's estimator on the same observations", () => {
    // Reference: optuna.samplers._tpe.parzen_estimator._ParzenEstimator (Optuna 3.1.0) with
    // prior weight 1, magic clip, no endpoints, default weights, univariate.
    const linear = logPdf(floatDistribution("x", -5, 5), OBSERVATIONS, [-4, 0, 1, 2, 4.9]);
    const expectedLinear = [-1.4011299234206143, -1.0270515858247, -0.87066724210456, -0.8089111774737354, -1.1461304545801587];
    linear.forEach((value, i) => expect(value).toBeCloseTo(expectedLinear[i]!, 9));
    const log = logPdf(floatDistribution("x", 0.01, 10, { log: true }), OBSERVATIONS.map((v) => Math.abs(v) + 0.1), [0.02, 0.5, 1, 3, 9]);
    const expectedLog = [-1.8281789478840786, -1.2304755392032765, -0.9080599967442009, -0.6812315256638191, -1.0873030352636155];
    log.forEach((value, i) => expect(value).toBeCloseTo(expectedLog[i]!, 9));
  });

  it("is a normalized density when scored as one", () => {
    // Kernels: observations 1, −3, 4.5, 2.2, 2.3 and the prior at 0; integrate over [−5, 5].
    const steps = 20000;
    const points = Array.from({ length: steps }, (_, i) => -5 + (10 * (i + 0.5)) / steps);
    const values = logPdf(floatDistribution("x", -5, 5), OBSERVATIONS, points, { ...OPTIONS, kernelScoring: "density" });
    const integral = values.reduce((sum, value) => sum + Math.exp(value), 0) * (10 / steps);
    expect(integral).toBeCloseTo(1, 6);
  });
});
