/** Every gradient rule, keyed by the op name the tensor layer records. */
import type { GradRules } from "./types.js";
import { activationRules, binaryRules, unaryRules } from "./elementwise.js";
import { indexingRules, reductionRules, shapeRules } from "./structural.js";
import { networkRules } from "./network.js";

export const gradRules: GradRules = {
  ...unaryRules,
  ...activationRules,
  ...binaryRules,
  ...reductionRules,
  ...shapeRules,
  ...indexingRules,
  ...networkRules,
  where: {
    saves: "x0",
    backward: ({ dy, inputs: [condition], needs }) => [
      null,
      needs[1] ? dy.maskedFill(condition!.logicalNot(), 0) : null,
      needs[2] ? dy.maskedFill(condition!, 0) : null,
    ],
  },
};

export type { GradRule, GradRules, GradContext, TensorMeta } from "./types.js";
