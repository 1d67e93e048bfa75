import { describe, expect, it } from "vitest";
import { registerBackend } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { SGD } from "@trek/optim";
import { ProgressBar, fit, formatDuration, formatValue } from "@trek/train";
import { blobs, loaderOf, recordingStream, smallClassifier } from "./helpers.js";

registerBackend("cpu", () => new CpuBackend());

const { x, y } = blobs(64, 31);
const ESCAPE = "\u001b";

async function trainWith(progress: ProgressBar, epochs = 2): Promise<void> {
  const model = smallClassifier(0);
  await fit(model, loaderOf(x, y, 16), {
    epochs,
    optimizer: new SGD(model.parameters(), { lr: 0.1 }),
    loss: "crossEntropy",
    metrics: ["accuracy"],
    valLoader: loaderOf(x, y, 64),
    callbacks: [progress],
  });
}

describe("ProgressBar", () => {
  it("writes one clean summary line per epoch when the stream is not a TTY", async () => {
    const stream = recordingStream(false);
    await trainWith(new ProgressBar({ stream }), 3);
    const text = stream.text();
    expect(text).not.toContain(ESCAPE);
    expect(text).not.toContain("\r");
    const lines = text.trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    lines.forEach((line, epoch) => {
      expect(line).toMatch(
        new RegExp(`^Epoch ${epoch + 1}/3 - 4 batches - \\d+\\.\\d+s - loss: \\d\\.\\d{4} - accuracy: \\d\\.\\d{4} - valLoss: \\d\\.\\d{4} - valAccuracy: \\d\\.\\d{4}$`),
      );
    });
  });

  it("draws a live bar with batches done, ETA and running values on a TTY, then the summary", async () => {
    const stream = recordingStream(true);
    await trainWith(new ProgressBar({ stream, fps: 1000 }), 1);
    const text = stream.text();
    expect(text).toContain(ESCAPE); // cursor control: the bar redraws in place
    expect(text).toMatch(/Epoch 1\/1 \[[█░]+\] \d\/4 \| ETA \S+ \| loss \d\.\d{4} \| accuracy \d\.\d{4}/);
    expect(text).toContain("4/4");
    expect(text).toMatch(/Epoch 1\/1 - 4 batches - \d+\.\d+s - loss: \d\.\d{4} - accuracy: \d\.\d{4} - valLoss: /);
  });

  it("fit adds a progress display unless verbose is 0 or one is passed", async () => {
    const writes: string[] = [];
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => (writes.push(String(chunk)), true)) as typeof process.stdout.write;
    try {
      const model = smallClassifier(0);
      const options = { epochs: 1, optimizer: new SGD(model.parameters(), { lr: 0.1 }), loss: "crossEntropy" as const };
      await fit(model, loaderOf(x, y, 32), { ...options, verbose: 2 });
      await fit(model, loaderOf(x, y, 32), { ...options, verbose: 0 });
    } finally {
      process.stdout.write = original;
    }
    const lines = writes.join("").trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Epoch 1\/1 - 2 batches - /);
  });

  it("formats durations and values compactly", () => {
    expect(formatDuration(3.14159)).toBe("3.14s");
    expect(formatDuration(42.25)).toBe("42.3s");
    expect(formatDuration(125)).toBe("2m05s");
    expect(formatDuration(3720)).toBe("1h02m");
    expect(formatValue(0.123456)).toBe("0.1235");
    expect(formatValue(0.0000123)).toBe("1.230e-5");
    expect(formatValue(Number.NaN)).toBe("NaN");
  });
});
