const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * Parses a Go duration string (`300ms`, `20s`, `1m30s`) into milliseconds, as the agent reads
 * `grace_period`. Throws a RangeError naming the text when it is not one.
 */
export function parseGoDuration(text: string): number {
  const source = text.trim();
  const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let index = source.startsWith("-") || source.startsWith("+") ? 1 : 0;
  if (source === "0") return 0;
  if (index === source.length)
    throw new RangeError(`invalid duration "${text}": expected e.g. 300ms, 20s, 1m30s`);
  while (index < source.length) {
    part.lastIndex = index;
    const match = part.exec(source);
    if (!match) throw new RangeError(`invalid duration "${text}": expected e.g. 300ms, 20s, 1m30s`);
    total += Number(match[1]) * (UNIT_MS[match[2] as string] as number);
    index = part.lastIndex;
  }
  return source.startsWith("-") ? -total : total;
}
