/** Scalar math JavaScript lacks: erf to double precision, round-half-to-even. */

const TWO_OVER_SQRT_PI = 1.1283791670955126;
const ONE_OVER_SQRT_PI = 0.5641895835477563;

/**
 * Error function, accurate to ~1e-15. For |x| < 2.5 a series of positive terms
 * (erf x = 2/√π · e^{−x²} · Σ 2ⁿx^{2n+1}/(1·3·…·(2n+1))) avoids cancellation; beyond, erfc's
 * continued fraction converges quickly.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < 2.5) {
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (2 * x2) / (2 * n + 1);
      sum += term;
      if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
    }
    return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
  }
  if (ax > 6) return x > 0 ? 1 : -1;
  const tail = erfcContinuedFraction(ax);
  return x > 0 ? 1 - tail : tail - 1;
}

/** erfc(x) for x ≥ 2.5 by the Laplace continued fraction (modified Lentz). */
function erfcContinuedFraction(x: number): number {
  // erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …)))))
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 300; n++) {
    const a = n / 2;
    d = x + a * d;
    d = d === 0 ? tiny : d;
    c = x + a / c;
    c = c === 0 ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return (Math.exp(-x * x) * ONE_OVER_SQRT_PI) / f;
}

/** Rounds half to even, like PyTorch and NumPy. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  if (Math.abs(x - Math.trunc(x)) === 0.5) return 2 * Math.round(x / 2);
  return r;
}

/** pow with IEEE 754 / C semantics where Math.pow differs: pow(1, y) = 1 and pow(−1, ±∞) = 1, even for NaN y. */
export function powIeee(a: number, b: number): number {
  if (a === 1 || (a === -1 && (b === Infinity || b === -Infinity))) return 1;
  return Math.pow(a, b);
}

/** Python-style floor remainder for floats (sign of the divisor); NaN for b = 0. */
export function floorMod(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}
