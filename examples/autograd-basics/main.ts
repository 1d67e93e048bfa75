/**
 * Autograd basics: derivatives, a hand-written training loop, and the same with nn + optim.
 * Run: `pnpm --filter @trek-examples/autograd-basics start`.
 */
import { registerBackend, manualSeed } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { fitByHand, fitWithNn, lineData, polynomialGradient } from "./src/autograd-basics.js";

registerBackend("cpu", () => new CpuBackend());
manualSeed(0);

const { y, dydx } = await polynomialGradient(2);
console.log(`y = x² + 3x + 5 at x = 2: y = ${y}, dy/dx = ${dydx} (by hand: 2·2 + 3 = 7)`);

const data = lineData(200, 2, 1);
const byHand = await fitByHand(data.x, data.y);
console.log(`Gradient descent by hand: weight ${byHand.weight.toFixed(3)}, bias ${byHand.bias.toFixed(3)}, loss ${byHand.loss.toFixed(4)} (true line: y = 2x + 1)`);
const withNn = await fitWithNn(data.x, data.y);
console.log(`Linear + MSELoss + SGD:   weight ${withNn.weight.toFixed(3)}, bias ${withNn.bias.toFixed(3)}, loss ${withNn.loss.toFixed(4)}`);
