/** Names and units of the WebGPU suite's workloads, shared by both frameworks' runners. */

export type Workload = "w1" | "w2" | "w3" | "dispatch";

export interface Spec {
  suite: string;
  workload: string;
  metric: string;
  higherIsBetter: boolean;
}

export interface Measured {
  spec: Spec;
  samples: number[];
  note?: string;
}

export interface Framework {
  measure(workload: Workload): Promise<Measured[]>;
  dispose(): Promise<void>;
}

const W1 = "WebGPU W1 matmul";
const W2 = "WebGPU W2 MLP training";
const W3 = "WebGPU W3 CNN training";
const DISPATCH = "WebGPU dispatch overhead";

export const SPECS = {
  matmul: (n: number): Spec => ({ suite: W1, workload: `matmul fp32 N=${n}`, metric: "GFLOP/s", higherIsBetter: true }),
  w2: { suite: W2, workload: "MLP 784-512-10, batch 128, RMSprop", metric: "ms/step", higherIsBetter: false } as Spec,
  w3: { suite: W3, workload: "CNN [64,1,28,28], SGD momentum", metric: "ms/step", higherIsBetter: false } as Spec,
  dispatch: { suite: DISPATCH, workload: "add on 4 floats, 1000 queued", metric: "µs/op", higherIsBetter: false } as Spec,
  roundTrip: { suite: DISPATCH, workload: "add on 4 floats + readback", metric: "µs/op", higherIsBetter: false } as Spec,
};

export const MATMUL_SIZES = [256, 1024, 2048];

/** Timing budget per matmul size: big products take seconds on a CPU adapter. */
export function matmulTiming(n: number): { warmup: number; minRuns: number; maxRuns: number; budgetMs: number } {
  if (n >= 2048) return { warmup: 1, minRuns: 1, maxRuns: 2, budgetMs: 1 };
  if (n >= 1024) return { warmup: 1, minRuns: 2, maxRuns: 5, budgetMs: 3000 };
  return { warmup: 2, minRuns: 5, maxRuns: 30, budgetMs: 3000 };
}

/** Runs `fn`; on failure returns the spec with no samples and the reason. */
export async function attempt(spec: Spec, fn: () => Promise<Measured[]>): Promise<Measured[]> {
  try {
    return await fn();
  } catch (err) {
    const message = err instanceof Error ? err.message.split("\n")[0]! : String(err);
    return [{ spec, samples: [], note: `failed: ${message.slice(0, 160)}` }];
  }
}
