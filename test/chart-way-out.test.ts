/**
 * The way out, scenario by scenario on the chart alone (controlled actors, timers fired by name):
 * what the model's shortest paths do not reach, each pinned with exact values.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { chartHarness } from "./support/model-chart-harness.ts";
import { modelInput } from "./support/model-input.ts";

const STOPPING = "lifecycle.stopping";
type Harness = ReturnType<typeof chartHarness>;
const output = (h: Harness) =>
  h.actor.getSnapshot().output as { error: Error | null; status: Record<string, unknown> } | undefined;

beforeEach(() => {
  // Jitter pinned near the top of its window, so each wait shows which window it drew from.
  vi.spyOn(Math, "random").mockReturnValue(0.999);
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("chart: backoff windows", () => {
  it("waits a phase under 250 ms before the first reconnect, then 200–250 ms three times, then a window ×1.5, while no register is accepted", async () => {
    const h = await chartHarness().registered();
    const waits = (random: number) => {
      vi.spyOn(Math, "random").mockReturnValue(random);
      return Array.from({ length: 5 }, () => {
        h.emit({ type: "WATCH.FAILED", error: new Error("watch stream closed") });
        return h.expire("reconnectDelay", "lifecycle.running.disconnected");
      });
    };
    expect(waits(0.999)).toEqual([249, 249, 249, 249, 374]);
    expect(waits(0)).toEqual([450, 675, 800, 800, 800]); // the 6th to 10th: ×1.5, then the 1 s cap
  });

  // Jitter at 0: the phase of the first reconnect waits 0 ms, every later one at least 200 ms.
  it("starts the reconnect backoff again from the phase once a register is accepted", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0);
    const h = await chartHarness().registered();
    h.emit({ type: "WATCH.FAILED", error: new Error("eof") });
    expect(h.expire("reconnectDelay", "lifecycle.running.disconnected")).toBe(0);
    h.agentConnected();
    await h.resolve("register");
    h.emit({ type: "WATCH.FAILED", error: new Error("eof") });
    expect(h.expire("reconnectDelay", "lifecycle.running.disconnected")).toBe(0);
  });

  it("keeps the reconnect backoff growing when the register is accepted only after the stream died", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0);
    const h = await chartHarness().registered();
    h.emit({ type: "WATCH.FAILED", error: new Error("eof") });
    h.expire("reconnectDelay", "lifecycle.running.disconnected");
    h.agentConnected();
    h.emit({ type: "WATCH.FAILED", error: new Error("eof") });
    await h.resolve("register");
    expect(h.expire("reconnectDelay", "lifecycle.running.disconnected")).toBe(200);
  });

  it("waits at most 100 ms before the first register retry", async () => {
    const h = chartHarness();
    h.send({ type: "START" });
    h.agentConnected();
    await h.reject("register", new Error("refused"));
    expect(h.expire("registerRetryDelay", "lifecycle.running.online.session.registerRetry")).toBe(99);
  });

  it("waits at most 100 ms before the first drain retry, and a deregister failing after a drain that succeeded starts from the first window again", async () => {
    const h = await chartHarness().registered();
    h.send({ type: "SHUTDOWN" });
    await h.reject("drain", new Error("drain failed"));
    expect(h.expire("shutdownRetryDelay", "lifecycle.stopping.drainRetry")).toBe(99);
    await h.resolve("drain", { found: true });
    h.expire("drainDelay", "lifecycle.stopping.drained");
    await h.resolve("stopServer");
    await h.reject("deregister", new Error("deregister failed"));
    expect(h.expire("shutdownRetryDelay", "lifecycle.stopping.deregisterRetry")).toBe(99);
    await h.reject("deregister", new Error("deregister failed again"));
    expect(h.expire("shutdownRetryDelay", "lifecycle.stopping.deregisterRetry")).toBe(149);
  });
});

describe("chart: the shutdown deadline names the step it cut", () => {
  const cases: [string, (h: Harness) => void | Promise<void>, string][] = [
    ["draining", () => undefined, "in state draining: drain request unanswered"],
    [
      "drainRetry",
      (h) => h.reject("drain", new Error("boom")),
      "in state drainRetry: drain failed, retry pending (last error: boom)",
    ],
    ["drained", (h) => h.resolve("drain", { found: true }), "in state drained: drain delay running"],
    [
      "stoppingServer",
      async (h) => {
        await h.resolve("drain", { found: true });
        h.expire("drainDelay", "lifecycle.stopping.drained");
      },
      "in state stoppingServer: business server shutdown unfinished",
    ],
    [
      "deregistering",
      async (h) => {
        await h.resolve("drain", { found: false });
        await h.resolve("stopServer");
      },
      "in state deregistering: deregister request unanswered",
    ],
    [
      "deregisterRetry",
      async (h) => {
        await h.resolve("drain", { found: false });
        await h.resolve("stopServer");
        await h.reject("deregister", new Error("gone"));
      },
      "in state deregisterRetry: deregister failed, retry pending (last error: gone)",
    ],
  ];
  it.each(cases)("in %s", async (_, reach, text) => {
    const h = await chartHarness().registered();
    h.send({ type: "SHUTDOWN" });
    await reach(h);
    h.expire("shutdownTimeout", STOPPING);
    expect(h.actor.getSnapshot().status).toBe("done");
    expect(output(h)?.error?.message).toBe(`shutdown timed out after 10000 ms ${text}`);
    expect(h.actor.getSnapshot().context.status.lastErrorKind).toBe("sidecar_api");
  });
});

describe("chart: a drain on request", () => {
  it("becomes the full way out when SHUTDOWN comes while its drain is in flight", async () => {
    const h = await chartHarness().registered();
    h.send({ type: "DRAIN", gracePeriod: "250ms" });
    h.send({ type: "SHUTDOWN" });
    await h.resolve("drain", { found: true });
    expect(h.state()).toEqual({ stopping: "drained" });
    h.expire("drainDelay", "lifecycle.stopping.drained");
    await h.resolve("stopServer");
    await h.resolve("deregister");
    expect(h.actor.getSnapshot().status).toBe("done");
    expect(output(h)?.error).toBeNull();
    expect(h.calls.map((call) => call.id)).toEqual(["register", "drain", "stopServer", "deregister"]);
  });

  it("drains again with the new grace period when a second DRAIN comes while held", async () => {
    const h = await chartHarness().registered();
    h.send({ type: "DRAIN", gracePeriod: "250ms" });
    await h.resolve("drain", { found: true });
    expect(h.state()).toBe("drainHeld");
    h.send({ type: "DRAIN", gracePeriod: "5s" });
    expect(h.calls.filter((call) => call.id === "drain").map((call) => call.input)).toEqual([
      expect.objectContaining({ gracePeriod: "250ms" }),
      expect.objectContaining({ gracePeriod: "5s" }),
    ]);
  });

  it("keeps the lifecycle's grace period when a DRAIN names none", async () => {
    const h = await chartHarness().registered();
    h.send({ type: "DRAIN" });
    expect(h.calls.at(-1)?.input).toEqual(expect.objectContaining({ gracePeriod: "2s" }));
  });
});

describe("chart: the business server ending on its own", () => {
  it("deregisters at once, without a drain or a server stop, and ends without an error", async () => {
    const h = await chartHarness().registered();
    h.send({ type: "SERVER_EXITED" });
    expect(h.state()).toEqual({ stopping: "deregistering" });
    await h.resolve("deregister");
    expect(h.actor.getSnapshot().status).toBe("done");
    expect(h.calls.map((call) => call.id)).toEqual(["register", "deregister"]);
    expect(output(h)?.error).toBeNull();
  });

  it("ends at once when nothing was sent to the agent", async () => {
    const h = chartHarness();
    h.send({ type: "START" });
    h.send({ type: "SERVER_EXITED" });
    expect(h.actor.getSnapshot().status).toBe("done");
    expect(h.calls).toEqual([]);
  });
});

describe("chart: the grace period a SHUTDOWN names", () => {
  it("drains with the SHUTDOWN's grace period, and with the lifecycle's when it names none", async () => {
    const named = await chartHarness().registered();
    named.send({ type: "SHUTDOWN", gracePeriod: "250ms" });
    expect(named.calls.at(-1)).toMatchObject({
      id: "drain",
      input: { registration: modelInput.registration, gracePeriod: "250ms" },
    });
    const unnamed = await chartHarness().registered();
    unnamed.send({ type: "SHUTDOWN" });
    expect(unnamed.calls.at(-1)).toMatchObject({
      id: "drain",
      input: { registration: modelInput.registration, gracePeriod: "2s" },
    });
  });
});

describe("chart: a window of the way out closing on its step", () => {
  it("cuts a drain still unanswered at the drain deadline, says so, and stops the server", async () => {
    const h = await chartHarness().registered();
    h.send({ type: "SHUTDOWN" });
    h.expire("drainDeadline", STOPPING);
    expect(h.state()).toEqual({ stopping: "stoppingServer" });
    expect(h.actor.getSnapshot().context.status).toMatchObject({
      lastErrorKind: "sidecar_api",
      lastError: "drain cut: its window closed 5000 ms after shutdown began",
    });
    await h.resolve("stopServer");
    h.expire("shutdownTimeout", STOPPING);
    expect(output(h)?.error?.message).toBe(
      "shutdown timed out after 10000 ms in state deregistering: deregister request unanswered " +
        "(last error: drain cut: its window closed 5000 ms after shutdown began)",
    );
  });

  it("cuts a business server stop still running at the stop deadline, says so, and deregisters", async () => {
    const h = await chartHarness().registered();
    h.send({ type: "SHUTDOWN" });
    await h.resolve("drain", { found: true });
    h.expire("drainDelay", "lifecycle.stopping.drained");
    h.expire("stopDeadline", STOPPING);
    expect(h.state()).toEqual({ stopping: "deregistering" });
    expect(h.actor.getSnapshot().context.status).toMatchObject({
      lastErrorKind: "sidecar_api",
      lastError: "business server stop cut: its window closed 7500 ms after shutdown began",
    });
    expect(h.calls.map((call) => call.id)).toEqual(["register", "drain", "stopServer", "deregister"]);
  });
});

describe("chart: leaving now (FORCE)", () => {
  it("sends one deregister of the registered instance and ends without an error once it is accepted", async () => {
    const h = await chartHarness().registered();
    h.send({ type: "FORCE" });
    expect(h.state()).toBe("forcedExit");
    expect(h.calls.at(-1)).toEqual(
      expect.objectContaining({ id: "deregister", input: { registration: modelInput.registration } }),
    );
    await h.resolve("deregister");
    expect(h.actor.getSnapshot().status).toBe("done");
    expect(output(h)?.error).toBeNull();
    expect(output(h)?.status).toMatchObject({ connected: false, registered: false, registerReplayCount: 1 });
    expect(h.calls.map((call) => call.id)).toEqual(["register", "deregister"]);
  });

  it("ends without an error when the forced deregister is accepted after a drain failed", async () => {
    const h = await chartHarness().registered();
    h.send({ type: "SHUTDOWN" });
    await h.reject("drain", new Error("drain failed"));
    h.send({ type: "FORCE" });
    expect(h.state()).toBe("forcedExit");
    await h.resolve("deregister");
    expect(h.actor.getSnapshot().status).toBe("done");
    expect(output(h)?.error).toBeNull();
    expect(output(h)?.status).toMatchObject({ registered: false });
  });

  it("ends with the forced deregister's failure, reported once", async () => {
    const h = await chartHarness().registered();
    h.send({ type: "FORCE" });
    await h.reject("deregister", new Error("connection refused"));
    expect(h.actor.getSnapshot().status).toBe("done");
    expect(output(h)?.error?.message).toBe("connection refused");
    expect(h.reported.map((error) => error.message)).toEqual(["connection refused"]);
  });

  it("gives up the forced deregister after the force timeout, saying so", async () => {
    const h = await chartHarness().registered();
    h.send({ type: "FORCE" });
    h.expire("forceTimeout", "lifecycle.forcedExit");
    expect(h.actor.getSnapshot().status).toBe("done");
    expect(output(h)?.error?.message).toBe(
      "forced deregister cut: its window closed 500 ms after shutdown began",
    );
    expect(h.actor.getSnapshot().context.status.lastErrorKind).toBe("sidecar_api");
  });

  it("ends at once with no call when nothing was sent to the agent", () => {
    const h = chartHarness();
    h.send({ type: "START" });
    h.send({ type: "FORCE" });
    expect(h.actor.getSnapshot().status).toBe("done");
    expect(h.calls).toEqual([]);
    expect(output(h)?.error).toBeNull();
  });
});

describe("chart: a drain on request has no drain window", () => {
  it("leaves its drain in flight, and its retry pending, when the drain deadline passes", async () => {
    const h = await chartHarness().registered();
    h.send({ type: "DRAIN" });
    h.expire("drainDeadline", STOPPING);
    expect(h.state()).toEqual({ stopping: "draining" });
    await h.reject("drain", new Error("drain failed"));
    expect(h.state()).toEqual({ stopping: "drainRetry" });
    expect(h.actor.getSnapshot().status).toBe("active");
    expect(h.actor.getSnapshot().context.status).toMatchObject({
      lastErrorKind: "runtime_error",
      lastError: "drain failed",
    });
    h.expire("shutdownRetryDelay", "lifecycle.stopping.drainRetry");
    await h.resolve("drain", { found: true });
    expect(h.state()).toBe("drainHeld");
    expect(h.calls.map((call) => call.id)).toEqual(["register", "drain", "drain"]);
  });

  it("leaves a failed drain's retry pending when the drain deadline passes during the wait", async () => {
    const h = await chartHarness().registered();
    h.send({ type: "DRAIN" });
    await h.reject("drain", new Error("drain failed"));
    h.expire("drainDeadline", STOPPING);
    expect(h.actor.getSnapshot().status).toBe("active");
    expect(h.state()).toEqual({ stopping: "drainRetry" });
    expect(h.actor.getSnapshot().context.status.lastError).toBe("drain failed");
    h.expire("shutdownRetryDelay", "lifecycle.stopping.drainRetry");
    expect(h.calls.map((call) => call.id)).toEqual(["register", "drain", "drain"]);
  });
});

describe("chart: the deregister of the way out", () => {
  it("deregisters the registered instance after the server stopped, and ends without an error", async () => {
    const h = await chartHarness().registered();
    h.send({ type: "SHUTDOWN" });
    await h.resolve("drain", { found: true });
    h.expire("drainDelay", "lifecycle.stopping.drained");
    await h.resolve("stopServer");
    expect(h.calls.at(-1)).toEqual(
      expect.objectContaining({ id: "deregister", input: { registration: modelInput.registration } }),
    );
    await h.resolve("deregister");
    expect(h.actor.getSnapshot().status).toBe("done");
    expect(output(h)?.error).toBeNull();
  });
});
