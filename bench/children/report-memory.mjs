/**
 * What every bench child prints once it holds what it was started for: one JSON line, its memory
 * after a full GC and `importedAt`, when its imports had been evaluated (ms since the process
 * started, performance.now(); the child marks it with `importsDone()`).
 */
import { performance } from "node:perf_hooks";

let importedAt;

/** Marks the moment the child's imports are evaluated (the first call counts). */
export function importsDone() {
  importedAt ??= performance.now();
}

export function reportMemory() {
  globalThis.gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  process.stdout.write(`${JSON.stringify({ rss, heapUsed, importedAt })}\n`);
}
