/**
 * Retry backoff on the chart alone (controlled actors, timers fired by name): every retry draws
 * from its own attempt's window (machines/backoff.ts: a register or shutdown retry k waits in
 * [0, min(cap, 100·1.5^k)), the cap being the reconnect interval, 1 s here; reconnects have their
 * own schedule, see chart-way-out), and each success starts its counter again.
 * Jitter is pinned near the top of its window, so a wait tells which window it came from
 * (99 ms: first, 149 ms: second, 224 ms: third), its lower bound included.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { chartHarness } from "./support/model-chart-harness.ts";

const REGISTER_RETRY = "lifecycle.running.online.session.registerRetry";
const RECONNECT = "lifecycle.running.disconnected";
const DRAIN_RETRY = "lifecycle.stopping.drainRetry";
const DEREGISTER_RETRY = "lifecycle.stopping.deregisterRetry";
const STOPPING = "lifecycle.stopping";
type Harness = ReturnType<typeof chartHarness>;
const output = (h: Harness) => h.actor.getSnapshot().output as { error: Error | null } | undefined;

beforeEach(() => {
  vi.spyOn(Math, "random").mockReturnValue(0.999);
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("chart: register retries", () => {
  it("waits in the first, second, then third window while the agent keeps refusing the register", async () => {
    const h = chartHarness();
    h.send({ type: "START" });
    h.agentConnected();
    const waits: (number | undefined)[] = [];
    for (let i = 0; i < 3; i += 1) {
      await h.reject("register", new Error(`refused ${i + 1}`));
      waits.push(h.expire("registerRetryDelay", REGISTER_RETRY));
    }
    expect(waits).toEqual([99, 149, 224]);
    expect(h.calls.map((call) => call.id)).toEqual(["register", "register", "register", "register"]);
    expect(h.actor.getSnapshot().context.status).toMatchObject({
      registered: false,
      registerReplayCount: 0,
      registerReplayFailureCount: 3,
    });
  });

  it("starts the register backoff again from the first window once a register is accepted", async () => {
    const h = chartHarness();
    h.send({ type: "START" });
    h.agentConnected();
    await h.reject("register", new Error("refused"));
    expect(h.expire("registerRetryDelay", REGISTER_RETRY)).toBe(99);
    await h.resolve("register");
    expect(h.actor.getSnapshot().context.status.registered).toBe(true);
    // The agent says `connected` again (it restarted behind the same stream): replay, refused.
    h.agentConnected();
    await h.reject("register", new Error("refused again"));
    expect(h.expire("registerRetryDelay", REGISTER_RETRY)).toBe(99);
  });

  it("records a refused register as a register_replay failure carrying the agent's text, and reports it once", async () => {
    const h = chartHarness();
    h.send({ type: "START" });
    h.agentConnected();
    const refusal = Object.assign(new Error("POST /register returned 503 (not_ready): agent not ready"), {
      kind: "register_replay",
    });
    await h.reject("register", refusal);
    expect(h.actor.getSnapshot().context.status).toMatchObject({
      registered: false,
      registerReplayFailureCount: 1,
      lastErrorKind: "register_replay",
      lastError: "POST /register returned 503 (not_ready): agent not ready",
    });
    expect(h.reported).toEqual([refusal]);
  });

  it("records a register refused after the stream died, reports it once, and reconnects", async () => {
    const h = await chartHarness().registered();
    h.agentConnected();
    h.emit({ type: "WATCH.FAILED", error: new Error("watch stream closed") });
    const refusal = Object.assign(new Error("register refused"), { kind: "register_replay" });
    await h.reject("register", refusal);
    expect(h.state()).toEqual({ running: "disconnected" });
    expect(h.actor.getSnapshot().context.status).toMatchObject({
      registered: false,
      registerReplayCount: 1,
      registerReplayFailureCount: 1,
      disconnectCount: 1,
      lastErrorKind: "register_replay",
      lastError: "register refused",
    });
    expect(h.reported.map((error) => error.message)).toEqual(["watch stream closed", "register refused"]);
  });
});

describe("chart: a `connected` while a register is in flight or waiting to be retried", () => {
  const connectedEvent = (eventId: string) => ({
    type: "connected",
    connected: true,
    eventId,
    message: "ok",
    service: "sidecar-agent",
    status: "ready",
    lifecycleState: "serving",
    ready: true,
    generatedAt: `2026-04-21T08:00:0${eventId}Z`,
  });

  it("records the event and queues one replay, sent once the call in flight settles", async () => {
    const h = chartHarness();
    h.send({ type: "START" });
    h.agentConnected();
    h.emit({ type: "WATCH.CONNECTED", event: connectedEvent("2") });
    h.emit({ type: "WATCH.CONNECTED", event: connectedEvent("3") });
    expect(h.actor.getSnapshot().context.status).toMatchObject({
      connected: true,
      lastEventType: "connected",
      lastEventId: "3",
      lastEventAt: "2026-04-21T08:00:03Z",
      agentReady: true,
      agentStatus: "ready",
    });
    expect(h.calls.map((call) => call.id)).toEqual(["register"]);
    await h.resolve("register");
    expect(h.calls.map((call) => call.id)).toEqual(["register", "register"]);
    await h.resolve("register");
    expect(h.actor.getSnapshot().context.status).toMatchObject({ registered: true, registerReplayCount: 2 });
  });

  it("records the event but leaves the retry to the backoff", async () => {
    const h = chartHarness();
    h.send({ type: "START" });
    h.agentConnected();
    await h.reject("register", new Error("refused"));
    h.emit({ type: "WATCH.CONNECTED", event: connectedEvent("4") });
    expect(h.actor.getSnapshot().context.status).toMatchObject({
      connected: true,
      lastEventType: "connected",
      lastEventId: "4",
      lastEventAt: "2026-04-21T08:00:04Z",
    });
    expect(h.state()).toEqual({ running: { online: { session: "registerRetry", liveness: "listening" } } });
    expect(h.calls.map((call) => call.id)).toEqual(["register"]);
    expect(h.expire("registerRetryDelay", REGISTER_RETRY)).toBe(99);
    expect(h.calls.map((call) => call.id)).toEqual(["register", "register"]);
  });
});

describe("chart: reconnect backoff after a queued replay", () => {
  it("resets on a register accepted on a live stream even when a replay was queued behind it", async () => {
    // Jitter at 0: the first reconnect's phase waits 0 ms, every later reconnect at least 200 ms.
    vi.spyOn(Math, "random").mockReturnValue(0);
    const h = await chartHarness().registered();
    h.emit({ type: "WATCH.FAILED", error: new Error("eof") });
    expect(h.expire("reconnectDelay", RECONNECT)).toBe(0);
    h.agentConnected();
    h.agentConnected(); // queued behind the register in flight
    await h.resolve("register"); // accepted on a live stream: the backoff starts again
    h.emit({ type: "WATCH.FAILED", error: new Error("eof") }); // while the queued replay is in flight
    await h.resolve("register"); // accepted after the stream died: proves nothing, changes nothing
    expect(h.state()).toEqual({ running: "disconnected" });
    expect(h.expire("reconnectDelay", RECONNECT)).toBe(0);
    expect(h.calls.map((call) => call.id)).toEqual(["register", "register", "register"]);
  });
});

describe("chart: shutdown retries start again after a drain that ended", () => {
  it("after a held drain that succeeded on its retry, the first deregister retry waits in the first window", async () => {
    const h = await chartHarness().registered();
    h.send({ type: "DRAIN" });
    await h.reject("drain", new Error("drain failed"));
    expect(h.expire("shutdownRetryDelay", DRAIN_RETRY)).toBe(99);
    await h.resolve("drain", { found: true });
    expect(h.state()).toBe("drainHeld");
    h.send({ type: "DEREGISTER" });
    await h.reject("deregister", new Error("deregister failed"));
    expect(h.expire("shutdownRetryDelay", DEREGISTER_RETRY)).toBe(99);
    await h.reject("deregister", new Error("deregister failed again"));
    expect(h.expire("shutdownRetryDelay", DEREGISTER_RETRY)).toBe(149);
  });

  it("after a drain retried and then not found (agent restarted), the first deregister retry waits in the first window", async () => {
    const h = await chartHarness().registered();
    h.send({ type: "SHUTDOWN" });
    await h.reject("drain", new Error("drain failed"));
    expect(h.expire("shutdownRetryDelay", DRAIN_RETRY)).toBe(99);
    await h.resolve("drain", { found: false });
    expect(h.state()).toEqual({ stopping: "stoppingServer" });
    await h.resolve("stopServer");
    await h.reject("deregister", new Error("deregister failed"));
    expect(h.expire("shutdownRetryDelay", DEREGISTER_RETRY)).toBe(99);
  });

  it("keeps retrying a drain on request past the drain window, each wait in the next window", async () => {
    const h = await chartHarness().registered();
    h.send({ type: "DRAIN" });
    await h.reject("drain", new Error("drain failed 1"));
    h.expire("drainDelay", STOPPING);
    expect(h.state()).toEqual({ stopping: "drainRetry" });
    expect(h.expire("shutdownRetryDelay", DRAIN_RETRY)).toBe(99);
    await h.reject("drain", new Error("drain failed 2"));
    expect(h.expire("shutdownRetryDelay", DRAIN_RETRY)).toBe(149);
    expect(h.calls.filter((call) => call.id === "drain")).toHaveLength(3);
  });
});

describe("chart: the shutdown deadline after a retried drain", () => {
  it("names `draining` when the retried drain on request hangs", async () => {
    const h = await chartHarness().registered();
    h.send({ type: "DRAIN" });
    await h.reject("drain", new Error("boom"));
    h.expire("shutdownRetryDelay", DRAIN_RETRY);
    expect(h.state()).toEqual({ stopping: "draining" });
    h.expire("shutdownTimeout", STOPPING);
    expect(h.actor.getSnapshot().status).toBe("done");
    expect(output(h)?.error?.message).toBe(
      "shutdown timed out after 10000 ms in state draining: drain request unanswered (last error: boom)",
    );
  });
});
