import { describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { registerBackend } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { dataDir } from "../src/data-dir.js";
import { train } from "../src/train.js";

registerBackend("cpu", () => new CpuBackend());

const wine = join(dataDir(), "sklearn-datasets", "wine_data.csv");
const present = existsSync(wine);
if (!present) console.warn(`skipping tabular example: ${wine} not found (set TREK_DATA_DIR)`);

describe.skipIf(!present)("tabular example", () => {
  it("a short training run on wine beats chance (1/3) by far", async () => {
    const losses: number[] = [];
    const result = await train({ dataset: "wine", epochs: 8, onEpoch: (_, loss) => losses.push(loss) });
    expect(result.testSize).toBe(45); // ceil(0.25 · 178)
    expect(result.accuracy).toBeGreaterThan(0.8);
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]!);
  });

  it("trains the same with DataLoader worker threads", async () => {
    const single = await train({ dataset: "wine", epochs: 2 });
    const workers = await train({ dataset: "wine", epochs: 2, numWorkers: 2 });
    expect(workers.confusion).toEqual(single.confusion);
  });
});
