/**
 * @trek/backend-conformance — the shared test suite every TorchTrek backend runs.
 * @packageDocumentation
 */
export { runConformance } from "./run-conformance.js";
export type { ConformanceOptions, Tolerance, ToleranceOverrides } from "./options.js";
export { DEFAULT_TOLERANCE } from "./options.js";
