/**
 * The table of issue 14: each figure's target and the Go client's figure. The Go figures are
 * constants copied from the issue (Go v0.0.8 client, measured on this machine kind), never
 * measured here; every line says so.
 */
import { performance } from "node:perf_hooks";

export const GO_LABEL = "Go v0.0.8 client, measured on this machine kind";

export const GO = {
  replay: "724 / 936 ms",
  connectedToRegister: "1.6 / 9.9 ms",
  sse: "109–123 k frames/s",
  dispatch: "0.84–1.4 M/s",
  rss: "6.5 MB total",
  start: "55–78 ms",
  stormReregister: "1,308 ms",
  stormCPU: "360 ms",
  stormCold: "1,339 ms",
} as const;

/** Targets as numbers, from the ratios to the Go figures or to the dependency floor. */
export const TARGET = {
  replayP50: 0.35 * 724,
  replayP90: 0.35 * 936,
  connectedP50: 1.6,
  connectedP99: 9.9,
  sseFramesPerSecond: 123_000,
  dispatchPerSecond: 300_000,
  rssOverFloorMiB: 4,
  heapOverFloorMiB: 2,
  startOverFloorMs: 50,
  stormReregisterMs: 1_308,
  stormCPUMs: 2 * 360,
  stormColdMs: 1.5 * 1_339,
  /** No 10 ms window holds more than this share of the storm's registers. */
  stormWindowShare: 0.1,
} as const;

/** Nearest-rank percentile of ascending `sorted`. */
export function percentile(sorted: number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

export function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

export const ms = (value: number) => `${value.toFixed(value < 10 ? 1 : 0)} ms`;
export const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
export const perSecond = (value: number) =>
  value >= 1e6 ? `${(value / 1e6).toFixed(2)} M/s` : `${(value / 1e3).toFixed(1)} k/s`;

const results: { figure: string; measured: string; met: boolean }[] = [];

/** Prints one figure: what was measured, its target and whether it was met, the Go figure beside it. */
export function figure(name: string, measured: string, target: string, met: boolean, go?: string): void {
  results.push({ figure: name, measured, met });
  console.log(`\n${name}\n  measured: ${measured}\n  target:   ${target} → ${met ? "met" : "MISSED"}`);
  if (go) console.log(`  ${GO_LABEL}: ${go}`);
}

/** An extra reading printed under the last figure, not judged. */
export function note(text: string): void {
  console.log(`  ${text}`);
}

/** The closing summary: which targets were met. */
export function summary(): void {
  const missed = results.filter((result) => !result.met);
  console.log(`\n${results.length - missed.length} of ${results.length} targets met`);
  for (const result of missed) console.log(`  missed: ${result.figure} (${result.measured})`);
}

/** A progress line for long work, overwritten in place on a terminal, one line each otherwise. */
export function progress(what: string, done: number, total: number): void {
  const line = `  … ${what}: ${done}/${total}`;
  if (process.stdout.isTTY) process.stdout.write(`\r${line}${done === total ? "\n" : ""}`);
  else if (done === total || done % Math.max(1, Math.ceil(total / 4)) === 0) console.log(line);
}

export function section(title: string): number {
  console.log(`\n== ${title}`);
  return performance.now();
}
