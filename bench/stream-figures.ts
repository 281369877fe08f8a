/**
 * The figures of one lifecycle in this process against the bench agent (another process):
 * replay after an agent restart, `connected` → register, SSE frames/s over loopback, and the
 * in-memory dispatch of a heartbeat into the chart.
 */
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import type { ConnectionEvent } from "../machines/types.ts";
import { Controller } from "../src/go/controller.ts";
import { newJSONHTTPClient } from "../src/go/runtime.ts";
import { createLifecycle, type Lifecycle, type LifecycleStatus } from "../src/lifecycle.ts";
import { authRequest } from "../test/support/fixtures.ts";
import type { AgentLink } from "./agent-link.ts";
import { figure, GO, ms, note, percentile, perSecond, progress, section, TARGET } from "./report.ts";

const RESTARTS = 20;
const MAX_DOWN_MS = 500;
const CONNECTED_SAMPLES = 200;
const SSE_FRAMES = 200_000;
const DISPATCHES = 200_000;

const epoch = () => performance.timeOrigin + performance.now();

function until(lifecycle: Lifecycle, check: (s: LifecycleStatus) => boolean, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (check(lifecycle.status())) return resolve();
    const timer = setTimeout(() => {
      subscription.unsubscribe();
      reject(new Error(`bench: timed out waiting for ${what} (state ${lifecycle.state()})`));
    }, 30_000);
    const subscription = lifecycle.actor.subscribe(() => {
      if (!check(lifecycle.status())) return;
      clearTimeout(timer);
      subscription.unsubscribe();
      resolve();
    });
  });
}

const registered = (lifecycle: Lifecycle) => until(lifecycle, (s) => s.state === "registered", "registered");

async function replay(agent: AgentLink, lifecycle: Lifecycle): Promise<void> {
  section(`replay after agent restart: ${RESTARTS} restarts, down 0–${MAX_DOWN_MS} ms, default options`);
  const latencies: number[] = [];
  for (let restart = 1; restart <= RESTARTS; restart += 1) {
    const { upAt } = await agent.restart(Math.random() * MAX_DOWN_MS);
    const [register] = await agent.registers(1);
    latencies.push((register?.at ?? Number.NaN) - upAt);
    await registered(lifecycle);
    progress("restarts", restart, RESTARTS);
  }
  latencies.sort((a, b) => a - b);
  const [p50, p90] = [percentile(latencies, 50), percentile(latencies, 90)];
  figure(
    "replay after agent restart (agent listening again → replayed register), p50 / p90 / max",
    `${ms(p50)} / ${ms(p90)} / ${ms(latencies.at(-1) as number)}`,
    `≤ 0.35 × Go: ${ms(TARGET.replayP50)} / ${ms(TARGET.replayP90)}`,
    p50 <= TARGET.replayP50 && p90 <= TARGET.replayP90,
    GO.replay,
  );
}

async function connectedToRegister(agent: AgentLink, lifecycle: Lifecycle): Promise<void> {
  section(`\`connected\` frame → register at the agent: ${CONNECTED_SAMPLES} frames on the open stream`);
  const latencies: number[] = [];
  for (let sample = 1; sample <= CONNECTED_SAMPLES; sample += 1) {
    const writtenAt = await agent.connected();
    const [register] = await agent.registers(1);
    latencies.push((register?.at ?? Number.NaN) - writtenAt);
    await registered(lifecycle);
    progress("frames", sample, CONNECTED_SAMPLES);
  }
  latencies.sort((a, b) => a - b);
  const [p50, p99] = [percentile(latencies, 50), percentile(latencies, 99)];
  figure(
    "`connected` frame → register at the agent, p50 / p99",
    `${ms(p50)} / ${ms(p99)}`,
    `≤ 1.0 × Go: ${ms(TARGET.connectedP50)} / ${ms(TARGET.connectedP99)}`,
    p50 <= TARGET.connectedP50 && p99 <= TARGET.connectedP99,
    GO.connectedToRegister,
  );
}

async function sse(agent: AgentLink, lifecycle: Lifecycle): Promise<void> {
  section(`SSE over loopback: ${SSE_FRAMES / 1000}k heartbeat frames of ~100 B into the lifecycle`);
  const startedAt = epoch();
  const written = agent.flood(SSE_FRAMES);
  await until(lifecycle, (s) => s.lastEventId === String(SSE_FRAMES), "the last heartbeat");
  const elapsed = epoch() - startedAt;
  const writtenAt = await written;
  const rate = SSE_FRAMES / (elapsed / 1000);
  figure(
    "SSE over loopback, heartbeat frames read, parsed and seen by the chart",
    `${perSecond(rate)} (${ms(elapsed)}; the agent had written the last at ${ms(writtenAt - startedAt)})`,
    `≥ 1.0 × Go: ${perSecond(TARGET.sseFramesPerSecond)}`,
    rate >= TARGET.sseFramesPerSecond,
    GO.sse,
  );
}

const heartbeatEvent: ConnectionEvent = {
  type: "heartbeat",
  connected: true,
  eventId: "1",
  message: "",
  service: "",
  status: "ready",
  lifecycleState: "",
  generatedAt: "2026-04-21T08:00:00.000Z",
};

/** Best of three timed loops of `count` calls of `work` (the first warms the JIT). */
function ratePerSecond(count: number, work: (index: number) => void, after = () => {}): number {
  let best = 0;
  for (let round = 0; round < 3; round += 1) {
    const started = performance.now();
    for (let index = 0; index < count; index += 1) work(index);
    after();
    best = Math.max(best, count / ((performance.now() - started) / 1000));
  }
  return best;
}

/**
 * Go's figure is `Controller.ObserveEvent`: heartbeats into the controller. Ours goes through the
 * same name, which merges what one I/O turn brings into one chart step; `status()` at the end
 * takes that step, so every loop is timed up to a status that shows its last heartbeat.
 */
async function dispatch(agent: AgentLink, lifecycle: Lifecycle): Promise<void> {
  section(
    `in-memory dispatch: ${DISPATCHES / 1000}k heartbeats into the registered Controller, then into the chart`,
  );
  const controller = new Controller(newJSONHTTPClient(agent.url, 3_000), authRequest());
  await controller.onConnected();
  const events = Array.from({ length: DISPATCHES }, (_, index) => ({
    ...heartbeatEvent,
    eventId: String(index),
  }));
  const rate = ratePerSecond(
    DISPATCHES,
    (index) => controller.observeEvent(events[index] as ConnectionEvent),
    () => {
      const last = controller.status().lastEventId;
      if (last !== String(DISPATCHES - 1))
        throw new Error(`bench: status shows heartbeat ${last}, not the last`);
    },
  );
  figure(
    "in-memory dispatch: Controller.observeEvent, a burst merged into one chart step, read back by status()",
    perSecond(rate),
    `≥ ${perSecond(TARGET.dispatchPerSecond)}`,
    rate >= TARGET.dispatchPerSecond,
    GO.dispatch,
  );
  const steps = ratePerSecond(DISPATCHES, (index) =>
    lifecycle.actor.send({ type: "WATCH.HEARTBEAT", event: events[index] as ConnectionEvent }),
  );
  note(
    `one chart step per heartbeat (WATCH.HEARTBEAT sent to the actor, nothing merged): ${perSecond(steps)}`,
  );
  await controller.shutdown();
}

export async function streamFigures(agent: AgentLink): Promise<void> {
  const lifecycle = createLifecycle(authRequest(), { baseURL: agent.url });
  lifecycle.start();
  await registered(lifecycle);
  await replay(agent, lifecycle);
  await connectedToRegister(agent, lifecycle);
  await sse(agent, lifecycle);
  await sleep(50); // let the last reads settle before timing the chart alone
  await dispatch(agent, lifecycle);
  lifecycle.actor.stop();
}
