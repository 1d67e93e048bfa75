/** The objective of the worker processes, shared with the tests that check stored values. */
export function workerObjectiveValue(x: number, n: number, kind: string): number {
  return (x - 1) ** 2 + n / 10 + (kind === "a" ? 0 : 0.5);
}
