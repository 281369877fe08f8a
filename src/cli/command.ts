/** What a `sidecar-lifecycle` subcommand module provides, and the error for bad input (exit 2). */

export interface CommandModule {
  /** Runs the subcommand with the arguments after its name; resolves with the exit code. */
  main(argv: string[]): Promise<number>;
}

/** Bad flags or input: printed with what is wrong, exit code 2, before anything starts. */
export class UsageError extends Error {
  override name = "UsageError";
  readonly problems: string[];

  constructor(problems: string[]) {
    super(problems.join("; "));
    this.problems = problems;
  }
}

/** Exit code of a usage error, as most CLIs use it. */
export const EXIT_USAGE = 2;

/** Prints a usage error to stderr and returns its exit code. */
export function reportUsage(command: string, error: UsageError): number {
  const lines =
    error.problems.length === 1
      ? [`sidecar-lifecycle ${command}: ${error.problems[0]}`]
      : [
          `sidecar-lifecycle ${command}: ${error.problems.length} problems:`,
          ...error.problems.map((p) => `  - ${p}`),
        ];
  process.stderr.write(`${lines.join("\n")}\nRun \`sidecar-lifecycle ${command} --help\` for the options.\n`);
  return EXIT_USAGE;
}

/**
 * A subcommand's flags, or its exit code when there is nothing to run: a UsageError from `parse`
 * is reported (2), and `--help` prints `help` (0).
 */
export function parseCommandArgs<T extends { help: boolean }>(
  command: string,
  help: string,
  parse: () => T,
): Exclude<T, { help: true }> | number {
  let parsed: T;
  try {
    parsed = parse();
  } catch (error) {
    if (error instanceof UsageError) return reportUsage(command, error);
    throw error;
  }
  if (!parsed.help) return parsed as Exclude<T, { help: true }>;
  process.stdout.write(`${help}\n`);
  return 0;
}

/** node:util parseArgs errors (unknown option, missing value) as UsageErrors. */
export function asUsageError(error: unknown): never {
  if (error instanceof TypeError && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS")) {
    // parseArgs appends a long hint about positionals after the first sentence.
    throw new UsageError([error.message.split(". To specify")[0] as string]);
  }
  throw error;
}

/** An integer flag in a range, or a problem naming the flag and the value. */
export function integerFlag(
  flag: string,
  text: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number | string {
  const value = Number(text);
  // Number() would also take "0x10", "1e3" and " 80 ".
  if (!/^-?\d+$/.test(text) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in ${min}..${max}`;
    return `--${flag} must be an integer ${range}, got "${text}"`;
  }
  return value;
}

/**
 * Resolves with the first SIGINT or SIGTERM. Both listeners go then, so the other signal is not
 * swallowed while the program winds down: it ends the process as it would without us.
 */
export function firstInterrupt(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve(signal);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

/** `HH:MM:SS.mmm` local time, for log lines. */
export function clockStamp(date = new Date()): string {
  const pad = (value: number, width = 2) => String(value).padStart(width, "0");
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}
