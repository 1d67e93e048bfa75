// Runs in the page: the CPU backend with its WebAssembly kernels, as a browser app would use it.
import { conv2d, conv2dParams, registerBackend, tensor } from "@trek/tensor";
import "@trek/autograd";
import { CpuBackend, cpuRuntimeInfo, setNumThreads } from "@trek/backend-cpu";

declare global {
  interface Window {
    trekRun(a: number[], b: number[], x: number[], w: number[], threads: number): Promise<unknown>;
  }
}

registerBackend("cpu", () => new CpuBackend());

window.trekRun = async (a, b, x, w, threads) => {
  setNumThreads(threads);
  const ta = tensor(new Float32Array(a), { shape: [48, 64] });
  const tb = tensor(new Float32Array(b), { shape: [64, 40] });
  // A product large enough to be shared among threads starts the workers.
  const big = tensor(new Float32Array(256 * 256).fill(1), { shape: [256, 256] });
  big.matmul(big);
  const deadline = Date.now() + 10_000;
  while (threads > 1 && cpuRuntimeInfo().sharedMemory && cpuRuntimeInfo().readyWorkers < threads - 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const product = ta.matmul(tb);
  const bigProduct = Array.from((await big.matmul(big).data()) as Float32Array); // now on the workers too
  const image = tensor(new Float32Array(x), { shape: [2, 3, 10, 10] }).requiresGrad_();
  const kernel = tensor(new Float32Array(w), { shape: [4, 3, 3, 3] }).requiresGrad_();
  const y = conv2d(image, kernel, null, conv2dParams(image, kernel, { padding: 1 }));
  y.relu().sum().backward();
  return {
    info: cpuRuntimeInfo(),
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    product: Array.from((await product.data()) as Float32Array),
    bigProductIsExact: bigProduct.every((v) => v === 256),
    conv: Array.from((await y.data()) as Float32Array),
    weightGradient: Array.from((await kernel.grad!.data()) as Float32Array),
  };
};
