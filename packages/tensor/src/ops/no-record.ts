/**
 * Decompositions and fused paths run their inner ops without recording: the outer op is recorded
 * once with its own gradient rule. This toggles recording without depending on autograd.
 */
import { getAutogradEngine, installAutograd, type AutogradEngine } from "../autograd-hooks.js";
import { scope } from "../memory.js";

let suspended = 0;
let saved: AutogradEngine | null = null;

/** Runs `fn` with op recording switched off (re-entrant). */
export function withoutRecording<T>(fn: () => T): T {
  if (suspended === 0) {
    saved = getAutogradEngine();
    if (saved === null) return fn();
    installAutograd(null as unknown as AutogradEngine);
  }
  suspended++;
  try {
    return fn();
  } finally {
    suspended--;
    if (suspended === 0 && saved !== null) {
      installAutograd(saved);
      saved = null;
    }
  }
}

/**
 * Runs a decomposition: unrecorded, and inside its own scope so that every intermediate it
 * creates is freed at once (device memory must not wait for the garbage collector). Only what
 * it returns survives.
 */
export function decompose<T>(fn: () => T): T {
  return withoutRecording(() => scope(fn));
}
