/** Names and units of the CPU suite's workloads, shared by every framework's runner. */
export interface Row {
  suite: string;
  workload: string;
  metric: string;
  higherIsBetter: boolean;
  samples: number[];
  note?: string;
}

type Spec = Omit<Row, "samples">;

/**
 * Timing of the W4 CNN forward in every framework: a call takes a few milliseconds, so the
 * default 50 calls spanned a fraction of a second and one burst of load on a shared machine moved
 * the median; up to 400 calls (about 3 s) average such bursts out. torch_bench.py uses the same.
 */
export const W4_CNN_TIMING = { minRuns: 10, maxRuns: 400, budgetMs: 3000 } as const;

const W1 = "W1 matmul & elementwise";
const W2 = "W2 MLP training";
const W3 = "W3 CNN training";
const W4 = "W4 inference";
const W5 = "W5 LSTM training";

export const WORKLOADS = {
  matmul: (n: number): Spec => ({ suite: W1, workload: `matmul fp32 N=${n}`, metric: "GFLOP/s", higherIsBetter: true }),
  add: { suite: W1, workload: "add fp32 4M elements", metric: "GB/s", higherIsBetter: true } as Spec,
  sum: { suite: W1, workload: "sum fp32 4M elements", metric: "GB/s", higherIsBetter: true } as Spec,
  w2: { suite: W2, workload: "MLP 784-512-10, batch 128, RMSprop", metric: "ms/step", higherIsBetter: false } as Spec,
  w3: { suite: W3, workload: "CNN [64,1,28,28], SGD momentum", metric: "ms/step", higherIsBetter: false } as Spec,
  w4cnn: { suite: W4, workload: "CNN forward, batch 64", metric: "images/s", higherIsBetter: true } as Spec,
  w4resnet: { suite: W4, workload: "ResNet-18 forward, [1,3,224,224]", metric: "images/s", higherIsBetter: true } as Spec,
  w5: { suite: W5, workload: "LSTM LM (5000×100 emb, 150 hidden, T=34, B=32), Adam", metric: "ms/step", higherIsBetter: false } as Spec,
};

/** Every workload spec, to match rows from PyTorch's JSON by name. */
export function specByName(workload: string): Spec | undefined {
  const all: Spec[] = [WORKLOADS.matmul(256), WORKLOADS.matmul(1024), WORKLOADS.matmul(2048), WORKLOADS.add, WORKLOADS.sum, WORKLOADS.w2, WORKLOADS.w3, WORKLOADS.w4cnn, WORKLOADS.w4resnet, WORKLOADS.w5];
  return all.find((s) => s.workload === workload);
}
