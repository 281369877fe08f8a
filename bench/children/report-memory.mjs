/** What every bench child prints once it holds what it was started for: one JSON line. */
export function reportMemory() {
  globalThis.gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  process.stdout.write(`${JSON.stringify({ rss, heapUsed })}\n`);
}
