/**
 * Bare activity (bytes without an event) reaches the chart at a coarse rate: at most once per
 * tenth of the liveness timeout, never early, so a flood of bytes costs the chart a step per
 * interval and a silent agent still counts as hung after between 1 and 1.1 liveness timeouts.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { SimulatedClock } from "xstate";
import type { OpenStream } from "../src/actors.ts";
import { createLifecycle, type Lifecycle } from "../src/lifecycle.ts";
import { authRequest } from "./support/fixtures.ts";
import { countEvents, useAgent, waitForStatus } from "./support/lifecycle-harness.ts";

/** An open stream that never yields an event: the test calls `activity()` for each chunk. */
function silentStream(): { open: OpenStream; activity: () => void } {
  let onActivity = () => {};
  const open: OpenStream = (signal, report) => {
    onActivity = report;
    return {
      async *[Symbol.asyncIterator]() {
        await new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
      },
    };
  };
  return { open, activity: () => onActivity() };
}

describe("watch: bare activity on the chart's clock of record (fake timers)", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  function started(): { lifecycle: Lifecycle; activity: () => void; steps: () => number } {
    vi.useFakeTimers({
      toFake: ["setTimeout", "clearTimeout", "setImmediate", "clearImmediate", "performance"],
    });
    const stream = silentStream();
    // Never connected: the session stays in `connecting`, so no agent call is made; liveness runs.
    const lifecycle = createLifecycle(authRequest(), {
      baseURL: "http://127.0.0.1:9",
      openStream: stream.open,
      livenessTimeout: 1_000,
      reconnectInterval: 60_000,
      log: () => {},
    });
    const steps = countEvents(lifecycle, "WATCH.ACTIVITY");
    lifecycle.start();
    return { lifecycle, activity: stream.activity, steps };
  }

  it("reports the first chunk at once and a burst after it once, 100 ms later", async () => {
    const { lifecycle, activity, steps } = started();
    await vi.advanceTimersByTimeAsync(0);
    activity();
    await vi.advanceTimersByTimeAsync(0);
    expect(steps()).toBe(1);

    for (let chunk = 0; chunk < 10_000; chunk += 1) activity();
    await vi.advanceTimersByTimeAsync(99);
    expect(steps()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(steps()).toBe(2);
    expect(lifecycle.state()).toBe("connecting");
    lifecycle.actor.stop();
  });

  it("counts the agent hung 1,000 ms after the last report, not after the last byte", async () => {
    const { lifecycle, activity } = started();
    await vi.advanceTimersByTimeAsync(0);
    activity(); // reported at 0
    await vi.advanceTimersByTimeAsync(50);
    activity(); // at 50: reported late, at 100
    await vi.advanceTimersByTimeAsync(1_049);
    expect(lifecycle.status()).toMatchObject({ disconnectCount: 0, state: "connecting" });
    await vi.advanceTimersByTimeAsync(1);
    expect(lifecycle.status()).toMatchObject({ disconnectCount: 1, lastErrorKind: "watch_liveness" });
    lifecycle.actor.stop();
  });

  it("without a byte counts the agent hung after exactly the liveness timeout", async () => {
    const { lifecycle } = started();
    await vi.advanceTimersByTimeAsync(999);
    expect(lifecycle.status().disconnectCount).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(lifecycle.status()).toMatchObject({ disconnectCount: 1, lastErrorKind: "watch_liveness" });
    lifecycle.actor.stop();
  });

  it("drops a late report when the stream is stopped first", async () => {
    const { lifecycle, activity, steps } = started();
    await vi.advanceTimersByTimeAsync(0);
    activity();
    activity(); // late: due at 100
    await vi.advanceTimersByTimeAsync(0);
    expect(steps()).toBe(1);
    lifecycle.actor.stop();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(steps()).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("watch: a flood of comments over a real socket", () => {
  const h = useAgent();

  it("costs the chart no step per chunk while an event re-armed the silence timer within the interval", async () => {
    // Interval 60 s: the flood ends long before, so every chunk of it falls after `connected`'s report.
    const lifecycle = h.start({ clock: new SimulatedClock(), livenessTimeout: 600_000 });
    await waitForStatus(lifecycle, (s) => s.registered, "registered");
    const steps = countEvents(lifecycle, "WATCH.ACTIVITY");

    await h.agent.flood(() => ": keep-alive\n\n", 20_000, 10);
    await h.agent.flood(() => 'event: heartbeat\ndata: {"event":"heartbeat"}\n\n', 1, 1);
    await waitForStatus(lifecycle, (s) => s.lastEventType === "heartbeat", "the heartbeat after the flood");

    expect(steps()).toBe(0);
    expect(lifecycle.status()).toMatchObject({ state: "registered", disconnectCount: 0 });
  });
});
