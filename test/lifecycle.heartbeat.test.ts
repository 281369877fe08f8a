/** Heartbeats only move lastEvent*; another `connected` on the same stream replays the registration. */
import { describe, expect, it, vi } from "vitest";
import { legacyConnected } from "./support/agent.ts";
import { useAgent, waitForStatus } from "./support/lifecycle-harness.ts";

const h = useAgent();

describe("lifecycle: heartbeats", () => {
  it("changes only lastEventType/Id/At (and what the agent says of itself) on a heartbeat, preferring the agent's generated_at", async () => {
    const lifecycle = h.start();
    const before = await waitForStatus(lifecycle, (s) => s.registered, "registered");

    h.agent.send(
      'id: 41\nevent: heartbeat\ndata: {"event":"heartbeat","status":"ready","generated_at":"2026-04-21T08:00:00Z"}\n\n',
    );
    const after = await waitForStatus(lifecycle, (s) => s.lastEventId === "41", "the heartbeat");
    expect(after).toEqual({
      ...before,
      lastEventType: "heartbeat",
      lastEventId: "41",
      lastEventAt: "2026-04-21T08:00:00.000Z",
      agentStatus: "ready",
    });
  });

  it("keeps what the agent last said of its readiness: a frame without it changes nothing", async () => {
    const lifecycle = h.start();
    await waitForStatus(lifecycle, (s) => s.registered, "registered");
    expect(lifecycle.status()).toMatchObject({ agentReady: null, agentStatus: "" });
    h.agent.send('id: 5\nevent: heartbeat\ndata: {"status":"degraded","ready":false}\n\n');
    await waitForStatus(lifecycle, (s) => s.lastEventId === "5", "the degraded heartbeat");
    expect(lifecycle.status()).toMatchObject({ agentReady: false, agentStatus: "degraded" });
    h.agent.send("id: 6\nevent: heartbeat\ndata: alive\n\n");
    await waitForStatus(lifecycle, (s) => s.lastEventId === "6", "the plain heartbeat");
    expect(lifecycle.status()).toMatchObject({ agentReady: false, agentStatus: "degraded" });
    h.agent.send('id: 7\nevent: heartbeat\ndata: {"status":"ready","ready":true}\n\n');
    await waitForStatus(lifecycle, (s) => s.lastEventId === "7", "the ready heartbeat");
    expect(lifecycle.status()).toMatchObject({ agentReady: true, agentStatus: "ready", registered: true });
  });

  it("stamps a heartbeat without generated_at with the time it arrived", async () => {
    const lifecycle = h.start();
    const before = await waitForStatus(lifecycle, (s) => s.registered, "registered");
    // Only Date is faked: sockets and timers stay real, the stamp is the time set here.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-04-21T09:30:00.000Z"));
    try {
      h.agent.send("id: 8\nevent: heartbeat\ndata: alive\n\n");
      const after = await waitForStatus(lifecycle, (s) => s.lastEventId === "8", "the heartbeat");
      expect(after).toEqual({
        ...before,
        lastEventType: "heartbeat",
        lastEventId: "8",
        lastEventAt: "2026-04-21T09:30:00.000Z",
      });
    } finally {
      vi.useRealTimers();
    }
    expect(h.agent.callsTo("/register")).toHaveLength(1);
  });

  it("replays the registration on another `connected` on the same stream", async () => {
    const lifecycle = h.start();
    await waitForStatus(lifecycle, (s) => s.registered, "registered");
    h.agent.send(legacyConnected);
    const replayed = await waitForStatus(lifecycle, (s) => s.registerReplayCount === 2, "the replay");
    expect(replayed).toMatchObject({ state: "registered", disconnectCount: 0 });
    expect(h.agent.watchRequests).toBe(1);
    expect(h.agent.callsTo("/register")).toHaveLength(2);
  });
});
