/**
 * Checks of hyperparameters shared by the optimizers and schedulers. Each error names the
 * class, the option and the offending value.
 */

/** Throws unless `value` is a number ≥ 0 (NaN fails too). */
export function checkNonNegative(owner: string, option: string, value: unknown, where = ""): void {
  if (typeof value !== "number" || !(value >= 0)) {
    throw new RangeError(`${owner}: invalid ${option}: ${formatValue(value)} (expected a number ≥ 0)${where}`);
  }
}

/** Throws unless `low ≤ value ≤ high` (or `< high` when `highOpen`). */
export function checkInRange(owner: string, option: string, value: unknown, low: number, high: number, highOpen: boolean, where = ""): void {
  const ok = typeof value === "number" && value >= low && (highOpen ? value < high : value <= high);
  if (!ok) {
    const interval = `${low} ≤ ${option} ${highOpen ? "<" : "≤"} ${high}`;
    throw new RangeError(`${owner}: invalid ${option}: ${formatValue(value)} (expected ${interval})${where}`);
  }
}

/** Checks the options every Adam-style optimizer has: lr, eps, betas, weightDecay and maximize. */
export function checkAdamOptions(
  owner: string,
  o: { lr: number; eps: number; betas: unknown; weightDecay: number; maximize: boolean },
  where: string,
): void {
  checkNonNegative(owner, "learning rate", o.lr, where);
  checkNonNegative(owner, "epsilon value", o.eps, where);
  checkBetas(owner, o.betas, where);
  checkNonNegative(owner, "weightDecay value", o.weightDecay, where);
  checkBoolean(owner, "maximize", o.maximize, where);
}

/** Checks Adam-style `betas`: two numbers, each in [0, 1). */
export function checkBetas(owner: string, betas: unknown, where = ""): void {
  if (!Array.isArray(betas) || betas.length !== 2) {
    throw new TypeError(`${owner}: betas must be a pair [beta1, beta2], got ${formatValue(betas)}${where}`);
  }
  betas.forEach((beta: unknown, index: number) => {
    if (typeof beta !== "number" || !(beta >= 0 && beta < 1)) {
      throw new RangeError(`${owner}: invalid beta parameter at index ${index}: ${formatValue(beta)} (expected 0 ≤ beta < 1)${where}`);
    }
  });
}

/** Throws unless `value` is a boolean. */
export function checkBoolean(owner: string, option: string, value: unknown, where = ""): void {
  if (typeof value !== "boolean") throw new TypeError(`${owner}: ${option} must be true or false, got ${formatValue(value)}${where}`);
}

/** A value as it should appear in an error message. */
export function formatValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(formatValue).join(", ")}]`;
  if (value === null || value === undefined || typeof value !== "object") return String(value);
  return Object.prototype.toString.call(value).slice(8, -1);
}
