/**
 * @trek/optim — optimizers and learning-rate schedulers for TorchTrek, as `torch.optim`.
 *
 * ```ts
 * import { Adam, lrScheduler } from "@trek/optim";
 * const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
 * const scheduler = new lrScheduler.StepLR(optimizer, { stepSize: 10, gamma: 0.5 });
 * for (const [x, y] of batches) {
 *   optimizer.zeroGrad();
 *   lossFn(model.call(x), y).backward();
 *   optimizer.step();
 * }
 * scheduler.step();
 * ```
 * @packageDocumentation
 */
export { Optimizer } from "./optimizer.js";
export type { OptimizerOptions, OptimizerStateDict, ParamGroup, ParamGroupInput, ParamState, Params } from "./types.js";

export { SGD } from "./optimizers/sgd.js";
export type { SGDOptions } from "./optimizers/sgd.js";
export { Adam } from "./optimizers/adam.js";
export type { AdamOptions } from "./optimizers/adam.js";
export { AdamW } from "./optimizers/adamw.js";
export { RMSprop } from "./optimizers/rmsprop.js";
export type { RMSpropOptions } from "./optimizers/rmsprop.js";
export { Adagrad } from "./optimizers/adagrad.js";
export type { AdagradOptions } from "./optimizers/adagrad.js";
export { Adadelta } from "./optimizers/adadelta.js";
export type { AdadeltaOptions } from "./optimizers/adadelta.js";
export { Adamax } from "./optimizers/adamax.js";
export type { AdamaxOptions } from "./optimizers/adamax.js";
export { NAdam } from "./optimizers/nadam.js";
export type { NAdamOptions } from "./optimizers/nadam.js";
export { RAdam } from "./optimizers/radam.js";
export type { RAdamOptions } from "./optimizers/radam.js";
export { Rprop } from "./optimizers/rprop.js";
export type { RpropOptions } from "./optimizers/rprop.js";
export { ASGD } from "./optimizers/asgd.js";
export type { ASGDOptions } from "./optimizers/asgd.js";
export { LBFGS } from "./optimizers/lbfgs.js";
export type { LBFGSClosure, LBFGSOptions } from "./optimizers/lbfgs.js";

/** Learning-rate schedulers (`torch.optim.lr_scheduler`), also exported by name below. */
export * as lrScheduler from "./lr-scheduler/index.js";
export * from "./lr-scheduler/index.js";
