const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};

/** Go's largest time.Duration (2^63 - 1 ns, about 292 years): ParseDuration refuses longer ones. */
const MAX_GO_DURATION_MS = 9_223_372_036_854.775;

/**
 * Parses a Go duration string (`300ms`, `20s`, `1m30s`) into milliseconds, exactly as the agent's
 * `time.ParseDuration` reads `grace_period` (no spaces, at most about 292 years). Throws a
 * RangeError naming the text when it is not one.
 */
export function parseGoDuration(text: string): number {
  const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let index = text.startsWith("-") || text.startsWith("+") ? 1 : 0;
  if (text === "0") return 0;
  if (index === text.length)
    throw new RangeError(`invalid duration "${text}": expected e.g. 300ms, 20s, 1m30s`);
  while (index < text.length) {
    part.lastIndex = index;
    const match = part.exec(text);
    if (!match) throw new RangeError(`invalid duration "${text}": expected e.g. 300ms, 20s, 1m30s`);
    total += Number(match[1]) * (UNIT_MS[match[2] as string] as number);
    index = part.lastIndex;
  }
  if (total > MAX_GO_DURATION_MS) throw new RangeError(`invalid duration "${text}": out of range`);
  return text.startsWith("-") ? -total : total;
}
