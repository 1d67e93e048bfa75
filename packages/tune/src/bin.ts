#!/usr/bin/env node
import { runCli } from "./cli.js";

// The `trek-tune` executable: all logic lives in cli.ts so that tests can call it in-process.
runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`trek-tune: ${(error as Error).message}\n`);
    process.exitCode = 1;
  },
);
