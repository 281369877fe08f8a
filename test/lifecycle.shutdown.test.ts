/** The way out: stop the watch, drain, wait the drain delay, stop the server, deregister. */
import { describe, expect, it } from "vitest";
import { SimulatedClock } from "xstate";
import { createLifecycle } from "../src/lifecycle.ts";
import { authRequest } from "./support/fixtures.ts";
import { useAgent, waitForStatus, within } from "./support/lifecycle-harness.ts";

const h = useAgent();

/** Timers that must not fire during these tests unless the test moves the clock there. */
const quiet = { livenessTimeout: 600_000, shutdownTimeout: 600_000 };

describe("lifecycle: shutdown", () => {
  it("stops the watch, drains, waits the drain delay, stops the server, then deregisters", async () => {
    const clock = new SimulatedClock();
    let callsWhenServerStopped: string[] = [];
    const lifecycle = h.start({
      ...quiet,
      clock,
      gracePeriod: "7s",
      drainDelay: 5_000,
      stopServer: async () => {
        callsWhenServerStopped = h.agent.calls.map((call) => call.path);
      },
    });
    await waitForStatus(lifecycle, (s) => s.registered, "registered");

    const finished = lifecycle.shutdown();
    const draining = lifecycle.status();
    expect(draining).toMatchObject({ state: "draining", connected: false });
    await h.agent.until(() => h.agent.openStreams === 0, "the watch stream to close");
    await h.agent.until(() => h.agent.callsTo("/drain").length === 1, "the drain call");
    expect(h.agent.callsTo("/drain")[0]?.body).toEqual({ name: "auth", port: 9090, grace_period: "7s" });

    await waitForStatus(lifecycle, (s) => s.state === "drained", "the drain to be accepted");
    clock.increment(4_999);
    expect(lifecycle.state()).toBe("drained");
    clock.increment(1);
    expect(lifecycle.state()).not.toBe("drained");

    const final = await within(finished, "shutdown to finish");
    expect(h.agent.calls.map((call) => call.path)).toEqual(["/register", "/drain", "/deregister"]);
    expect(h.agent.callsTo("/deregister")[0]?.body).toEqual({ name: "auth", port: 9090 });
    expect(callsWhenServerStopped).toEqual(["/register", "/drain"]);
    expect(final).toMatchObject({
      state: "deregistered",
      connected: false,
      registered: false,
      lastErrorKind: "",
    });
    expect(lifecycle.actor.getSnapshot().status).toBe("done");
  });

  it("sends nothing when shut down before start()", async () => {
    const lifecycle = createLifecycle(authRequest(), { baseURL: h.agent.url });
    const final = await within(lifecycle.shutdown(), "shutdown");
    expect(final.state).toBe("deregistered");
    expect(h.agent.watchRequests).toBe(0);
    expect(h.agent.calls).toEqual([]);
  });

  it("sends nothing when the agent never said `connected`", async () => {
    h.agent.watch = { status: 503 };
    const lifecycle = h.start({ reconnectInterval: 20 });
    await waitForStatus(lifecycle, (s) => s.disconnectCount >= 1, "a failed watch attempt");
    const final = await within(lifecycle.shutdown(), "shutdown");
    expect(final).toMatchObject({ state: "deregistered", lastErrorKind: "watch_http_status" });
    expect(h.agent.calls).toEqual([]);
  });

  it("sends nothing when the business server never became ready, but still stops the server", async () => {
    let serverStops = 0;
    const lifecycle = h.start({ serverReady: false, stopServer: async () => void serverStops++ });
    await waitForStatus(lifecycle, (s) => s.state === "awaitingServer", "the readiness gate");
    const final = await within(lifecycle.shutdown(), "shutdown");
    expect(final.state).toBe("deregistered");
    expect(serverStops).toBe(1);
    expect(h.agent.calls).toEqual([]);
  });

  it("aborts a register in flight and still drains and deregisters", async () => {
    h.agent.respond["/register"] = () => "hang";
    // A request timeout longer than the test's: only the abort can end the hung register.
    const lifecycle = h.start({ requestTimeout: 60_000, shutdownTimeout: 120_000, drainDelay: 0 });
    await h.agent.until(() => h.agent.callsTo("/register").length === 1, "the register call");
    expect(lifecycle.state()).toBe("connected");

    const final = await within(lifecycle.shutdown(), "shutdown");
    await h.agent.until(() => h.agent.abandoned.length === 1, "the register to be aborted");
    expect(h.agent.calls.map((call) => call.path)).toEqual(["/register", "/drain", "/deregister"]);
    expect(final).toMatchObject({ state: "deregistered", registered: false, registerReplayCount: 0 });
  });

  it("counts drain and deregister answered `local service not found` as done, with no wait and no error", async () => {
    const clock = new SimulatedClock();
    const notes: string[] = [];
    const notFound = () => ({ status: 400, body: { error: "local service not found: auth:9090" } });
    h.agent.respond["/drain"] = notFound;
    h.agent.respond["/deregister"] = notFound;
    const lifecycle = h.start({ ...quiet, clock, drainDelay: 5_000, log: (note) => notes.push(note) });
    await waitForStatus(lifecycle, (s) => s.registered, "registered");

    // The clock never moves: a retry or the drain delay would hang here.
    const final = await within(lifecycle.shutdown(), "shutdown without any timer");
    expect(final).toMatchObject({ state: "deregistered", lastErrorKind: "", lastError: "" });
    expect(h.agent.calls.map((call) => call.path)).toEqual(["/register", "/drain", "/deregister"]);
    expect(notes).toEqual([
      "drain: the agent no longer knows auth:9090 (it restarted); nothing to drain",
      "deregister: the agent no longer knows auth:9090 (it restarted); already deregistered",
    ]);
  });

  it("returns the same promise when shutdown() is called twice", async () => {
    const lifecycle = h.start({ drainDelay: 0 });
    await waitForStatus(lifecycle, (s) => s.registered, "registered");
    const first = lifecycle.shutdown();
    expect(lifecycle.shutdown()).toBe(first);
    await within(first, "shutdown");
    expect(h.agent.callsTo("/drain")).toHaveLength(1);
    expect(h.agent.callsTo("/deregister")).toHaveLength(1);
  });
});
