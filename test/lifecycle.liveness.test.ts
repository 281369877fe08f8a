/** A hung agent (socket open, not one byte) is noticed after livenessTimeout; any byte proves it alive. */
import { describe, expect, it } from "vitest";
import { SimulatedClock } from "xstate";
import {
  advanceUntil,
  countEvents,
  eventually,
  useAgent,
  waitForStatus,
} from "./support/lifecycle-harness.ts";

const h = useAgent();

describe("lifecycle: liveness", () => {
  it("disconnects a silent stream after livenessTimeout, then reconnects and replays", async () => {
    const clock = new SimulatedClock();
    const lifecycle = h.start({ clock, livenessTimeout: 1_000, reconnectInterval: 1_000 });
    await waitForStatus(lifecycle, (s) => s.registered, "registered");

    clock.increment(999);
    expect(lifecycle.status()).toMatchObject({ connected: true, disconnectCount: 0 });
    clock.increment(1);
    expect(lifecycle.status()).toMatchObject({
      connected: false,
      registered: false,
      disconnectCount: 1,
      lastErrorKind: "watch_liveness",
      lastError: "watch stream silent: no data from the agent for 1000 ms",
    });

    await advanceUntil(clock, lifecycle, (s) => s.registerReplayCount === 2, "the replay");
    expect(lifecycle.status()).toMatchObject({ state: "registered", connected: true, disconnectCount: 1 });
    expect(h.agent.watchRequests).toBe(2);
    await h.agent.until(() => h.agent.openStreams === 1, "the silent stream to be closed by the client");
  });

  it("takes a comment line alone as proof of life", async () => {
    const clock = new SimulatedClock();
    const lifecycle = h.start({ clock, livenessTimeout: 1_000 });
    await waitForStatus(lifecycle, (s) => s.registered, "registered");
    const activity = countEvents(lifecycle, "WATCH.ACTIVITY");

    clock.increment(900);
    h.agent.send(": heartbeat\n\n");
    await eventually(() => activity() === 1, "the comment to reach the chart");
    clock.increment(900);
    expect(lifecycle.status()).toMatchObject({
      connected: true,
      disconnectCount: 0,
      lastEventType: "connected",
    });
    clock.increment(100);
    expect(lifecycle.status()).toMatchObject({ disconnectCount: 1, lastErrorKind: "watch_liveness" });
  });

  it("takes a structured heartbeat as proof of life", async () => {
    const clock = new SimulatedClock();
    const lifecycle = h.start({ clock, livenessTimeout: 1_000 });
    await waitForStatus(lifecycle, (s) => s.registered, "registered");

    clock.increment(900);
    h.agent.send('id: 1\nevent: heartbeat\ndata: {"event":"heartbeat","status":"ready"}\n\n');
    await waitForStatus(lifecycle, (s) => s.lastEventType === "heartbeat", "the heartbeat");
    clock.increment(900);
    expect(lifecycle.status()).toMatchObject({ connected: true, disconnectCount: 0 });
  });
});
