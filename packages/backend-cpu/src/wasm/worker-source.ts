/**
 * The program every kernel worker runs, as source text so that it needs no file of its own: Node
 * starts it with `new Worker(source, { eval: true, workerData })`, a browser from a Blob URL,
 * receiving the same start message. A worker instantiates the shared kernel module on the shared
 * memory, marks itself ready, then sleeps on the job generation word; for every new job it runs
 * its share (`runTask`) and counts itself done.
 *
 * Control block (Int32 words at `control`): 0 the job word (generation << 8 | threads, read in
 * one atomic load), 1 workers still running, 3 error flag, 4 + i ready flag of worker i.
 */
export const WORKER_SOURCE = `
"use strict";
function start(init) {
  const { module, memory, control, job, index } = init;
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const runTask = instance.exports.runTask;
  const words = new Int32Array(memory.buffer, control, 64);
  let seen = Atomics.load(words, 0);
  Atomics.store(words, 4 + index, 1);
  for (;;) {
    Atomics.wait(words, 0, seen);
    const jobWord = Atomics.load(words, 0);
    if (jobWord === seen) continue;
    seen = jobWord;
    const threads = jobWord & 0xff;
    if (index + 1 >= threads) continue;
    try {
      runTask(job, index + 1, threads);
    } catch (err) {
      Atomics.store(words, 3, 1);
    }
    if (Atomics.sub(words, 1, 1) === 1) Atomics.notify(words, 1);
  }
}
if (typeof require === "function") {
  start(require("node:worker_threads").workerData);
} else {
  self.onmessage = (event) => start(event.data);
}
`;
