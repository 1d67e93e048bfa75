/** Normal-distribution helpers for the Parzen estimators, accurate in the tails and fast. */

const SQRT2 = Math.SQRT2;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/**
 * erfc(x) for x ≥ 0. Below 2.5 from the Maclaurin series of erf (alternating, ~40 terms at most);
 * above, from the continued fraction erfc(x) = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))),
 * evaluated bottom-up with a fixed depth that converges to double precision for x ≥ 2.5.
 * Accurate but slow: used to build the interpolation table and as the reference in tests.
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

/** The complementary error function (series / continued fraction; ~1e-13 relative accuracy). */
export function erfc(x: number): number {
  return x >= 0 ? erfcNonNegative(x) : 2 - erfcNonNegative(-x);
}

/** log φ(z) of the standard normal density. */
export function logNormalPdf(z: number): number {
  return -0.5 * z * z - LOG_SQRT_2PI;
}

// log Φ(z) for z ≤ 0 is smooth and close to a parabola in the tail, so a cubic Hermite table
// (values and exact derivatives φ/Φ, spacing 1/32) reproduces it to ~1e-12 at a fraction of the
// cost of the series. Below TABLE_LOW the asymptotic expansion takes over.
const TABLE_LOW = -38;
const TABLE_SPACING = 1 / 32;
const TABLE_SIZE = Math.round(-TABLE_LOW / TABLE_SPACING) + 1;
const logCdfTable = new Float64Array(TABLE_SIZE);
const logCdfSlopeTable = new Float64Array(TABLE_SIZE);
for (let i = 0; i < TABLE_SIZE; i++) {
  const z = TABLE_LOW + i * TABLE_SPACING;
  const cdf = 0.5 * erfc(-z / SQRT2);
  logCdfTable[i] = Math.log(cdf);
  logCdfSlopeTable[i] = Math.exp(logNormalPdf(z) - logCdfTable[i]!);
}

/** log Φ(z) for z ≤ 0. */
function logCdfNonPositive(z: number): number {
  if (z < TABLE_LOW) {
    // log Φ(z) = log φ(z) − log(−z) + log(1 − 1/z² + 3/z⁴ − 15/z⁶ …)
    const inverseSquare = 1 / (z * z);
    return logNormalPdf(z) - Math.log(-z) + Math.log1p(-inverseSquare + 3 * inverseSquare * inverseSquare - 15 * inverseSquare ** 3);
  }
  const position = (z - TABLE_LOW) / TABLE_SPACING;
  const index = Math.min(Math.floor(position), TABLE_SIZE - 2);
  const t = position - index;
  const t2 = t * t;
  const t3 = t2 * t;
  return (
    (2 * t3 - 3 * t2 + 1) * logCdfTable[index]! +
    (t3 - 2 * t2 + t) * TABLE_SPACING * logCdfSlopeTable[index]! +
    (-2 * t3 + 3 * t2) * logCdfTable[index + 1]! +
    (t3 - t2) * TABLE_SPACING * logCdfSlopeTable[index + 1]!
  );
}

/** log Φ(z), the log of the standard normal CDF, accurate far into both tails. */
export function logNormalCdf(z: number): number {
  return z <= 0 ? logCdfNonPositive(z) : Math.log1p(-Math.exp(logCdfNonPositive(-z)));
}

/** The standard normal CDF Φ(z). */
export function normalCdf(z: number): number {
  return z <= 0 ? Math.exp(logCdfNonPositive(z)) : -Math.expm1(logCdfNonPositive(-z));
}

/**
 * log(Φ(b) − Φ(a)) for a < b without cancellation: an interval is mirrored into the lower tail,
 * where the difference is taken in log space; a narrow interval around the mean uses the
 * midpoint rule with its second-order correction.
 */
export function logNormalMass(a: number, b: number): number {
  if (!(b > a)) return -Infinity;
  if (a >= 0) {
    const mirrored = -a;
    a = -b;
    b = mirrored;
  }
  const width = b - a;
  if (b <= 0) {
    const upper = logCdfNonPositive(b);
    const lower = logCdfNonPositive(a);
    return upper + Math.log1p(-Math.exp(lower - upper));
  }
  if (width < 1e-3) {
    const middle = 0.5 * (a + b);
    return logNormalPdf(middle) + Math.log(width) + Math.log1p((width * width * (middle * middle - 1)) / 24);
  }
  // a < 0 < b: 1 − Φ(a) − Φ(−b), each term at most 1/2, so no catastrophic cancellation here.
  return Math.log(-Math.expm1(logCdfNonPositive(a)) - Math.exp(logCdfNonPositive(-b)));
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
