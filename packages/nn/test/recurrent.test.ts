import { describe, expect, it } from "vitest";
import { registerBackend, randn, type DType, type Tensor } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { grad, gradcheck, gradgradcheck } from "@trek/autograd";
import { GRU, LSTM, RNN, packPaddedSequence, padPackedSequence, type RecurrentOptions } from "@trek/nn";
import { checkAgainstFixture, loadFixtures } from "./helpers.js";

registerBackend("cpu", () => new CpuBackend());

const cases = loadFixtures("recurrent");
const DTYPES: DType[] = ["float32", "float64"];

interface RecurrentConfig {
  kind: "RNN" | "LSTM" | "GRU";
  input: number;
  hidden: number;
  numLayers?: number;
  bidirectional?: boolean;
  batchFirst?: boolean;
  bias?: boolean;
  nonlinearity?: "tanh" | "relu";
  lengths?: number[];
  projSize?: number;
}

function build(m: RecurrentConfig): RNN | LSTM | GRU {
  const options: RecurrentOptions = { numLayers: m.numLayers, bidirectional: m.bidirectional, batchFirst: m.batchFirst, bias: m.bias };
  if (m.kind === "LSTM") return new LSTM(m.input, m.hidden, { ...options, projSize: m.projSize });
  if (m.kind === "GRU") return new GRU(m.input, m.hidden, options);
  return new RNN(m.input, m.hidden, { ...options, nonlinearity: m.nonlinearity });
}

/** Runs the layer like the fixture script: packed input is packed here and padded again afterwards. */
function run(layer: RNN | LSTM | GRU, m: RecurrentConfig, x: Record<string, Tensor>): unknown {
  const h0 = x.h0 ?? null;
  const state = layer instanceof LSTM ? (h0 ? ([h0, x.c0!] as [Tensor, Tensor]) : null) : h0;
  if (!m.lengths) return (layer as LSTM).call(x.x!, state as [Tensor, Tensor]);
  const packed = packPaddedSequence(x.x!, m.lengths, { batchFirst: m.batchFirst, enforceSorted: false });
  const [out, final] = (layer as LSTM).forward(packed, state as [Tensor, Tensor]);
  const [padded] = padPackedSequence(out, { batchFirst: m.batchFirst });
  return [padded, final];
}

describe("RNN, LSTM and GRU match PyTorch (outputs, final states, all gradients)", () => {
  for (const dtype of DTYPES) {
    for (const [name, c] of Object.entries(cases)) {
      it(`${name} (${dtype})`, () => {
        const m = c.module as unknown as RecurrentConfig;
        const layer = build(m);
        checkAgainstFixture(name, c, dtype, layer, (x) => run(layer, m, x));
      });
    }
  }
});

describe("recurrent layers", () => {
  it("the hand-written LSTM backward matches finite differences (bidirectional, masked lengths, batch first)", () => {
    const lstm = new LSTM(2, 2, { bidirectional: true, batchFirst: true }).double();
    const x = randn([2, 3, 2], { dtype: "float64", requiresGrad: true });
    const h0 = randn([2, 2, 2], { dtype: "float64", requiresGrad: true });
    const c0 = randn([2, 2, 2], { dtype: "float64", requiresGrad: true });
    const inputs = [x, h0, c0, lstm.getParameter("weight_hh_l0"), lstm.getParameter("weight_hh_l0_reverse"), lstm.getParameter("bias_ih_l0")];
    const run = (a: Tensor, h: Tensor, c: Tensor): Tensor[] => {
      const [y, [hN, cN]] = lstm.call(a, [h, c], { lengths: [3, 2] });
      return [y, hN, cN];
    };
    expect(gradcheck((a, h, c) => run(a, h, c), inputs)).toBe(true);
  });

  it("name parameters like PyTorch", () => {
    const lstm = new LSTM(3, 4, { numLayers: 2, bidirectional: true });
    expect(Object.keys(lstm.stateDict())).toEqual([
      "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
      "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse",
      "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1",
      "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse",
    ]);
    expect(lstm.getParameter("weight_ih_l1").shape).toEqual([16, 8]);
    expect(lstm.reprTree()).toBe("LSTM(3, 4, num_layers=2, bidirectional=True)");
  });

  it("projSize: PyTorch's parameter names, shapes and repr; h has projSize features, c keeps hiddenSize", () => {
    const lstm = new LSTM(3, 5, { numLayers: 2, bidirectional: true, projSize: 2 });
    expect(Object.keys(lstm.stateDict())).toEqual([
      "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_hr_l0",
      "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse", "weight_hr_l0_reverse",
      "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1", "weight_hr_l1",
      "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse", "weight_hr_l1_reverse",
    ]);
    expect(lstm.getParameter("weight_hh_l0").shape).toEqual([20, 2]);
    expect(lstm.getParameter("weight_hr_l0").shape).toEqual([2, 5]);
    expect(lstm.getParameter("weight_ih_l1").shape).toEqual([20, 4]);
    expect(lstm.reprTree()).toBe("LSTM(3, 5, proj_size=2, num_layers=2, bidirectional=True)");
    expect(lstm.stateSize).toBe(2);
    const [out, [hN, cN]] = lstm.call(randn([4, 3, 3]));
    expect(out.shape).toEqual([4, 3, 4]);
    expect(hN.shape).toEqual([4, 3, 2]);
    expect(cN.shape).toEqual([4, 3, 5]);
    expect(() => lstm.call(randn([4, 3, 3]), [randn([4, 3, 5]), randn([4, 3, 5])])).toThrow(
      "LSTM(3, 5, proj_size=2, num_layers=2, bidirectional=True): expected h0 [4, 3, 2], got [4, 3, 5]",
    );
    expect(() => lstm.call(randn([4, 3, 3]), [randn([4, 3, 2]), randn([4, 3, 2])])).toThrow("expected c0 [4, 3, 5], got [4, 3, 2]");
  });

  it("projSize: bad options", () => {
    expect(() => new LSTM(3, 4, { projSize: 4 })).toThrow("LSTM: projSize must be less than hiddenSize (4), got 4");
    expect(() => new LSTM(3, 4, { projSize: -1 })).toThrow("LSTM: projSize must be a non-negative integer, got -1");
    expect(() => new LSTM(3, 4, { projSize: 1.5 })).toThrow("LSTM: projSize must be a non-negative integer, got 1.5");
    expect(() => new GRU(3, 4, { projSize: 2 } as RecurrentOptions)).toThrow("GRU: projSize is only supported by LSTM");
  });

  it("projSize: the hand-written backward and its gradients of gradients match finite differences", () => {
    const lstm = new LSTM(2, 3, { bidirectional: true, projSize: 2 }).double();
    const x = randn([3, 2, 2], { dtype: "float64", requiresGrad: true });
    const h0 = randn([2, 2, 2], { dtype: "float64", requiresGrad: true });
    const c0 = randn([2, 2, 3], { dtype: "float64", requiresGrad: true });
    const named = new Map(lstm.namedParameters());
    const [wHr, wHrReverse, wHh] = [named.get("weight_hr_l0")!, named.get("weight_hr_l0_reverse")!, named.get("weight_hh_l0")!];
    const run = (t: Tensor, h: Tensor, c: Tensor): Tensor[] => {
      const [out, [hN, cN]] = lstm.call(t, [h, c], { lengths: [3, 2] }) as [Tensor, [Tensor, Tensor]];
      return [out, hN, cN];
    };
    expect(gradcheck(run, [x, h0, c0, wHr, wHrReverse, wHh])).toBe(true);
    const tiny = new LSTM(2, 2, { projSize: 1 }).double();
    const small = randn([3, 2, 2], { dtype: "float64", requiresGrad: true });
    const tinyHr = tiny.getParameter("weight_hr_l0");
    // The projection weight is an input too: the module reads it as its parameter.
    expect(gradgradcheck((t: Tensor) => (tiny.call(t) as [Tensor, unknown])[0] as Tensor, [small, tinyHr])).toBe(true);
    expect(gradgradcheck(run, [x, h0, c0])).toBe(true);
    // A gradient penalty reaches the projection weight through the recomputed steps.
    const [dx] = grad((lstm.call(x) as [Tensor, unknown])[0].tanh().sum(), [x], { createGraph: true });
    const [dwHr] = grad(dx!.pow(2).sum(), [wHr]);
    expect(dwHr!.abs().sum().itemSync()).toBeGreaterThan(0);
  });

  it("the masked form (lengths) equals running each sequence alone", () => {
    const gru = new GRU(2, 3, { bidirectional: true, batchFirst: true });
    const x = randn([2, 5, 2]);
    const [out, hN] = gru.call(x, null, { lengths: [5, 3] });
    const [alone, aloneH] = gru.call(x.narrow(0, 1, 1).narrow(1, 0, 3));
    expect(out.narrow(0, 1, 1).narrow(1, 0, 3).allclose(alone, 1e-5, 1e-6)).toBe(true);
    expect(out.narrow(0, 1, 1).narrow(1, 3, 2).abs().amax().itemSync()).toBe(0);
    expect(hN.narrow(1, 1, 1).allclose(aloneH, 1e-5, 1e-6)).toBe(true);
  });

  it("explain bad input and state shapes", () => {
    const lstm = new LSTM(10, 20, { numLayers: 2 });
    expect(() => lstm.call(randn([5, 3, 8]))).toThrow(
      "LSTM(10, 20, num_layers=2): expected input [T, B, 10] (or unbatched [T, 10]), got [5, 3, 8]",
    );
    expect(() => lstm.call(randn([5, 3, 10]), [randn([1, 3, 20]), randn([2, 3, 20])])).toThrow(
      "LSTM(10, 20, num_layers=2): expected h0 [2, 3, 20], got [1, 3, 20]",
    );
    expect(() => new GRU(2, 3).call(randn([4, 2, 2]), null, { lengths: [4, 9] })).toThrow("every length must be an integer in [1, 4], got 9");
  });

  it("dropout between layers is only active in training mode", () => {
    const lstm = new LSTM(3, 8, { numLayers: 2, dropout: 0.5 });
    const x = randn([4, 2, 3]);
    lstm.eval();
    const [a] = lstm.call(x);
    const [b] = lstm.call(x);
    expect(a.equal(b)).toBe(true);
    lstm.train();
    const [c] = lstm.call(x);
    expect(c.equal(a)).toBe(false);
  });

  it("gradients of gradients through GRU, RNN and LSTM (bidirectional, masked lengths) match finite differences", () => {
    const x = randn([3, 2, 2], { dtype: "float64", requiresGrad: true });
    const gru = new GRU(2, 2).double();
    const rnn = new RNN(2, 2, { nonlinearity: "tanh" }).double();
    expect(gradgradcheck((t: Tensor) => (gru.call(t) as [Tensor, Tensor])[0], [x])).toBe(true);
    expect(gradgradcheck((t: Tensor) => (rnn.call(t) as [Tensor, Tensor])[0], [x])).toBe(true);
    const lstm = new LSTM(2, 2, { bidirectional: true }).double();
    const named = new Map(lstm.namedParameters());
    const [wIh, wHh] = [named.get("weight_ih_l0")!, named.get("weight_hh_l0_reverse")!];
    const h0 = randn([2, 2, 2], { dtype: "float64", requiresGrad: true });
    const c0 = randn([2, 2, 2], { dtype: "float64", requiresGrad: true });
    const run = (t: Tensor, h: Tensor, c: Tensor): Tensor[] => {
      const [out, [hN, cN]] = lstm.call(t, [h, c]) as [Tensor, [Tensor, Tensor]];
      return [out, hN, cN];
    };
    expect(gradgradcheck(run, [x, h0, c0])).toBe(true);
    expect(gradgradcheck((t: Tensor) => (lstm.call(t, null, { lengths: [3, 2] }) as [Tensor, unknown])[0] as Tensor, [x])).toBe(true);
    // A gradient penalty reaches the weights through the recomputed steps.
    const [dx] = grad((lstm.call(x) as [Tensor, unknown])[0].tanh().sum(), [x], { createGraph: true });
    const [dwIh, dwHh] = grad(dx!.pow(2).sum(), [wIh, wHh]);
    expect(dwIh!.abs().sum().itemSync()).toBeGreaterThan(0);
    expect(dwHh!.abs().sum().itemSync()).toBeGreaterThan(0);
  });
});
