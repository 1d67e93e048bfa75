/** Normal-distribution helpers for the Parzen estimators, accurate in the tails. */

const SQRT2 = Math.SQRT2;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/**
 * erfc(x) for x ≥ 0. Below 2.5 from the Maclaurin series of erf (alternating, ~40 terms at most);
 * above, from the continued fraction erfc(x) = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))),
 * evaluated bottom-up with a fixed depth that converges to double precision for x ≥ 2.5.
 */
function erfcNonNegative(x: number): number {
  if (x < 2.5) {
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 60; n++) {
      term *= -x2 / n;
      const contribution = term / (2 * n + 1);
      sum += contribution;
      if (Math.abs(contribution) < 1e-17 * Math.abs(sum)) break;
    }
    return 1 - TWO_OVER_SQRT_PI * sum;
  }
  if (x > 27) return 0;
  let fraction = x;
  for (let k = 60; k >= 1; k--) fraction = x + k / 2 / fraction;
  return Math.exp(-x * x) / (Math.sqrt(Math.PI) * fraction);
}

/** The complementary error function. */
export function erfc(x: number): number {
  return x >= 0 ? erfcNonNegative(x) : 2 - erfcNonNegative(-x);
}

/** The standard normal CDF Φ(z), computed from erfc so that the lower tail keeps its precision. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / SQRT2);
}

/** log φ(z) of the standard normal density. */
export function logNormalPdf(z: number): number {
  return -0.5 * z * z - LOG_SQRT_2PI;
}

/**
 * log(Φ(b) − Φ(a)) for a < b without cancellation: both ends are moved into the lower tail,
 * where Φ is computed accurately, and a vanishing mass falls back to a rectangle estimate.
 */
export function logNormalMass(a: number, b: number): number {
  if (!(b > a)) return -Infinity;
  let mass: number;
  if (a >= 0) mass = normalCdf(-a) - normalCdf(-b);
  else if (b <= 0) mass = normalCdf(b) - normalCdf(a);
  else mass = 1 - normalCdf(a) - normalCdf(-b);
  if (mass > 1e-300) return Math.log(mass);
  // Far in a tail: the density at the end nearer the mean times the width bounds the mass.
  const nearest = a >= 0 ? a : b <= 0 ? b : 0;
  return logNormalPdf(nearest) + Math.log(b - a);
}

/** log Σ exp(values[i]) without overflow. */
export function logSumExp(values: ArrayLike<number>, length = values.length): number {
  let max = -Infinity;
  for (let i = 0; i < length; i++) if (values[i]! > max) max = values[i]!;
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let i = 0; i < length; i++) sum += Math.exp(values[i]! - max);
  return max + Math.log(sum);
}
