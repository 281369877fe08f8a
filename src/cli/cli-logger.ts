/**
 * `run`'s own logger, pino-shaped so the lifecycle's structured log writes through it: `text` is
 * one `[sidecar-lifecycle <instance>] HH:MM:SS.mmm  message` line each; `json` is one object per
 * line (`level`, `time`, `msg` and the fields, pino's names with the level as a word).
 */
import type { Logger } from "../ops/log.ts";
import { clockStamp } from "./command.ts";

export type LogFormat = "text" | "json";
export const LOG_FORMATS: readonly LogFormat[] = ["text", "json"];

type Level = "debug" | "info" | "warn" | "error";
const RANK: Record<Level, number> = { debug: 20, info: 30, warn: 40, error: 50 };

export interface CliLoggerOptions {
  format: LogFormat;
  /** Text lines start with it, e.g. `[sidecar-lifecycle auth:9090]`. */
  prefix: string;
  /** Lowest level written. */
  level: Level;
  write?: (line: string) => void;
}

export interface CliLogger extends Logger {
  child(bindings: Record<string, unknown>): CliLogger;
}

export function createCliLogger(
  { format, prefix, level, write = (line) => process.stderr.write(line) }: CliLoggerOptions,
  bindings: Record<string, unknown> = {},
): CliLogger {
  const at =
    (name: Level) =>
    (fields: Record<string, unknown>, message = "") => {
      if (RANK[name] < RANK[level]) return;
      if (format === "text") {
        write(`${prefix} ${clockStamp()}  ${message}\n`);
        return;
      }
      const record = { level: name, time: new Date().toISOString(), ...bindings, ...fields, msg: message };
      write(`${JSON.stringify(record)}\n`);
    };
  return {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: (more) => createCliLogger({ format, prefix, level, write }, { ...bindings, ...more }),
  };
}
