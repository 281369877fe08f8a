/** The readiness gate on the chart alone: when the first register may go, and that it stays open. */
import { describe, expect, it } from "vitest";
import { chartHarness } from "./support/model-chart-harness.ts";

const registering = { running: { online: { session: { registering: "connected" }, liveness: "listening" } } };
const awaiting = { running: { online: { session: "awaitingServer", liveness: "listening" } } };

describe("chart: readiness gate", () => {
  it("registers on the first `connected` when the input says nothing of readiness", async () => {
    const h = chartHarness({ serverReady: undefined });
    h.send({ type: "START" });
    h.agentConnected();
    expect(h.state()).toEqual(registering);
    expect(h.calls.map((call) => call.id)).toEqual(["register"]);
  });

  it("holds the register until SERVER_READY, and after a reconnect registers at once", async () => {
    const h = chartHarness({ serverReady: false });
    h.send({ type: "START" });
    h.agentConnected();
    expect(h.state()).toEqual(awaiting);
    expect(h.calls).toEqual([]);
    h.send({ type: "SERVER_READY" });
    await h.resolve("register");
    h.emit({ type: "WATCH.FAILED", error: new Error("watch stream closed") });
    h.expire("reconnectDelay", "lifecycle.running.disconnected");
    h.agentConnected();
    expect(h.state()).toEqual(registering);
    expect(h.calls.map((call) => call.id)).toEqual(["register", "register"]);
  });

  it("remembers a SERVER_READY that came before the agent said `connected`", async () => {
    const h = chartHarness({ serverReady: false });
    h.send({ type: "START" });
    h.send({ type: "SERVER_READY" });
    h.agentConnected();
    expect(h.state()).toEqual(registering);
  });

  it("lets START override the input's readiness", async () => {
    const h = chartHarness({ serverReady: true });
    h.send({ type: "START", serverReady: false });
    h.agentConnected();
    expect(h.state()).toEqual(awaiting);
  });
});
