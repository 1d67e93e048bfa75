/** Gradient mode: whether ops are recorded for backward (like `torch.no_grad` / `enable_grad`). */

let enabled = true;

export function isGradEnabled(): boolean {
  return enabled;
}

/** Sets the mode globally; returns the previous value. */
export function setGradEnabled(value: boolean): boolean {
  const previous = enabled;
  enabled = value;
  return previous;
}

function withMode<T>(value: boolean, fn: () => T): T {
  const previous = setGradEnabled(value);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    enabled = previous;
    throw err;
  }
  if (result instanceof Promise) {
    // The mode stays set until the promise settles. It is process-wide: other async work
    // interleaved with this await sees it too.
    return result.finally(() => {
      enabled = previous;
    }) as T;
  }
  enabled = previous;
  return result;
}

/** Runs `fn` without recording ops for autograd (parameter updates, evaluation). */
export function noGrad<T>(fn: () => T): T {
  return withMode(false, fn);
}

/** Runs `fn` with recording switched on, even inside `noGrad`. */
export function enableGrad<T>(fn: () => T): T {
  return withMode(true, fn);
}
