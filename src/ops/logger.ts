/** The logger shape the `logger` option takes: pino's, and anything that speaks it. */

export type LogFn = (fields: Record<string, unknown>, message: string) => void;

/** pino-compatible: `info/warn/error/debug(fields, message)`, and `child(bindings)` when it has one. */
export interface Logger {
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  debug: LogFn;
  child?: (bindings: Record<string, unknown>) => Logger;
}
