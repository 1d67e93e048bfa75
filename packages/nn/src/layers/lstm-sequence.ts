/**
 * One LSTM layer in one direction over a whole sequence, as a single autograd node with a
 * hand-written backward (backpropagation through time).
 *
 * Recording every small op of every step costs more than the arithmetic at typical sizes; here
 * the forward runs unrecorded and the backward walks the steps in reverse with one matrix
 * product per step, then forms the recurrent weight's gradient with one product over all steps.
 * (So gradients of gradients through it are refused: `onceDifferentiable`.)
 */
import { Tensor, cat, stack, where } from "@trek/tensor";
import { AutogradFunction, type FunctionContext } from "@trek/autograd";

/** Tensors saved per step: gate activations [i, f, g, o], tanh(c_t), h_{t−1}, c_{t−1}. */
const SAVED_PER_STEP = 4;

interface SequenceConfig {
  timeDim: 0 | 1;
  reverse: boolean;
  /** Whether backward will run (otherwise per-step values are released at once). */
  keep: boolean;
  /** Receives handles the caller disposes after `apply` (saved copies stay with the graph). */
  sink: Tensor[];
}

/**
 * Inputs: `projected` = x·W_ihᵀ + b_ih + b_hh laid out like x ([T, B, 4H] or [B, T, 4H]),
 * `h0`, `c0` [B, H], `weightHh` [4H, H], and optionally `masks` [T, B, 1] (bool: step t is
 * inside sequence b). Outputs: the hidden states [T, B, H] (or [B, T, H]; zero past each
 * sequence's end), and the final h and c [B, H].
 */
export class LstmSequenceFunction extends AutogradFunction {
  static override onceDifferentiable =
    "the LSTM layer's backward through time uses gate activations saved in forward (RNN and GRU layers support it)";
  static override forward(
    ctx: FunctionContext,
    projected: Tensor,
    h0: Tensor,
    c0: Tensor,
    weightHh: Tensor,
    masks: Tensor | null,
    config: SequenceConfig,
  ): Tensor[] {
    const { timeDim, reverse, keep, sink } = config;
    const steps = projected.shape[timeDim]!;
    const hidden = weightHh.shape[1]!;
    const recurrentT = weightHh.mT;
    const outputs = new Array<Tensor>(steps);
    const saved: Tensor[] = [];
    let h = h0;
    let c = c0;
    for (let step = 0; step < steps; step++) {
      const t = reverse ? steps - 1 - step : step;
      const xt = projected.select(timeDim, t);
      const recurrent = h.matmul(recurrentT);
      const gates = xt.add(recurrent);
      // Sigmoid over all four gates, then tanh written over the g slice: acts = [i, f, g, o].
      const acts = gates.sigmoid();
      const gatesG = gates.narrow(1, 2 * hidden, hidden);
      const actsG = acts.narrow(1, 2 * hidden, hidden);
      const g = gatesG.tanh();
      actsG.copy_(g);
      const i = acts.narrow(1, 0, hidden);
      const f = acts.narrow(1, hidden, hidden);
      const o = acts.narrow(1, 3 * hidden, hidden);
      const kept = f.mul(c);
      const added = i.mul(g);
      const cNew = kept.add(added);
      const squashed = cNew.tanh();
      const hNew = o.mul(squashed);
      for (const x of [xt, recurrent, gates, gatesG, actsG, g, i, f, o, kept, added]) x.dispose();
      let hNext = hNew;
      let cNext = cNew;
      if (masks) {
        // Past a sequence's end the state is carried over and the output is zero.
        const mask = masks.select(0, t);
        hNext = where(mask, hNew, h);
        cNext = where(mask, cNew, c);
        outputs[t] = where(mask, hNew, 0);
        mask.dispose();
        hNew.dispose();
        cNew.dispose();
      } else {
        outputs[t] = hNew;
      }
      if (keep) saved.push(acts, squashed, h, c);
      else {
        acts.dispose();
        squashed.dispose();
        if (h !== h0 && !outputs.includes(h)) h.dispose();
        if (c !== c0) c.dispose();
      }
      h = hNext;
      c = cNext;
    }
    recurrentT.dispose();
    const output = stack(outputs, timeDim);
    for (const x of outputs) if (x !== h && !saved.includes(x)) x.dispose();
    if (keep) {
      ctx.saveForBackward(weightHh, ...(masks ? [masks] : []), ...saved);
      ctx.values.config = { timeDim, reverse, steps, hidden, hasMasks: masks !== null };
      for (const x of saved) if (x !== h0 && x !== c0 && x !== h && x !== c) sink.push(x);
    }
    // The final states may be the inputs themselves (empty sequence): return separate handles.
    if (h === h0) h = h0.detach();
    if (c === c0) c = c0.detach();
    return [output, h, c];
  }

  static override backward(ctx: FunctionContext, dOutput: Tensor, dhN: Tensor, dcN: Tensor): (Tensor | null)[] {
    const { timeDim, reverse, steps, hidden, hasMasks } = ctx.values.config as {
      timeDim: 0 | 1;
      reverse: boolean;
      steps: number;
      hidden: number;
      hasMasks: boolean;
    };
    const savedAll = ctx.savedTensors;
    const weightHh = savedAll[0]!;
    const masks = hasMasks ? savedAll[1]! : null;
    const perStep = savedAll.slice(hasMasks ? 2 : 1);
    const gateGrads = new Array<Tensor>(steps);
    const inOrder: Tensor[] = []; // gate gradients in processing order, for the weight gradient
    let dh = dhN;
    let dc = dcN;
    for (let step = steps - 1; step >= 0; step--) {
      const dhPrevious = dh;
      const dcPrevious = dc;
      const t = reverse ? steps - 1 - step : step;
      const [acts, squashed, hPrev, cPrev] = perStep.slice(step * SAVED_PER_STEP, step * SAVED_PER_STEP + SAVED_PER_STEP) as [
        Tensor,
        Tensor,
        Tensor,
        Tensor,
      ];
      void hPrev;
      const i = acts.narrow(1, 0, hidden);
      const f = acts.narrow(1, hidden, hidden);
      const g = acts.narrow(1, 2 * hidden, hidden);
      const o = acts.narrow(1, 3 * hidden, hidden);
      const dOut = dOutput.select(timeDim, t);
      const temporaries: Tensor[] = [i, f, g, o, dOut];
      let dhNew = dh.add(dOut);
      let dcIn = dc;
      let carryH: Tensor | null = null;
      let carryC: Tensor | null = null;
      temporaries.push(dhNew);
      if (masks) {
        const mask = masks.select(0, t);
        carryH = where(mask, 0, dh);
        carryC = where(mask, 0, dc);
        dhNew = where(mask, dhNew, 0);
        dcIn = where(mask, dc, 0);
        temporaries.push(mask, carryH, carryC, dhNew, dcIn);
      }
      // h = o·tanh(c): the output gate and the cell state.
      const dO = dhNew.mul(squashed);
      const squashedSq = squashed.mul(squashed);
      const tanhGrad = squashedSq.neg().add(1);
      const dhO = dhNew.mul(o);
      const throughTanh = dhO.mul(tanhGrad);
      const dcNew = dcIn.add(throughTanh);
      temporaries.push(squashedSq, tanhGrad, dhO, throughTanh);
      // c = f·c_prev + i·g.
      const dI = dcNew.mul(g);
      const dF = dcNew.mul(cPrev);
      const dG = dcNew.mul(i);
      const dcPrev = dcNew.mul(f);
      // Through the activations: σ' = s(1 − s), tanh' = 1 − g².
      const dActs = cat([dI, dF, dG, dO], 1);
      const oneMinus = acts.neg().add(1);
      const sigmoidGrad = acts.mul(oneMinus);
      const gSq = g.mul(g);
      const gGrad = gSq.neg().add(1);
      const slot = sigmoidGrad.narrow(1, 2 * hidden, hidden);
      slot.copy_(gGrad);
      const dGates = dActs.mul(sigmoidGrad);
      temporaries.push(dO, dcNew, dI, dF, dG, dActs, oneMinus, sigmoidGrad, gSq, gGrad, slot);
      const dhPrev = dGates.matmul(weightHh);
      if (carryH && carryC) {
        dh = dhPrev.add(carryH);
        dc = dcPrev.add(carryC);
        temporaries.push(dhPrev, dcPrev);
      } else {
        dh = dhPrev;
        dc = dcPrev;
      }
      // The incoming gradients dhN and dcN belong to the autograd engine.
      for (const x of [...temporaries, dhPrevious, dcPrevious]) if (x !== dh && x !== dc && x !== dhN && x !== dcN) x.dispose();
      gateGrads[t] = dGates;
      inOrder[step] = dGates;
    }
    const dProjected = stack(gateGrads, timeDim);
    // dW_hh = Σ_t dGates_tᵀ · h_{t−1}, as one product over all steps.
    const previous = Array.from({ length: steps }, (_, step) => perStep[step * SAVED_PER_STEP + 2]!);
    const gatesAll = stack(inOrder, 0).reshape(-1, 4 * hidden);
    const previousAll = stack(previous, 0).reshape(-1, hidden);
    const gatesAllT = gatesAll.mT;
    const dWeightHh = gatesAllT.matmul(previousAll);
    for (const x of [...gateGrads, gatesAll, previousAll, gatesAllT]) x.dispose();
    const grads: (Tensor | null)[] = [dProjected, dh, dc, dWeightHh];
    if (hasMasks) grads.push(null);
    return grads;
  }
}
