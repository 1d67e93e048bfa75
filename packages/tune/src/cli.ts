import { writeFileSync } from "node:fs";
import { trialsToCsv, trialsToJson, trialsToRows } from "./export.js";
import { loadStudy } from "./study.js";
import { resolveStorage } from "./storages/storage-url.js";
import type { Storage } from "./storages/storage.js";
import { TrialState } from "./trial-state.js";

const USAGE = `Usage: trek-tune <command> --storage <url> [options]

Commands:
  studies                 list the studies in the storage
  trials                  list the trials of a study
  best                    show the best trial (or the Pareto front) of a study
  export                  write all trials of a study as CSV or JSON

Options:
  --storage <url>         journal:./study.log | postgresql://user@host:5432/db | memory:
                          (default: $TREK_TUNE_STORAGE)
  --study-name <name>     the study (may be omitted when the storage holds exactly one)
  --format <format>       table | csv | json (trials: table; best: table; export: csv)
  --output <file>         export: write to a file instead of standard output
  -h, --help              show this help
`;

class UsageError extends Error {}

interface ParsedArguments {
  command: string | undefined;
  options: Map<string, string>;
  help: boolean;
}

function parseArguments(argv: readonly string[]): ParsedArguments {
  const options = new Map<string, string>();
  let command: string | undefined;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i]!;
    if (argument === "-h" || argument === "--help") {
      help = true;
    } else if (argument.startsWith("--")) {
      const equals = argument.indexOf("=");
      const key = equals > 0 ? argument.slice(2, equals) : argument.slice(2);
      const value = equals > 0 ? argument.slice(equals + 1) : argv[++i];
      if (value === undefined) throw new UsageError(`option --${key} needs a value`);
      if (!["storage", "study-name", "format", "output"].includes(key)) throw new UsageError(`unknown option --${key}`);
      options.set(key, value);
    } else if (command === undefined) {
      command = argument;
    } else {
      throw new UsageError(`unexpected argument ${JSON.stringify(argument)}`);
    }
  }
  return { command, options, help };
}

/** Renders rows as aligned text columns. */
function formatTable(rows: readonly Record<string, unknown>[]): string {
  if (rows.length === 0) return "(none)\n";
  const columns = Object.keys(rows[0]!);
  const cell = (value: unknown) => (value === null || value === undefined ? "" : typeof value === "object" ? JSON.stringify(value) : String(value));
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => cell(row[column]).length)));
  const line = (values: string[]) => values.map((value, i) => value.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(columns), line(widths.map((w) => "-".repeat(w))), ...rows.map((row) => line(columns.map((column) => cell(row[column]))))].join("\n") + "\n";
}

/**
 * Runs the `trek-tune` command line and returns its exit code (0 success, 1 error, 2 usage).
 * Output goes to `write` (standard output by default).
 */
export async function runCli(argv: readonly string[], write: (text: string) => void = (text) => process.stdout.write(text)): Promise<number> {
  let storage: Storage | undefined;
  try {
    const { command, options, help } = parseArguments(argv);
    if (help || command === undefined) {
      write(USAGE);
      return help ? 0 : 2;
    }
    if (!["studies", "trials", "best", "export"].includes(command)) throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    const url = options.get("storage") ?? process.env.TREK_TUNE_STORAGE;
    if (!url) throw new UsageError("--storage is required (or set TREK_TUNE_STORAGE)");
    storage = await resolveStorage(url);

    if (command === "studies") {
      const studies = await storage.getAllStudies();
      const rows = [];
      for (const summary of studies) {
        const complete = await storage.getAllTrials(summary.studyId, [TrialState.Complete]);
        let best: number | null = null;
        if (summary.directions.length === 1) {
          for (const trial of complete) {
            const value = trial.values![0]!;
            if (best === null || (summary.directions[0] === "minimize" ? value < best : value > best)) best = value;
          }
        }
        rows.push({
          name: summary.studyName,
          directions: summary.directions.join(","),
          trials: summary.nTrials,
          complete: complete.length,
          best_value: best,
          created: summary.datetimeStart?.toISOString() ?? null,
        });
      }
      write(options.get("format") === "json" ? JSON.stringify(rows, null, 2) + "\n" : formatTable(rows));
      return 0;
    }

    const studyName = options.get("study-name");
    const study = await loadStudy({ storage, ...(studyName !== undefined ? { studyName } : {}) });
    const format = options.get("format");
    if (command === "trials") {
      if (format === "csv") write(study.toCsv());
      else if (format === "json") write(study.toJson() + "\n");
      else if (format === undefined || format === "table") write(formatTable(trialsToRows(study.trials, study.directions).map(({ datetime_start: _s, datetime_complete: _c, ...rest }) => rest)));
      else throw new UsageError(`--format must be table, csv or json, got ${JSON.stringify(format)}`);
      return 0;
    }
    if (command === "best") {
      const best = study.isMultiObjective ? study.bestTrials : [study.bestTrial];
      if (format === "json") write(JSON.stringify(study.isMultiObjective ? best.map((t) => t.toJSON()) : best[0]!.toJSON(), null, 2) + "\n");
      else if (format === undefined || format === "table") write(formatTable(trialsToRows(best, study.directions).map(({ datetime_start: _s, datetime_complete: _c, fail_reason: _f, ...rest }) => rest)));
      else throw new UsageError(`--format must be table or json, got ${JSON.stringify(format)}`);
      return 0;
    }
    // export
    const exportFormat = format ?? "csv";
    if (exportFormat !== "csv" && exportFormat !== "json") throw new UsageError(`--format must be csv or json, got ${JSON.stringify(exportFormat)}`);
    const text = exportFormat === "csv" ? trialsToCsv(study.trials, study.directions) : trialsToJson(study.trials, { studyName: study.studyName, directions: study.directions }) + "\n";
    const output = options.get("output");
    if (output) {
      writeFileSync(output, text);
      write(`wrote ${study.trials.length} trials of ${JSON.stringify(study.studyName)} to ${output}\n`);
    } else {
      write(text);
    }
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`trek-tune: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    process.stderr.write(`trek-tune: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await storage?.close().catch(() => undefined);
  }
}
