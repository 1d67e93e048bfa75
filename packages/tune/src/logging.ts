/** How much `@trek/tune` writes to the console. */
export type LogLevel = "silent" | "warning" | "info";

let currentLevel: LogLevel = "warning";

/** Sets how much is logged: `"info"` also reports every finished trial. Default `"warning"`. */
export function setLogLevel(level: LogLevel): void {
  if (level !== "silent" && level !== "warning" && level !== "info") throw new RangeError(`setLogLevel: level must be "silent", "warning" or "info", got ${JSON.stringify(level)}`);
  currentLevel = level;
}

/** The current log level. */
export function getLogLevel(): LogLevel {
  return currentLevel;
}

export function logWarning(message: string): void {
  if (currentLevel !== "silent") console.warn(`[trek-tune] ${message}`);
}

export function logInfo(message: string): void {
  if (currentLevel === "info") console.info(`[trek-tune] ${message}`);
}
