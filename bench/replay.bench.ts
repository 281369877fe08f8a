/**
 * Replay latency after an agent restart, with default options, against a real loopback agent:
 * the time from the agent listening again to the replayed register arriving. 20 restarts with
 * random down times of 0–500 ms. Then a small throughput / memory figure for heartbeats.
 * Run: `npm run bench`. Figures only: nothing here is asserted in a test.
 */
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { createLifecycle, type Lifecycle } from "../src/lifecycle.ts";
import { TestAgent } from "../test/support/agent.ts";
import { authRequest } from "../test/support/fixtures.ts";
import { waitForStatus } from "../test/support/lifecycle-harness.ts";

const RESTARTS = 20;
const MAX_DOWN_MS = 500;
const TARGET_MEDIAN_MS = 250;
const TARGET_P90_MS = 500;
const GO_CLIENT = { median: 638, p90: 907 };

// A settled heap figure needs a full GC; expose it here so `npm run bench` needs no node flag.
setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

/** Nearest-rank percentile. */
function percentile(sorted: number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

async function replayLatencies(agent: TestAgent, lifecycle: Lifecycle): Promise<number[]> {
  const latencies: number[] = [];
  for (let restart = 0; restart < RESTARTS; restart += 1) {
    const registers = agent.callsTo("/register").length;
    const downMs = Math.random() * MAX_DOWN_MS;
    await agent.close();
    await sleep(downMs);
    await agent.listen();
    const listeningAt = performance.now();
    await agent.until(() => agent.callsTo("/register").length > registers, "the replayed register", 10_000);
    const latency = performance.now() - listeningAt;
    latencies.push(latency);
    await waitForStatus(lifecycle, (s) => s.registered, "registered again", 10_000);
    console.log(
      `  restart ${String(restart + 1).padStart(2)}: down ${downMs.toFixed(0).padStart(3)} ms, replay after ${latency.toFixed(0).padStart(4)} ms`,
    );
  }
  return latencies;
}

async function heartbeatFigures(agent: TestAgent, lifecycle: Lifecycle): Promise<void> {
  const frames = 10_000;
  collectGarbage();
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  for (let id = 1; id <= frames; id += 1) {
    agent.send(
      `id: ${id}\nevent: heartbeat\ndata: {"event":"heartbeat","status":"ready","generated_at":"2026-04-21T08:00:00Z"}\n\n`,
    );
  }
  await waitForStatus(lifecycle, (s) => s.lastEventId === String(frames), "the last heartbeat", 30_000);
  const elapsed = performance.now() - started;
  collectGarbage();
  const heapAfter = process.memoryUsage().heapUsed;
  console.log(
    `heartbeats: ${frames} structured frames in ${elapsed.toFixed(0)} ms ` +
      `(${Math.round(frames / (elapsed / 1000))} frames/s); heap ${(heapBefore / 2 ** 20).toFixed(1)} MiB before, ` +
      `${(heapAfter / 2 ** 20).toFixed(1)} MiB after (both after a full GC)`,
  );
}

async function main(): Promise<void> {
  const agent = await TestAgent.start();
  const lifecycle = createLifecycle(authRequest(), { baseURL: agent.url });
  lifecycle.start();
  await waitForStatus(lifecycle, (s) => s.registered, "the first register");

  console.log(`replay after agent restart: ${RESTARTS} restarts, down 0–${MAX_DOWN_MS} ms, default options`);
  const sorted = (await replayLatencies(agent, lifecycle)).sort((a, b) => a - b);
  const median = percentile(sorted, 50);
  const p90 = percentile(sorted, 90);
  const verdict = (value: number, target: number) => (value <= target ? "met" : "MISSED");
  console.log(
    `replay median ${median.toFixed(0)} ms (target ≤ ${TARGET_MEDIAN_MS}: ${verdict(median, TARGET_MEDIAN_MS)}), ` +
      `p90 ${p90.toFixed(0)} ms (target ≤ ${TARGET_P90_MS}: ${verdict(p90, TARGET_P90_MS)}); ` +
      `Go client with its fixed 1 s retry: ${GO_CLIENT.median} / ${GO_CLIENT.p90} ms`,
  );

  await heartbeatFigures(agent, lifecycle);
  lifecycle.actor.stop();
  await agent.close();
}

await main();
